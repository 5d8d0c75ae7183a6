"""2-D toy problems: Gaussian classes and moons, ``X`` of shape ``(n, 2)``."""

from __future__ import annotations

import numpy as np
from sklearn.utils import check_random_state

from .._validation import check_float, check_int


def _class_sizes(n_samples, n_classes):
    """Split ``n_samples`` as evenly as possible over ``n_classes``."""
    sizes = np.full(n_classes, n_samples // n_classes, dtype=int)
    sizes[: n_samples % n_classes] += 1
    return sizes


def _gaussian_blobs(n_samples, centers, std, rng):
    """Isotropic Gaussian blobs around ``centers``, shuffled."""
    centers = np.asarray(centers, dtype=np.float64)
    sizes = _class_sizes(n_samples, len(centers))
    y = np.repeat(np.arange(len(centers), dtype=np.int64), sizes)
    X = centers[y] + std * rng.standard_normal((n_samples, 2))
    order = rng.permutation(n_samples)
    return X[order].astype(np.float32), y[order]


def _two_gaussians(n_samples, distance, std, random_state):
    n_samples = check_int("n_samples", n_samples, minimum=2)
    distance = check_float("distance", distance, minimum=0)
    std = check_float("std", std, minimum=0, strict=True)
    rng = check_random_state(random_state)
    centers = [(-distance / 2.0, 0.0), (distance / 2.0, 0.0)]
    return _gaussian_blobs(n_samples, centers, std, rng)


def make_two_gaussians(n_samples=400, distance=8.0, std=1.0, random_state=None):
    """Two well-separated isotropic Gaussian classes in 2-D.

    Class 0 is centred at ``(-distance / 2, 0)``, class 1 at
    ``(distance / 2, 0)``; both have standard deviation ``std``.

    Parameters
    ----------
    n_samples : int, default=400
        Total number of points (split evenly, at least 2).
    distance : float, default=8.0
        Distance between the two class centres.
    std : float, default=1.0
        Standard deviation of each coordinate (> 0).
    random_state : int, RandomState instance or None, default=None
        Seed for reproducibility.

    Returns
    -------
    X : ndarray of shape (n_samples, 2), dtype float32
        Points, in random order.
    y : ndarray of shape (n_samples,), dtype int64
        Labels 0 and 1.

    Examples
    --------
    >>> from gan_ova.datasets import make_two_gaussians
    >>> X, y = make_two_gaussians(n_samples=100, random_state=0)
    >>> X.shape, X.dtype, sorted(set(y.tolist()))
    ((100, 2), dtype('float32'), [0, 1])
    """
    return _two_gaussians(n_samples, distance, std, random_state)


def make_overlapping_gaussians(n_samples=400, distance=1.5, std=1.0, random_state=None):
    """Two overlapping isotropic Gaussian classes in 2-D (aleatoric noise).

    The same function as :func:`make_two_gaussians`, with a smaller default
    ``distance`` so that the classes overlap.

    Parameters
    ----------
    distance : float, default=1.5
        Distance between the two class centres (1.5 standard deviations by
        default).
    n_samples, std, random_state
        As in :func:`make_two_gaussians`.

    Returns
    -------
    X, y
        As in :func:`make_two_gaussians`: ``(n_samples, 2)`` float32 points
        in random order and int64 labels 0 and 1.

    Examples
    --------
    >>> from gan_ova.datasets import make_overlapping_gaussians
    >>> X, y = make_overlapping_gaussians(n_samples=10, random_state=0)
    >>> X.shape, y.dtype, int(y.sum())
    ((10, 2), dtype('int64'), 5)
    """
    return _two_gaussians(n_samples, distance, std, random_state)


def make_moons_2d(n_samples=400, noise=0.1, random_state=None):
    """Two interleaving half circles (scikit-learn's ``make_moons``).

    Parameters
    ----------
    n_samples : int, default=400
        Total number of points (at least 2).
    noise : float, default=0.1
        Standard deviation of the Gaussian noise added (>= 0).
    random_state : int, RandomState instance or None, default=None
        Seed for reproducibility.

    Returns
    -------
    X : ndarray of shape (n_samples, 2), dtype float32
        Points, in random order.
    y : ndarray of shape (n_samples,), dtype int64
        Labels 0 and 1.

    Examples
    --------
    >>> from gan_ova.datasets import make_moons_2d
    >>> X, y = make_moons_2d(n_samples=50, random_state=0)
    >>> X.shape, X.dtype, y.dtype
    ((50, 2), dtype('float32'), dtype('int64'))
    """
    from sklearn.datasets import make_moons

    n_samples = check_int("n_samples", n_samples, minimum=2)
    noise = check_float("noise", noise, minimum=0)
    X, y = make_moons(n_samples=n_samples, noise=noise, shuffle=True,
                      random_state=check_random_state(random_state))
    return X.astype(np.float32), y.astype(np.int64)


def make_grid_gaussians(n_samples=900, spacing=5.0, std=0.5, random_state=None):
    """Nine Gaussian classes on a 3x3 grid in 2-D.

    Class ``3 * i + j`` (``i, j`` in ``0..2``) is centred at
    ``((j - 1) * spacing, (i - 1) * spacing)`` - the grid is centred on the
    origin - with standard deviation ``std``.

    Parameters
    ----------
    n_samples : int, default=900
        Total number of points (split as evenly as possible, at least 9).
    spacing : float, default=5.0
        Distance between neighbouring grid centres (> 0).
    std : float, default=0.5
        Standard deviation of each coordinate (> 0).
    random_state : int, RandomState instance or None, default=None
        Seed for reproducibility.

    Returns
    -------
    X : ndarray of shape (n_samples, 2), dtype float32
        Points, in random order.
    y : ndarray of shape (n_samples,), dtype int64
        Labels ``0..8``.

    Examples
    --------
    >>> import numpy as np
    >>> from gan_ova.datasets import make_grid_gaussians
    >>> X, y = make_grid_gaussians(n_samples=90, random_state=0)
    >>> X.shape, np.bincount(y).tolist()
    ((90, 2), [10, 10, 10, 10, 10, 10, 10, 10, 10])
    """
    n_samples = check_int("n_samples", n_samples, minimum=9)
    spacing = check_float("spacing", spacing, minimum=0, strict=True)
    std = check_float("std", std, minimum=0, strict=True)
    rng = check_random_state(random_state)
    centers = [((j - 1) * spacing, (i - 1) * spacing) for i in range(3) for j in range(3)]
    return _gaussian_blobs(n_samples, centers, std, rng)
