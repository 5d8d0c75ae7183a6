"""The real image data sets: where they are looked up, when they are downloaded, and
the errors that say where to put them.

The constants (:data:`~gan_ova.datasets.DEBIAN_FASHION_MNIST_DIR`, ...) are read from
:mod:`gan_ova.datasets` when a loader is called, so assigning them there takes effect.
"""

from __future__ import annotations

import os

import numpy as np

from ._files import find_idx, load_idx_pair, torchvision_to_numpy


def load_fashion_mnist(root=None, train=True, download=False):
    """Load Fashion-MNIST as float images, without network access by default.

    The files are looked up in this order:

    1. if ``root`` is given, the torchvision layout
       ``root/FashionMNIST/raw/{train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]``
       and then the same files directly in ``root``;
    2. the Debian package ``dataset-fashion-mnist`` in
       :data:`DEBIAN_FASHION_MNIST_DIR` (``/usr/share/datasets/fashion-mnist``);
    3. if ``download=True``, ``torchvision.datasets.FashionMNIST`` with
       ``root`` (default ``~/.cache/gan_ova``) and ``download=True``.

    Parameters
    ----------
    root : str or path-like, optional
        Directory holding a copy of the data set.
    train : bool, default=True
        Load the 60 000 training images if True, else the 10 000 test images.
    download : bool, default=False
        Allow torchvision to download the data when no local copy is found.

    Returns
    -------
    X : ndarray of shape (n, 1, 28, 28), dtype float32
        Images in ``[0, 1]``.
    y : ndarray of shape (n,), dtype int64
        Labels in ``0..9``.

    Raises
    ------
    FileNotFoundError
        If no copy is found and ``download`` is False.
    ValueError
        If a file found is not a valid IDX file.

    Examples
    --------
    >>> from gan_ova.datasets import load_fashion_mnist
    >>> X, y = load_fashion_mnist(train=False)  # doctest: +SKIP
    >>> X.shape, X.dtype, y[:5]  # doctest: +SKIP
    ((10000, 1, 28, 28), dtype('float32'), array([9, 2, 1, 1, 6]))
    """
    from . import DEBIAN_FASHION_MNIST_DIR

    prefix = "train" if train else "t10k"
    directories = []
    if root is not None:
        root_dir = os.path.expanduser(os.fspath(root))
        directories += [os.path.join(root_dir, "FashionMNIST", "raw"), root_dir]
    directories.append(DEBIAN_FASHION_MNIST_DIR)
    for directory in directories:
        images = find_idx(directory, f"{prefix}-images-idx3-ubyte")
        labels = find_idx(directory, f"{prefix}-labels-idx1-ubyte")
        if images is not None and labels is not None:
            return load_idx_pair(images, labels)

    if download:
        from torchvision import datasets as tv_datasets

        ds = tv_datasets.FashionMNIST(_torchvision_root(root), train=bool(train), download=True)
        return torchvision_to_numpy(ds)

    raise FileNotFoundError(
        f"root: expected a directory holding Fashion-MNIST ({prefix}-images-idx3-ubyte[.gz] and "
        f"{prefix}-labels-idx1-ubyte[.gz], in it or in its FashionMNIST/raw/) or a copy in "
        f"{DEBIAN_FASHION_MNIST_DIR}, got {None if root is None else os.fspath(root)!r}: Fashion-MNIST not found; "
        "pass root= pointing at a copy, download=True, or install the Debian package dataset-fashion-mnist."
    )


def load_torchvision_dataset(name, root=None, train=True, download=False):
    """Load MNIST, CIFAR-10, CIFAR-100 or SVHN through torchvision.

    Parameters
    ----------
    name : {"mnist", "cifar10", "cifar100", "svhn"}
        Data set name (case-insensitive).
    root : str or path-like, optional
        torchvision root directory; defaults to ``~/.cache/gan_ova``.
    train : bool, default=True
        Training split if True, else the test split (SVHN: ``split="train"``
        or ``split="test"``).
    download : bool, default=False
        Let torchvision download the data if it is missing.

    Returns
    -------
    X : ndarray of shape (n, C, H, W), dtype float32
        Images in ``[0, 1]``: ``(n, 1, 28, 28)`` for MNIST,
        ``(n, 3, 32, 32)`` for the others.
    y : ndarray of shape (n,), dtype int64
        Labels (SVHN digit ``0`` is label ``0``, as in torchvision).

    Raises
    ------
    ValueError
        If ``name`` is unknown.
    FileNotFoundError
        If the data is not under ``root`` and ``download`` is False.

    Examples
    --------
    >>> from gan_ova.datasets import load_torchvision_dataset
    >>> X, y = load_torchvision_dataset("cifar10", train=False)  # doctest: +SKIP
    >>> X.shape, X.dtype  # doctest: +SKIP
    ((10000, 3, 32, 32), dtype('float32'))
    >>> load_torchvision_dataset("imagenet")
    Traceback (most recent call last):
    ...
    ValueError: name: expected one of ['cifar10', 'cifar100', 'mnist', 'svhn'] (any case), got 'imagenet'.
    """
    from . import TORCHVISION_DATASETS

    key = _dataset_key(name, sorted(TORCHVISION_DATASETS))
    class_name, display = TORCHVISION_DATASETS[key]
    from torchvision import datasets as tv_datasets

    tv_root = _torchvision_root(root)
    cls = getattr(tv_datasets, class_name)
    try:
        if key == "svhn":
            ds = cls(tv_root, split="train" if train else "test", download=bool(download))
        else:
            ds = cls(tv_root, train=bool(train), download=bool(download))
    except RuntimeError as exc:
        if download:
            raise
        raise FileNotFoundError(
            f"root: expected a directory holding {display} in torchvision's layout, got {tv_root!r}: {display} not found; "
            "pass root= pointing at a copy or download=True."
        ) from exc
    return torchvision_to_numpy(ds)


