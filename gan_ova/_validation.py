"""Argument checks shared by the whole package, with one message style.

Every check raises ``ValueError("<name>: expected ..., got ...")``; functions
that check arrays on behalf of a public function may prefix the message with
that function's name (``"roc_auc_ood: epistemic_in: expected ..."``).
"""
import numbers

import numpy as np

__all__ = [
    "check_bool",
    "check_choice",
    "check_float",
    "check_hidden",
    "check_int",
    "check_labels_1d",
    "check_number",
    "check_scores_1d",
]


def _is_bool(value):
    return isinstance(value, (bool, np.bool_))


def check_number(name, value, *, low=None, high=None, low_open=False, integer=False, allow=()):
    """Raise a ValueError naming ``name`` unless ``value`` is a number in range.

    Examples
    --------
    >>> check_number("lr", 0.1, low=0, low_open=True)
    >>> check_number("lr", -1.0, low=0, low_open=True)
    Traceback (most recent call last):
    ...
    ValueError: lr: expected a value > 0, got -1.0.
    """
    if allow and isinstance(value, str) and value in allow:
        return
    kind = numbers.Integral if integer else numbers.Real
    if _is_bool(value) or not isinstance(value, kind) or not np.isfinite(value):
        expected = "an int" if integer else "a finite number"
        extra = f" or one of {list(allow)}" if allow else ""
        raise ValueError(f"{name}: expected {expected}{extra}, got {value!r}.")
    if low is not None and (value < low or (low_open and value == low)):
        op = ">" if low_open else ">="
        raise ValueError(f"{name}: expected a value {op} {low}, got {value!r}.")
    if high is not None and value > high:
        raise ValueError(f"{name}: expected a value <= {high}, got {value!r}.")


def check_int(name, value, minimum=None):
    """``value`` as an ``int`` (``>= minimum`` if given), or a ValueError naming ``name``.

    Examples
    --------
    >>> check_int("n_per_class", 3, minimum=1)
    3
    >>> check_int("n_per_class", 2.5)
    Traceback (most recent call last):
    ...
    ValueError: n_per_class: expected an int, got 2.5.
    """
    check_number(name, value, low=minimum, integer=True)
    return int(value)


def check_float(name, value, minimum=None, strict=False):
    """``value`` as a finite ``float`` (``>= minimum``, or ``> minimum`` if ``strict``).

    Examples
    --------
    >>> check_float("noise", 0.5, minimum=0)
    0.5
    >>> check_float("noise", float("nan"))
    Traceback (most recent call last):
    ...
    ValueError: noise: expected a finite number, got nan.
    """
    check_number(name, value, low=minimum, low_open=strict)
    return float(value)


def check_bool(name, value):
    """Raise a ValueError naming ``name`` unless ``value`` is True or False.

    Examples
    --------
    >>> check_bool("standardize_latent", "yes")
    Traceback (most recent call last):
    ...
    ValueError: standardize_latent: expected True or False, got 'yes'.
    """
    if not _is_bool(value):
        raise ValueError(f"{name}: expected True or False, got {value!r}.")


def check_choice(name, value, choices):
    """Raise a ValueError naming ``name`` unless ``value`` is one of the strings ``choices``.

    Examples
    --------
    >>> check_choice("far_field", "of", ("auto", "on", "off"))
    Traceback (most recent call last):
    ...
    ValueError: far_field: expected one of ['auto', 'on', 'off'], got 'of'.
    """
    if not (isinstance(value, str) and value in choices):
        raise ValueError(f"{name}: expected one of {list(choices)}, got {value!r}.")


def check_hidden(name, value):
    """Raise a ValueError naming ``name`` unless ``value`` is a non-empty tuple of positive ints.

    Examples
    --------
    >>> check_hidden("critic_hidden", (64, 0))
    Traceback (most recent call last):
    ...
    ValueError: critic_hidden: expected a non-empty tuple of positive ints, got (64, 0).
    """
    if (
        not isinstance(value, (tuple, list))
        or len(value) == 0
        or not all(isinstance(v, numbers.Integral) and not _is_bool(v) and v > 0 for v in value)
    ):
        raise ValueError(f"{name}: expected a non-empty tuple of positive ints, got {value!r}.")


def _prefix(func):
    return f"{func}: " if func else ""


def check_labels_1d(name, values, func=None):
    """``values`` as a non-empty 1-D array (any dtype), or a ValueError naming ``name``.

    Examples
    --------
    >>> check_labels_1d("y_true", [[0, 1]], func="accuracy")
    Traceback (most recent call last):
    ...
    ValueError: accuracy: y_true: expected a 1-D array of labels, got an array of shape (1, 2).
    """
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise ValueError(f"{_prefix(func)}{name}: expected a 1-D array of labels, got an array of shape {arr.shape}.")
    if arr.shape[0] == 0:
        raise ValueError(f"{_prefix(func)}{name}: expected a non-empty 1-D array of labels, got 0 elements.")
    return arr


def check_scores_1d(name, values, func=None, allow_empty=False):
    """``values`` as a finite 1-D float array, or a ValueError naming ``name``.

    Examples
    --------
    >>> check_scores_1d("epistemic", [0.1, 0.2])
    array([0.1, 0.2])
    >>> check_scores_1d("epistemic", [0.1, float("nan")], func="roc_auc_ood")
    Traceback (most recent call last):
    ...
    ValueError: roc_auc_ood: epistemic: expected finite scores, got 1 non-finite value(s) (NaN or inf) out of 2, e.g. nan at index 1.
    """
    pre = _prefix(func)
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"{pre}{name}: expected a 1-D array of real-valued scores, got values that cannot be "
            f"converted to float ({exc})."
        ) from None
    if arr.ndim != 1:
        raise ValueError(f"{pre}{name}: expected a 1-D array of scores of shape (n,), got an array of shape {arr.shape}.")
    if arr.shape[0] == 0 and not allow_empty:
        raise ValueError(f"{pre}{name}: expected a non-empty 1-D array of scores, got 0 scores.")
    bad = ~np.isfinite(arr)
    if bad.any():
        raise ValueError(
            f"{pre}{name}: expected finite scores, got {int(bad.sum())} non-finite value(s) (NaN or inf) "
            f"out of {arr.shape[0]}, e.g. {float(arr[bad][0])!r} at index {int(np.flatnonzero(bad)[0])}."
        )
    return arr

