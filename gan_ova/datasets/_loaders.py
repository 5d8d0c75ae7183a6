"""Everything in :mod:`gan_ova.datasets` (being split into modules by layer)."""

from __future__ import annotations

import glob
import gzip
import numbers
import os
import struct
import zlib
from functools import lru_cache

import numpy as np
from sklearn.utils import check_random_state

from .._validation import check_choice, check_float, check_int, check_labels_1d

# ---------------------------------------------------------------------------
# Conversion helpers
# ---------------------------------------------------------------------------


def _uint8_to_float(data):
    """Convert a uint8 array to float32 in [0, 1] with one copy."""
    out = np.asarray(data).astype(np.float32)
    out /= 255.0
    return out


# ---------------------------------------------------------------------------
# IDX files and Fashion-MNIST
# ---------------------------------------------------------------------------

# IDX type code -> numpy big-endian dtype
_IDX_DTYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def read_idx(path):
    """Read an IDX file (the MNIST file format), gzip-compressed or plain.

    The file starts with a magic number: two zero bytes, a type code
    (``0x08`` for unsigned bytes, ...) and the number of dimensions,
    followed by one big-endian ``int32`` per dimension and the data.
    Gzip compression is detected from the file content, not its name.

    Parameters
    ----------
    path : str or path-like
        File to read.

    Returns
    -------
    data : ndarray
        Array with the shape stored in the header, in native byte order
        (``uint8`` for the MNIST-style image and label files).

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file is not a valid IDX file (bad magic number, truncated
        header or data size inconsistent with the header, broken gzip
        stream).

    Examples
    --------
    >>> import os, struct, tempfile
    >>> import numpy as np
    >>> from gan_ova.datasets import read_idx
    >>> payload = struct.pack(">BBBBi", 0, 0, 0x08, 1, 3) + bytes([7, 8, 9])
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = os.path.join(tmp, "labels-idx1-ubyte")
    ...     with open(path, "wb") as f:
    ...         _ = f.write(payload)
    ...     read_idx(path)
    array([7, 8, 9], dtype=uint8)
    """
    path = os.fspath(path)
    with open(path, "rb") as f:
        raw = _gunzip_if_compressed(f.read(), path)
    dtype, shape, header_end = _parse_idx_header(raw, path)
    data = np.frombuffer(raw, dtype=dtype, offset=header_end).reshape(shape)
    return data.astype(dtype.newbyteorder("="), copy=True)


def _bad_idx(path, expected, got):
    """The ValueError of :func:`read_idx` for the file ``path``."""
    return ValueError(f"path: expected {expected}, got {got} in {path!r}.")


def _gunzip_if_compressed(raw, path):
    """``raw`` decompressed if it starts with the gzip magic bytes, else unchanged."""
    if raw[:2] != b"\x1f\x8b":
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as exc:
        raise _bad_idx(path, "an IDX file, plain or gzip-compressed", f"a broken gzip stream ({exc})") from exc


def _parse_idx_header(raw, path):
    """``(dtype, shape, header_end)`` from the IDX header at the start of ``raw``."""
    if len(raw) < 4:
        raise _bad_idx(path, "an IDX file starting with a 4-byte magic number", f"{len(raw)} bytes")
    zero1, zero2, type_code, ndim = raw[0], raw[1], raw[2], raw[3]
    if zero1 != 0 or zero2 != 0 or type_code not in _IDX_DTYPES or ndim == 0:
        raise _bad_idx(
            path,
            "an IDX magic number 0x0000TTDD with a known type code TT (e.g. 0x08 for unsigned "
            "bytes) and DD >= 1 dimensions (e.g. 0x00000803 for images, 0x00000801 for labels)",
            f"0x{int.from_bytes(raw[:4], 'big'):08X}",
        )
    header_end = 4 + 4 * ndim
    if len(raw) < header_end:
        raise _bad_idx(path, f"an IDX header with {ndim} dimension sizes", f"a truncated header of {len(raw)} bytes")
    shape = struct.unpack(f">{ndim}i", raw[4:header_end])
    if any(s < 0 for s in shape):
        raise _bad_idx(path, "non-negative dimension sizes in the IDX header", f"shape {shape}")
    dtype = _IDX_DTYPES[type_code]
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    actual = len(raw) - header_end
    if actual != expected:
        raise _bad_idx(path, f"{expected} data bytes for the header shape {shape}", f"{actual}")
    return dtype, shape, header_end