def _torchvision_root(root):
    """``root``, or :data:`DEFAULT_ROOT` if None, with ``~`` expanded."""
    from . import DEFAULT_ROOT

    return os.path.expanduser(os.fspath(root) if root is not None else DEFAULT_ROOT)


def _dataset_key(name, choices):
    """``name`` lower-cased and stripped, or a ValueError unless that is in ``choices``."""
    key = name.lower().strip() if isinstance(name, str) else None
    if key not in choices:
        raise ValueError(f"name: expected one of {list(choices)} (any case), got {name!r}.")
    return key


def load_digits_images():
    """Load scikit-learn's 8x8 digits as a float image array.

    Returns
    -------
    X : ndarray of shape (1797, 1, 8, 8), dtype float32
        Pixel intensities divided by 16, so in ``[0, 1]``.
    y : ndarray of shape (1797,), dtype int64
        Digit labels ``0..9``.

    Examples
    --------
    >>> from gan_ova.datasets import load_digits_images
    >>> X, y = load_digits_images()
    >>> X.shape, X.dtype, y.dtype
    ((1797, 1, 8, 8), dtype('float32'), dtype('int64'))
    >>> float(X.min()), float(X.max())
    (0.0, 1.0)
    """
    from sklearn.datasets import load_digits

    digits = load_digits()
    X = (np.asarray(digits.images, dtype=np.float32) / np.float32(16.0))[:, None, :, :]
    y = np.asarray(digits.target, dtype=np.int64)
    return np.ascontiguousarray(X), y


def load_dataset(name, root=None, train=True, download=False):
    """Load any supported image data set by name.

    Parameters
    ----------
    name : str
        One of ``"digits"``, ``"fashion_mnist"`` (or ``"fashion-mnist"``),
        ``"mnist"``, ``"cifar10"``, ``"cifar100"``, ``"svhn"``
        (case-insensitive).
    root : str or path-like, optional
        Directory holding the data (ignored for ``"digits"``).  See
        :func:`load_fashion_mnist` and :func:`load_torchvision_dataset`.
    train : bool, default=True
        Return the training split if True, else the test split.  The digits
        have no official split: a deterministic stratified
        ``train_test_split(test_size=0.3, random_state=0)`` is used
        (1257 training and 540 test images).
    download : bool, default=False
        Allow downloading (ignored for ``"digits"``).

    Returns
    -------
    X : ndarray of shape (n, C, H, W), dtype float32
        Images in ``[0, 1]``.
    y : ndarray of shape (n,), dtype int64
        Labels.

    Raises
    ------
    ValueError
        If ``name`` is unknown.
    FileNotFoundError
        If the data is missing and ``download`` is False.

    Examples
    --------
    >>> from gan_ova.datasets import load_dataset
    >>> X_train, y_train = load_dataset("digits")
    >>> X_test, y_test = load_dataset("digits", train=False)
    >>> X_train.shape, X_test.shape
    ((1257, 1, 8, 8), (540, 1, 8, 8))
    """
    from . import DATASET_NAMES

    key = _dataset_key(name, DATASET_NAMES)
    if key == "digits":
        from sklearn.model_selection import train_test_split

        X, y = load_digits_images()
        X_train, X_test, y_train, y_test = train_test_split(
            X, y, test_size=0.3, stratify=y, random_state=0
        )
        return (X_train, y_train) if train else (X_test, y_test)
    if key in ("fashion_mnist", "fashion-mnist"):
        return load_fashion_mnist(root=root, train=train, download=download)
    return load_torchvision_dataset(key, root=root, train=train, download=download)
