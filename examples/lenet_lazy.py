"""LeNet-5 with Lazy modules: the input sizes of the layers are inferred at the first call."""

import torch.nn as nn


class LeNet(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.features = nn.Sequential(
            nn.LazyConv2d(6, kernel_size=5, padding=2),
            nn.Tanh(),
            nn.AvgPool2d(kernel_size=2, stride=2),
            nn.LazyConv2d(16, kernel_size=5),
            nn.Tanh(),
            nn.AvgPool2d(kernel_size=2, stride=2),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.LazyLinear(120),
            nn.Tanh(),
            nn.LazyLinear(84),
            nn.Tanh(),
            nn.LazyLinear(num_classes),
        )

    def forward(self, x):
        return self.classifier(self.features(x))