def _find_idx(directory, stem):
    """Return the path of ``stem`` or ``stem.gz`` in ``directory``, or None."""
    for candidate in (stem, stem + ".gz"):
        path = os.path.join(directory, candidate)
        if os.path.isfile(path):
            return path
    return None


def _load_idx_pair(images_path, labels_path):
    """Read an image/label IDX pair into the package conventions."""
    images = read_idx(images_path)
    labels = read_idx(labels_path)
    if images.ndim != 3:
        raise ValueError(
            f"images: expected an IDX image file of shape (n, H, W), got shape {images.shape} in {images_path!r}."
        )
    if labels.ndim != 1:
        raise ValueError(
            f"labels: expected an IDX label file of shape (n,), got shape {labels.shape} in {labels_path!r}."
        )
    if images.shape[0] != labels.shape[0]:
        raise ValueError(
            f"labels: expected as many labels as images ({images.shape[0]} in {images_path!r}), "
            f"got {labels.shape[0]} in {labels_path!r}."
        )
    if images.dtype != np.uint8:
        raise ValueError(f"images: expected unsigned bytes, got {images.dtype} data in {images_path!r}.")
    X = _uint8_to_float(images)[:, None, :, :]
    y = labels.astype(np.int64)
    return X, y


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
        images = _find_idx(directory, f"{prefix}-images-idx3-ubyte")
        labels = _find_idx(directory, f"{prefix}-labels-idx1-ubyte")
        if images is not None and labels is not None:
            return _load_idx_pair(images, labels)

    if download:
        from torchvision import datasets as tv_datasets

        ds = tv_datasets.FashionMNIST(_torchvision_root(root), train=bool(train), download=True)
        return _torchvision_to_numpy(ds)

    raise FileNotFoundError(
        f"root: expected a directory holding Fashion-MNIST ({prefix}-images-idx3-ubyte[.gz] and "
        f"{prefix}-labels-idx1-ubyte[.gz], in it or in its FashionMNIST/raw/) or a copy in "
        f"{DEBIAN_FASHION_MNIST_DIR}, got {None if root is None else os.fspath(root)!r}; pass root= "
        "pointing at a copy, download=True, or install the Debian package dataset-fashion-mnist."
    )


# ---------------------------------------------------------------------------
# torchvision data sets
# ---------------------------------------------------------------------------


def _torchvision_to_numpy(ds):
    """Convert a torchvision MNIST/CIFAR/SVHN data set to ``(X, y)``.

    Handles ``data`` as a torch tensor or numpy array laid out
    ``(n, H, W)`` (MNIST family), ``(n, H, W, C)`` (CIFAR) or
    ``(n, C, H, W)`` (SVHN), and labels stored in ``targets`` or ``labels``.
    """
    data = ds.data
    if hasattr(data, "numpy"):
        data = data.numpy()
    data = np.asarray(data)
    if data.ndim == 3:
        data = data[:, None, :, :]
    elif data.ndim == 4:
        if data.shape[-1] in (1, 3) and data.shape[1] not in (1, 3):
            data = data.transpose(0, 3, 1, 2)
    else:
        raise ValueError(
            f"data: expected an array of shape (n, H, W), (n, H, W, C) or (n, C, H, W), got shape {data.shape}."
        )
    labels = getattr(ds, "targets", None)
    if labels is None:
        labels = ds.labels
    if hasattr(labels, "numpy"):
        labels = labels.numpy()
    X = np.ascontiguousarray(_uint8_to_float(data))
    y = np.asarray(labels, dtype=np.int64).reshape(-1)
    return X, y


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
            f"root: expected a directory holding {display} in torchvision's layout, got {tv_root!r}; "
            "pass root= pointing at a copy or download=True."
        ) from exc
    return _torchvision_to_numpy(ds)


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


# ---------------------------------------------------------------------------
# scikit-learn digits and the dispatcher
# ---------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------
# Synthetic images
# ---------------------------------------------------------------------------


