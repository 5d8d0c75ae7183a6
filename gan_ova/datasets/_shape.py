"""Image shape checks and conversion to another channel count and size."""

from __future__ import annotations

import numpy as np

from .._validation import check_int


def check_image_shape(shape, channels=None):
    """``shape`` as a tuple ``(C, H, W)`` of positive ints (``C`` in ``channels`` if given).

    Examples
    --------
    >>> check_image_shape([1, 28, 28])
    (1, 28, 28)
    >>> check_image_shape((1, 0, 8))
    Traceback (most recent call last):
    ...
    ValueError: shape: expected a tuple (C, H, W) of positive ints, got (1, 0, 8).
    >>> check_image_shape((2, 8, 8), channels=(1, 3))
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
    c_out, h_out, w_out = check_image_shape(shape, channels=(1, 3))
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
