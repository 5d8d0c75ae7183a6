"""Image and toy data sets for ``gan_ova``.

Every image loader returns a pair ``(X, y)`` where ``X`` is a
``float32`` array of shape ``(n, C, H, W)`` with values in ``[0, 1]`` and
``y`` is an ``int64`` array of shape ``(n,)``.  The 2-D toy generators
return ``X`` of shape ``(n, 2)`` (``float32``) and ``int64`` labels.

Nothing is ever cached on disk by this module and nothing is downloaded
unless ``download=True`` is passed explicitly.

Contents
--------
Real images
    :func:`load_digits_images`, :func:`load_fashion_mnist`,
    :func:`load_torchvision_dataset`, :func:`load_dataset`,
    :func:`read_idx`.
Synthetic images
    :func:`make_letters` (a notMNIST-like letter set rendered from the
    installed TrueType fonts), :func:`make_noise_images`.
2-D toy problems
    :func:`make_two_gaussians`, :func:`make_overlapping_gaussians`,
    :func:`make_moons_2d`, :func:`make_grid_gaussians`.
Helpers
    :func:`parse_classes`, :func:`split_classes`, :func:`to_shape`.
"""

# Every public name is imported from here, ``gan_ova.datasets``; the modules
# below it are private and split the code by layer:
#   _files      IDX files and torchvision data objects -> (X, y) arrays
#   _loaders    where the real data sets are looked up, downloads, not-found errors
#   _synthetic  letters rendered from fonts, noise images
#   _toy        2-D toy problems
#   _classes    class specifications and the split by class
#   _shape      image shape checks and to_shape
# The functions read the constants defined at the end of this file when they
# are called (``from . import FONT_DIR``), so assigning or monkeypatching
# ``gan_ova.datasets.FONT_DIR`` and the other constants takes effect.
from ._classes import parse_classes, split_classes
from ._files import read_idx
from ._files import torchvision_to_numpy as _torchvision_to_numpy  # noqa: F401 (old private path, kept)
from ._loaders import load_dataset, load_digits_images, load_fashion_mnist, load_torchvision_dataset
from ._shape import to_shape
from ._synthetic import find_fonts as _find_fonts  # noqa: F401 (old private path, kept)
from ._synthetic import make_letters, make_noise_images
from ._toy import make_grid_gaussians, make_moons_2d, make_overlapping_gaussians, make_two_gaussians

__all__ = [
    "DATASET_NAMES",
    "DEBIAN_FASHION_MNIST_DIR",
    "DEFAULT_ROOT",
    "FONT_DIR",
    "TORCHVISION_DATASETS",
    "load_dataset",
    "load_digits_images",
    "load_fashion_mnist",
    "load_torchvision_dataset",
    "make_grid_gaussians",
    "make_letters",
    "make_moons_2d",
    "make_noise_images",
    "make_overlapping_gaussians",
    "make_two_gaussians",
    "parse_classes",
    "read_idx",
    "split_classes",
    "to_shape",
]

#: Directory of the Debian package ``dataset-fashion-mnist``.
DEBIAN_FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist"

#: Default ``root`` for torchvision data sets (``~`` is expanded on use).
DEFAULT_ROOT = "~/.cache/gan_ova"

#: Directory searched (recursively, ``**/*.ttf``) for fonts by
#: :func:`make_letters`.
FONT_DIR = "/usr/share/fonts"

#: Names accepted by :func:`load_torchvision_dataset`, mapped to
#: ``(torchvision class name, display name)``.
TORCHVISION_DATASETS = {
    "mnist": ("MNIST", "MNIST"),
    "cifar10": ("CIFAR10", "CIFAR-10"),
    "cifar100": ("CIFAR100", "CIFAR-100"),
    "svhn": ("SVHN", "SVHN"),
}

#: Names accepted by :func:`load_dataset`.
DATASET_NAMES = (
    "digits",
    "fashion_mnist",
    "fashion-mnist",
    "mnist",
    "cifar10",
    "cifar100",
    "svhn",
)