@lru_cache(maxsize=8)
def _find_fonts(font_dir):
    """Sorted usable TrueType fonts under ``font_dir`` (cached in memory)."""
    from PIL import ImageFont

    usable = []
    for path in sorted(glob.glob(os.path.join(font_dir, "**", "*.ttf"), recursive=True)):
        try:
            font = ImageFont.truetype(path, 20)
            if font.getbbox("A")[2] <= 0:
                continue
        except (OSError, ValueError):
            continue
        usable.append(path)
    return tuple(usable)


@lru_cache(maxsize=1024)
def _get_font(path, px):
    """A PIL font for ``path`` (or the default font if None) at ``px`` pixels."""
    from PIL import ImageFont

    if path is None:
        try:
            return ImageFont.load_default(size=px)
        except TypeError:  # Pillow < 10.1 has a fixed-size bitmap default
            return ImageFont.load_default()
    return ImageFont.truetype(path, px)


def _render_glyph(char, font, size, dx, dy, angle):
    """Render one white glyph centred (plus offset) on a black square."""
    from PIL import Image, ImageDraw

    img = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(img)
    left, top, right, bottom = draw.textbbox((0, 0), char, font=font)
    x = (size - (right - left)) / 2.0 - left + dx
    y = (size - (bottom - top)) / 2.0 - top + dy
    draw.text((x, y), char, fill=255, font=font)
    if angle:
        img = img.rotate(angle, resample=Image.BILINEAR, fillcolor=0)
    return np.asarray(img, dtype=np.uint8)


def _font_paths(fonts):
    """The font files to draw from: ``fonts``, else those under :data:`FONT_DIR`, else ``(None,)``.

    ``None`` stands for PIL's built-in default font.
    """
    if fonts is None:
        from . import FONT_DIR

        return _find_fonts(FONT_DIR) or (None,)
    font_paths = tuple(os.fspath(p) for p in fonts)
    if not font_paths:
        raise ValueError(f"fonts: expected at least one font file, got {fonts!r}.")
    for p in font_paths:
        if not os.path.isfile(p):
            raise FileNotFoundError(f"fonts: expected font files, got {p!r}, which is not a file.")
    return font_paths


def make_letters(n_per_letter=100, letters="ABCDEFGHIJ", size=28, random_state=None,
                 fonts=None):
    """Render a notMNIST-like letter image set from installed fonts.

    Each image shows one white letter on a black background, drawn with a
    font chosen at random among the TrueType fonts found under
    :data:`FONT_DIR` (``/usr/share/fonts``, glob ``**/*.ttf``), with a
    random font size (60-95 % of ``size``), a small random offset (up to
    6 % of ``size``) and a small random rotation (up to 15 degrees).  If no
    font is found, PIL's built-in ``ImageFont.load_default()`` is used for
    every image (scalable with Pillow >= 10.1, a fixed small bitmap font
    before), so the set is less varied.

    Parameters
    ----------
    n_per_letter : int, default=100
        Number of images per letter.
    letters : str, default="ABCDEFGHIJ"
        The letters (classes); label ``k`` is ``letters[k]``.  Must not
        contain duplicates or whitespace.
    size : int, default=28
        Height and width of the images in pixels (at least 8).
    random_state : int, RandomState instance or None, default=None
        Seed; the output is deterministic for a given integer seed (and the
        same installed fonts).
    fonts : sequence of str, optional
        Explicit list of font files to use instead of searching
        :data:`FONT_DIR`.

    Returns
    -------
    X : ndarray of shape (n_per_letter * len(letters), 1, size, size), dtype float32
        Images in ``[0, 1]``, ordered by letter (all ``letters[0]`` first).
    y : ndarray of shape (n_per_letter * len(letters),), dtype int64
        Index of the letter in ``letters``.

    Examples
    --------
    >>> from gan_ova.datasets import make_letters
    >>> X, y = make_letters(n_per_letter=5, letters="AB", random_state=0)
    >>> X.shape, X.dtype, y.tolist()
    ((10, 1, 28, 28), dtype('float32'), [0, 0, 0, 0, 0, 1, 1, 1, 1, 1])
    >>> bool(X.max() == 1.0 and X.min() == 0.0)
    True
    """
    n_per_letter = check_int("n_per_letter", n_per_letter, minimum=1)
    size = check_int("size", size, minimum=8)
    if not isinstance(letters, str) or len(letters) == 0:
        raise ValueError(f"letters: expected a non-empty string, got {letters!r}.")
    if len(set(letters)) != len(letters) or any(c.isspace() for c in letters):
        raise ValueError(f"letters: expected distinct, non-whitespace characters, got {letters!r}.")
    font_paths = _font_paths(fonts)
    rng = check_random_state(random_state)

    n = n_per_letter * len(letters)
    X = np.empty((n, 1, size, size), dtype=np.float32)
    y = np.repeat(np.arange(len(letters), dtype=np.int64), n_per_letter)
    max_shift = 0.06 * size
    for i in range(n):
        char = letters[y[i]]
        path = font_paths[rng.randint(len(font_paths))]
        px = max(4, int(round(size * rng.uniform(0.60, 0.95))))
        dx, dy = rng.uniform(-max_shift, max_shift, size=2)
        angle = rng.uniform(-15.0, 15.0)
        glyph = _render_glyph(char, _get_font(path, px), size, dx, dy, angle)
        peak = glyph.max()
        # stretch contrast so every glyph reaches full white
        X[i, 0] = glyph.astype(np.float32) / (float(peak) if peak > 0 else 255.0)
    return X, y


