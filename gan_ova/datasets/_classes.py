"""Class specifications (``"0-4,7"``) and the in/out-of-distribution split by class."""

from __future__ import annotations

import numbers

import numpy as np

from .._validation import check_labels_1d

_SPEC_FORMAT = "comma-separated non-negative ints or ranges a-b like '0-4,7'"


def _bad_spec(spec, expected, part=None):
    """The ValueError of :func:`parse_classes` for ``spec`` (or its part ``part``)."""
    if part is None or part.strip() == spec.strip():
        return ValueError(f"spec: expected {expected}, got {spec!r}.")
    return ValueError(f"spec: expected {expected}, got {part.strip()!r} in {spec!r}.")


def _parse_class_token(token, spec):
    """The non-negative int written as ``token``, a part of the string ``spec``."""
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
