from tensorflow import keras
from tensorflow.keras import layers

model = keras.Sequential(
    [
        keras.Input((32, 32, 3)),
        layers.RandomFlip("horizontal"),
        layers.RandomRotation(0.1),
        layers.Conv2D(16, 3, activation="relu"),
        layers.GlobalAveragePooling2D(),
        layers.Dense(10),
    ]
)