def make_noise_images(n, shape=(1, 28, 28), kind="uniform", random_state=None):
    """Generate noise images, e.g. as an out-of-distribution test set.

    Parameters
    ----------
    n : int
        Number of images.
    shape : tuple of int, default=(1, 28, 28)
        Image shape ``(C, H, W)``.
    kind : {"uniform", "gaussian"}, default="uniform"
        ``"uniform"``: i.i.d. uniform pixels in ``[0, 1]``;
        ``"gaussian"``: i.i.d. ``N(0.5, 0.25**2)`` pixels clipped to ``[0, 1]``.
    random_state : int, RandomState instance or None, default=None
        Seed for reproducibility.

    Returns
    -------
    X : ndarray of shape (n, C, H, W), dtype float32
        Images in ``[0, 1]``.

    Examples
    --------
    >>> from gan_ova.datasets import make_noise_images
    >>> X = make_noise_images(4, shape=(3, 8, 8), kind="gaussian", random_state=0)
    >>> X.shape, X.dtype, bool(X.min() >= 0 and X.max() <= 1)
    ((4, 3, 8, 8), dtype('float32'), True)
    """
    n = check_int("n", n, minimum=0)
    shape = _check_image_shape(shape)
    check_choice("kind", kind, ("uniform", "gaussian"))
    rng = check_random_state(random_state)
    if kind == "uniform":
        X = rng.uniform(0.0, 1.0, size=(n,) + shape)
    else:
        X = np.clip(rng.normal(0.5, 0.25, size=(n,) + shape), 0.0, 1.0)
    return X.astype(np.float32)


# ---------------------------------------------------------------------------
# 2-D toy problems
# ---------------------------------------------------------------------------


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

    Same as :func:`make_two_gaussians` with a smaller default ``distance``
    so that the classes overlap.

    Parameters
    ----------
    n_samples : int, default=400
        Total number of points (split evenly, at least 2).
    distance : float, default=1.5
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


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


_SPEC_FORMAT = "comma-separated non-negative ints or ranges a-b like '0-4,7'"


def _bad_spec(spec, expected, part=None):
    """The ValueError of :func:`parse_classes` for ``spec`` (or its part ``part``)."""
    if part is None or part.strip() == spec.strip():
        return ValueError(f"spec: expected {expected}, got {spec!r}.")
    return ValueError(f"spec: expected {expected}, got {part.strip()!r} in {spec!r}.")


def _parse_class_token(token, spec):
    token = token.strip()
    if not (token.isascii() and token.isdigit()):
        raise _bad_spec(spec, _SPEC_FORMAT, token)
    return int(token)


def _parse_class_string(spec):
    """The set of classes in a string such as ``"0,2,5-7"``."""
    if not spec.strip():
        raise _bad_spec(spec, _SPEC_FORMAT)
    classes = set()
    for part in spec.split(","):
        if "-" not in part:
            classes.add(_parse_class_token(part, spec))
            continue
        bounds = part.split("-")
        if len(bounds) != 2:
            raise _bad_spec(spec, "a range a-b of non-negative ints a <= b", part)
        lo = _parse_class_token(bounds[0], spec)
        hi = _parse_class_token(bounds[1], spec)
        if lo > hi:
            raise _bad_spec(spec, "a range a-b with a <= b", part)
        classes.update(range(lo, hi + 1))
    return classes


