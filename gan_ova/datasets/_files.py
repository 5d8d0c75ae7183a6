"""Stored image formats read into the package's arrays.

IDX files (the MNIST format, plain or gzip-compressed) and torchvision data set
objects become ``X`` of shape ``(n, C, H, W)``, ``float32`` in ``[0, 1]``, and ``y``,
``int64``. Where the files are looked up, and when they are downloaded, is decided
in ``_loaders``.
"""

from __future__ import annotations

import gzip
import os
import struct
import zlib

import numpy as np


def _uint8_to_float(data):
    """Convert a uint8 array to float32 in [0, 1] with one copy."""
    out = np.asarray(data).astype(np.float32)
    out /= 255.0
    return out


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


def find_idx(directory, stem):
    """Return the path of ``stem`` or ``stem.gz`` in ``directory``, or None."""
    for candidate in (stem, stem + ".gz"):
        path = os.path.join(directory, candidate)
        if os.path.isfile(path):
            return path
    return None


def load_idx_pair(images_path, labels_path):
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


def torchvision_to_numpy(ds):
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
