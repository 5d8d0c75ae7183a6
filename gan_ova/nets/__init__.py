"""Torch modules of gan_ova: conditional autoencoders, latent GAN, classifier backbones."""

from ._pool import MaxPool2x2, max_pool2x2
from .cae import ConvCAE, ResidualCAE
from .classifiers import (
    BACKBONES,
    MLP,
    LeNet,
    LeNet5,
    ResNetLN,
    default_backbone,
    set_mc_dropout,
)
from .gan import Critic, Generator

__all__ = [
    "ConvCAE",
    "ResidualCAE",
    "Generator",
    "Critic",
    "LeNet",
    "LeNet5",
    "ResNetLN",
    "MLP",
    "BACKBONES",
    "default_backbone",
    "set_mc_dropout",
    "MaxPool2x2",
    "max_pool2x2",
]