def _parse_class_values(spec):
    """The set of classes in an int or a sequence of ints."""
    if isinstance(spec, (numbers.Integral, np.integer)) and not isinstance(spec, (bool, np.bool_)):
        values = [spec]
    else:
        try:
            values = list(np.asarray(spec).reshape(-1)) if isinstance(spec, np.ndarray) else list(spec)
        except TypeError:
            raise ValueError(
                f"spec: expected a string like '0-4,7', an int or a sequence of non-negative ints, got {spec!r}."
            ) from None
    if not values:
        raise ValueError(f"spec: expected at least one class, got {spec!r}.")
    for v in values:
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (numbers.Integral, np.integer)) or v < 0:
            raise ValueError(f"spec: expected non-negative ints, got {v!r} in {spec!r}.")
    return {int(v) for v in values}


def parse_classes(spec):
    """Parse a class specification such as ``"0-4"`` or ``"0,2,5-7"``.

    Parameters
    ----------
    spec : str, int or sequence of int
        A comma-separated list of non-negative integers and inclusive ranges
        ``a-b`` (``a <= b``; spaces are ignored), a single integer, or a
        sequence of non-negative integers.

    Returns
    -------
    classes : list of int
        The sorted, de-duplicated class labels.

    Raises
    ------
    ValueError
        If ``spec`` is empty, malformed, contains a negative or non-integer
        value, or a decreasing range.

    Examples
    --------
    >>> from gan_ova.datasets import parse_classes
    >>> parse_classes("0-4")
    [0, 1, 2, 3, 4]
    >>> parse_classes("0,2,5-7")
    [0, 2, 5, 6, 7]
    >>> parse_classes([3, 1])
    [1, 3]
    >>> parse_classes("4-1")
    Traceback (most recent call last):
    ...
    ValueError: spec: expected a range a-b with a <= b, got '4-1'.
    """
    classes = _parse_class_string(spec) if isinstance(spec, str) else _parse_class_values(spec)
    return sorted(classes)


def split_classes(X, y, in_classes):
    """Split a data set into in-distribution and out-of-distribution parts.

    Labels are **not** relabelled: ``y_in`` and ``y_out`` keep the original
    class labels (use e.g. ``np.searchsorted(classes, y_in)`` to map the
    in-distribution labels to ``0..k-1``).

    Parameters
    ----------
    X : array-like of shape (n, ...)
        Samples.
    y : array-like of shape (n,)
        Integer labels.
    in_classes : str, int or sequence of int
        The in-distribution classes, in any form accepted by
        :func:`parse_classes`.

    Returns
    -------
    X_in, y_in : ndarray
        Samples whose label is in ``in_classes`` (original order).
    X_out, y_out : ndarray
        The remaining samples.

    Raises
    ------
    ValueError
        If ``X`` and ``y`` differ in length, ``y`` is not 1-D, or a class
        in ``in_classes`` does not occur in ``y``.

    Examples
    --------
    >>> import numpy as np
    >>> from gan_ova.datasets import split_classes
    >>> X = np.arange(6).reshape(6, 1)
    >>> y = np.array([0, 1, 2, 0, 1, 2])
    >>> X_in, y_in, X_out, y_out = split_classes(X, y, "1-2")
    >>> y_in.tolist(), X_out.ravel().tolist(), y_out.tolist()
    ([1, 2, 1, 2], [0, 3], [0, 0])
    """
    X = np.asarray(X)
    y = check_labels_1d("y", y)
    if X.shape[0] != y.shape[0]:
        raise ValueError(f"X: expected as many samples as y has labels ({y.shape[0]}), got {X.shape[0]}.")
    classes = parse_classes(in_classes)
    present = np.unique(y).tolist()
    missing = sorted(set(classes) - set(present))
    if missing:
        raise ValueError(
            f"in_classes: expected classes that occur in y ({present}), got {in_classes!r}, "
            f"with {missing} not in y."
        )
    mask = np.isin(y, classes)
    return X[mask], y[mask], X[~mask], y[~mask]


