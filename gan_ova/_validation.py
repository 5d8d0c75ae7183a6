"""Argument checks shared by the whole package, with one message style.

Every check raises ``ValueError("<name>: expected ..., got ...")``; functions
that check arrays on behalf of a public function may prefix the message with
that function's name (``"roc_auc_ood: epistemic_in: expected ..."``).
"""
import numbers
from collections.abc import Mapping

import numpy as np

__all__ = [
    "InvalidParametersError",
    "check_bool",
    "check_choice",
    "check_float",
    "check_hidden",
    "check_int",
    "check_labels_1d",
    "check_number",
    "check_ood_sets",
    "check_proba_2d",
    "check_scores_1d",
    "pixel_range_rule",
]


class InvalidParametersError(ValueError):
    """An estimator's parameters failed validation where they were not set by the caller (e.g. read from a file)."""


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


def pixel_range_rule(pixel_scale):
    """The rule that out-of-range pixels broke, for error messages (arrays and Datasets alike).

    Examples
    --------
    >>> pixel_range_rule("auto")
    "float images must lie in [0, 1] with pixel_scale='auto'"
    """
    if pixel_scale == "auto":
        return "float images must lie in [0, 1] with pixel_scale='auto'"
    return f"pixels divided by pixel_scale={pixel_scale!r} must lie in [0, 1]"


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


def _as_float(pre, name, values, expected):
    """``values`` as a float array, or a ValueError saying they are not ``expected``."""
    try:
        return np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"{pre}{name}: expected {expected}, got values that cannot be converted to float ({exc})."
        ) from None


def _check_finite(pre, name, arr, what):
    """Raise a ValueError naming ``name`` and the first non-finite entry of ``arr``."""
    bad = ~np.isfinite(arr)
    if bad.any():
        first = np.argwhere(bad)[0]
        where = int(first[0]) if arr.ndim == 1 else tuple(int(i) for i in first)
        raise ValueError(
            f"{pre}{name}: expected finite {what}, got {int(bad.sum())} non-finite value(s) (NaN or inf) "
            f"out of {arr.size}, e.g. {float(arr[bad][0])!r} at index {where}."
        )


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
    arr = _as_float(pre, name, values, "a 1-D array of real-valued scores")
    if arr.ndim != 1:
        raise ValueError(f"{pre}{name}: expected a 1-D array of scores of shape (n,), got an array of shape {arr.shape}.")
    if arr.shape[0] == 0 and not allow_empty:
        raise ValueError(f"{pre}{name}: expected a non-empty 1-D array of scores, got 0 scores.")
    _check_finite(pre, name, arr, "scores")
    return arr


def check_proba_2d(name, values, func=None, atol=1e-6):
    """``values`` as a non-empty 2-D array of probabilities in [0, 1], or a ValueError naming ``name``.

    Values overshooting [0, 1] by at most ``atol`` (float round-off, e.g. a
    float32 softmax giving 1.0000001) are clipped.

    Examples
    --------
    >>> check_proba_2d("proba", [[0.9, 0.1], [0.2, 1.0000001]])
    array([[0.9, 0.1],
           [0.2, 1. ]])
    >>> check_proba_2d("proba", [[1.5, -0.5]], func="expected_calibration_error")
    Traceback (most recent call last):
    ...
    ValueError: expected_calibration_error: proba: expected probabilities in [0, 1], got values in [-0.5, 1.5].
    """
    pre = _prefix(func)
    arr = _as_float(pre, name, values, "a 2-D array of probabilities")
    if arr.ndim != 2 or arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(
            f"{pre}{name}: expected a non-empty 2-D array of probabilities of shape (n, K), "
            f"got an array of shape {arr.shape}."
        )
    _check_finite(pre, name, arr, "probabilities")
    lo, hi = float(arr.min()), float(arr.max())
    if lo < -atol or hi > 1.0 + atol:
        raise ValueError(f"{pre}{name}: expected probabilities in [0, 1], got values in [{lo!r}, {hi!r}].")
    return np.clip(arr, 0.0, 1.0)


def _ood_pairs(pre, ood_sets):
    """The (name, X) pairs of a dict or list/tuple, before their names are checked."""
    if isinstance(ood_sets, Mapping):
        return list(ood_sets.items())
    if not isinstance(ood_sets, (list, tuple)):
        raise ValueError(
            f"{pre}ood_sets: expected a dict name -> X_ood or a list/tuple of (name, X_ood) pairs, "
            f"got {type(ood_sets).__name__}."
        )
    for k, item in enumerate(ood_sets):
        if not (isinstance(item, (list, tuple)) and len(item) == 2):
            raise ValueError(
                f"{pre}ood_sets: expected (name, X_ood) pairs in the list/tuple, "
                f"got {type(item).__name__} at position {k}."
            )
    return [(name, X) for name, X in ood_sets]


def check_ood_sets(ood_sets, func=None, allow_empty=True):
    """Out-of-distribution sets as a list of ``(name, X)`` pairs, or a ValueError.

    ``ood_sets`` is a dict name -> X or a list/tuple of ``(name, X)`` pairs
    (``None`` counts as empty). Names must be unique, non-empty strings other
    than ``"pooled"``, which is reserved for all sets together.

    Examples
    --------
    >>> check_ood_sets({"noise": [[0.0]]})
    [('noise', [[0.0]])]
    >>> check_ood_sets([("a", 1), ("a", 2)], func="evaluate")
    Traceback (most recent call last):
    ...
    ValueError: evaluate: ood_sets: expected unique names, got duplicates ['a'].
    >>> check_ood_sets(None, allow_empty=False)
    Traceback (most recent call last):
    ...
    ValueError: ood_sets: expected at least one out-of-distribution set, got none.
    """
    pre = _prefix(func)
    items = [] if ood_sets is None else _ood_pairs(pre, ood_sets)
    if not items and not allow_empty:
        raise ValueError(f"{pre}ood_sets: expected at least one out-of-distribution set, got none.")
    names = [name for name, _ in items]
    for name in names:
        if not isinstance(name, str) or not name:
            raise ValueError(f"{pre}ood_sets: expected non-empty strings as names, got {name!r}.")
    if "pooled" in names:
        raise ValueError(
            f"{pre}ood_sets: expected names other than 'pooled' (reserved for all OoD sets together), "
            "got 'pooled'; rename that set."
        )
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ValueError(f"{pre}ood_sets: expected unique names, got duplicates {dupes}.")
    return items
