from tensorflow import keras
model = keras.Sequential([keras.Input((64, 64, 3))])
size = 64
while size > 8:
    model.add(keras.layers.Conv2D(32, 3, strides=2, padding="same"))
    size //= 2
model.add(keras.layers.Flatten())
model.add(keras.layers.Dense(10))