def _check_image_shape(shape, channels=None):
    """``shape`` as a tuple ``(C, H, W)`` of positive ints (``C`` in ``channels`` if given).

    Examples
    --------
    >>> _check_image_shape([1, 28, 28])
    (1, 28, 28)
    >>> _check_image_shape((1, 0, 8))
    Traceback (most recent call last):
    ...
    ValueError: shape: expected a tuple (C, H, W) of positive ints, got (1, 0, 8).
    >>> _check_image_shape((2, 8, 8), channels=(1, 3))
    Traceback (most recent call last):
    ...
    ValueError: shape: expected 1 or 3 channels (C in (C, H, W)), got (2, 8, 8).
    """
    try:
        values = tuple(shape)
        if len(values) != 3:
            raise ValueError
        values = tuple(check_int("shape", s, minimum=1) for s in values)
    except (TypeError, ValueError):
        raise ValueError(f"shape: expected a tuple (C, H, W) of positive ints, got {shape!r}.") from None
    if channels is not None and values[0] not in channels:
        allowed = " or ".join(str(c) for c in channels)
        raise ValueError(f"shape: expected {allowed} channels (C in (C, H, W)), got {values!r}.")
    return values


def to_shape(X, shape, batch_size=4096):
    """Convert images to another channel count and spatial size.

    Grey images become colour by repeating the channel; colour images become
    grey with the luminance weights ``0.299 R + 0.587 G + 0.114 B``.  The
    spatial size is changed by bilinear interpolation
    (``torch.nn.functional.interpolate``, ``align_corners=False``, with
    anti-aliasing when shrinking).  Useful to feed an out-of-distribution
    set to a model trained on images of another shape.

    Parameters
    ----------
    X : array-like of shape (n, C, H, W)
        Images in ``[0, 1]`` with ``C`` equal to 1 or 3.
    shape : tuple of int
        Target ``(C, H, W)`` with ``C`` equal to 1 or 3.
    batch_size : int, default=4096
        Number of images resized at once (bounds the memory used).

    Returns
    -------
    X_new : ndarray of shape (n,) + shape, dtype float32
        Converted images clipped to ``[0, 1]``.

    Raises
    ------
    ValueError
        If ``X`` is not 4-D, or ``X`` or ``shape`` has a channel count
        other than 1 or 3.

    Examples
    --------
    >>> from gan_ova.datasets import load_digits_images, to_shape
    >>> X, _ = load_digits_images()
    >>> to_shape(X[:10], (3, 28, 28)).shape
    (10, 3, 28, 28)
    >>> to_shape(to_shape(X[:10], (3, 8, 8)), (1, 8, 8)).shape
    (10, 1, 8, 8)
    """
    X = np.asarray(X, dtype=np.float32)
    if X.ndim != 4:
        raise ValueError(f"X: expected a 4-D image array (n, C, H, W), got shape {X.shape}.")
    if X.shape[1] not in (1, 3):
        raise ValueError(f"X: expected 1 or 3 channels (C in (n, C, H, W)), got shape {X.shape}.")
    c_out, h_out, w_out = _check_image_shape(shape, channels=(1, 3))
    batch_size = check_int("batch_size", batch_size, minimum=1)
    n, c_in, h_in, w_in = X.shape

    if c_in == 3 and c_out == 1:
        weights = np.array([0.299, 0.587, 0.114], dtype=np.float32)
        X = np.einsum("nchw,c->nhw", X, weights)[:, None]

    if (h_in, w_in) != (h_out, w_out):
        import torch
        import torch.nn.functional as F

        antialias = h_out < h_in or w_out < w_in
        resized = np.empty((n, X.shape[1], h_out, w_out), dtype=np.float32)
        with torch.no_grad():
            for start in range(0, n, batch_size):
                batch = torch.from_numpy(np.ascontiguousarray(X[start:start + batch_size]))
                out = F.interpolate(batch, size=(h_out, w_out), mode="bilinear",
                                    align_corners=False, antialias=antialias)
                resized[start:start + batch_size] = out.numpy()
        X = resized

    if X.shape[1] == 1 and c_out == 3:
        X = np.repeat(X, 3, axis=1)
    return np.clip(X, 0.0, 1.0).astype(np.float32, copy=False)
