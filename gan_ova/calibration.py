"""Post-hoc calibration of class probabilities: temperature scaling.

Pure functions on numpy arrays; they know nothing of skorch or scikit-learn.

Temperature scaling (Guo et al., "On Calibration of Modern Neural Networks",
ICML 2017) divides the log class scores by one number ``T > 0`` and
renormalizes. For the one-vs-all model the class scores are
``s_k = log(pi_k q_k)`` (see :mod:`gan_ova.uncertainty`), so

``P_T(k|x) = (pi_k q_k)^(1/T) / sum_j (pi_j q_j)^(1/T) = P(k|x)^(1/T) / sum_j P(j|x)^(1/T)``.

``T > 1`` softens over-confident probabilities, ``T < 1`` sharpens
under-confident ones, ``T = 1`` changes nothing. The arg-max (the
prediction) never changes. ``T`` is fitted by minimizing the negative
log-likelihood (NLL) of held-out labels.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize_scalar

__all__ = ["temper_probabilities", "calibration_nll", "fit_temperature", "has_no_errors", "TEMPERATURE_BOUNDS"]

#: Search interval of :func:`fit_temperature`; the fitted ``T`` is clipped to it.
TEMPERATURE_BOUNDS = (0.05, 20.0)

_TINY = 1e-300


def _check_proba(proba, name="proba"):
    proba = np.asarray(proba, dtype=np.float64)
    if proba.ndim != 2 or proba.shape[1] < 2:
        raise ValueError(f"{name}: expected a 2-D array (n_samples, n_classes >= 2), got shape {proba.shape}.")
    if not np.all(np.isfinite(proba)) or (proba.size and (proba.min() < 0 or proba.max() > 1 + 1e-9)):
        raise ValueError(f"{name}: expected finite probabilities in [0, 1].")
    return proba


def _check_temperature(temperature):
    t = float(temperature)
    if not np.isfinite(t) or t <= 0:
        raise ValueError(f"temperature: expected a finite number > 0, got {temperature!r}.")
    return t


def temper_probabilities(proba, temperature):
    """Temperature-scale class probabilities: ``P^(1/T)``, renormalized per row.

    Equal to a softmax of the log-probabilities divided by ``T``. Zero
    probabilities stay zero; a row that is all zero (not a distribution) is
    returned unchanged. The arg-max of every row is kept.

    Parameters
    ----------
    proba : array-like of shape (n_samples, n_classes)
        Class probabilities (rows sum to 1).
    temperature : float > 0
        ``T``; 1 returns ``proba`` unchanged.

    Returns
    -------
    tempered : ndarray of shape (n_samples, n_classes)

    Examples
    --------
    >>> import numpy as np
    >>> temper_probabilities(np.array([[0.8, 0.2]]), 2.0)  # sqrt(0.8) : sqrt(0.2) = 2 : 1
    array([[0.66666667, 0.33333333]])
    >>> temper_probabilities(np.array([[0.8, 0.2]]), 1.0)
    array([[0.8, 0.2]])
    """
    proba = _check_proba(proba)
    t = _check_temperature(temperature)
    if t == 1.0:
        return proba.copy()
    with np.errstate(divide="ignore"):
        logp = np.where(proba > 0, np.log(np.maximum(proba, _TINY)), -np.inf)
    row_max = logp.max(axis=1, keepdims=True)
    valid = np.isfinite(row_max)
    shifted = np.where(valid, (logp - np.where(valid, row_max, 0.0)) / t, -np.inf)
    w = np.exp(shifted)  # exp(-inf) = 0; the row's maximum gives exp(0) = 1
    s = w.sum(axis=1, keepdims=True)
    return np.where(valid, w / np.maximum(s, _TINY), proba)


def calibration_nll(proba, y, temperature=1.0):
    """Mean negative log-likelihood of labels under temperature-scaled probabilities.

    Parameters
    ----------
    proba : array-like of shape (n_samples, n_classes) or (n_passes, n_samples, n_classes)
        Class probabilities; a 3-D array holds MC passes, each tempered, then
        averaged (as :func:`gan_ova.uncertainty.ova_uncertainty` does).
    y : array-like of int, shape (n_samples,)
        Class indices (columns of ``proba``).
    temperature : float > 0, default=1.0

    Returns
    -------
    nll : float
        ``-mean log P_T(y_i | x_i)``; probabilities are floored at 1e-300, so
        the value is finite.

    Examples
    --------
    >>> import numpy as np
    >>> round(calibration_nll(np.array([[0.5, 0.5], [0.9, 0.1]]), [0, 0]), 4)  # -(log .5 + log .9) / 2
    0.3993
    """
    y = np.asarray(y, dtype=np.int64)
    proba = np.asarray(proba, dtype=np.float64)
    if proba.ndim == 3:
        pt = np.mean([temper_probabilities(pp, temperature) for pp in proba], axis=0)
    else:
        pt = temper_probabilities(proba, temperature)
    if y.shape != (pt.shape[0],) or (y.size and (y.min() < 0 or y.max() >= pt.shape[1])):
        raise ValueError(f"y: expected {pt.shape[0]} class indices in [0, {pt.shape[1] - 1}].")
    return float(-np.mean(np.log(np.maximum(pt[np.arange(len(y)), y], _TINY))))


def has_no_errors(proba, y):
    """Whether every row's arg-max (of the MC mean for 3-D ``proba``) is its label.

    Then the NLL of temperature-scaled probabilities has no minimum (it falls
    as ``T -> 0``), and :func:`fit_temperature` returns 1.0.

    Parameters
    ----------
    proba : array-like of shape (n_samples, n_classes) or (n_passes, n_samples, n_classes)
    y : array-like of int, shape (n_samples,)

    Returns
    -------
    bool

    Examples
    --------
    >>> import numpy as np
    >>> has_no_errors(np.array([[0.9, 0.1], [0.3, 0.7]]), [0, 1])
    True
    """
    proba = np.asarray(proba, dtype=np.float64)
    mean = proba.mean(axis=0) if proba.ndim == 3 else proba
    return bool(np.all(mean.argmax(axis=1) == np.asarray(y)))


def fit_temperature(proba, y, bounds=TEMPERATURE_BOUNDS):
    """Temperature ``T`` that minimizes the NLL of ``y`` under ``temper_probabilities(proba, T)``.

    A bounded one-dimensional search (Brent's method) over ``log T``; it is
    deterministic. For 2-D ``proba`` the NLL is convex in ``1/T`` (a
    log-sum-exp of linear functions minus a linear one), so the minimum
    found is the global one. If ``T = 1`` fits the data at least as well,
    1.0 is returned.

    When every row's arg-max is its label (no held-out errors), the NLL keeps
    falling as ``T -> 0`` and has no minimum: the data say nothing about the
    temperature, and 1.0 (no calibration) is returned. Check for that case
    with :func:`has_no_errors`.

    Parameters
    ----------
    proba : array-like of shape (n_samples, n_classes) or (n_passes, n_samples, n_classes)
        Uncalibrated class probabilities of held-out examples; 3-D: MC passes
        (tempered one by one, then averaged).
    y : array-like of int, shape (n_samples,)
        Their class indices.
    bounds : (float, float), default=(0.05, 20.0)
        Search interval for ``T``.

    Returns
    -------
    temperature : float
        In ``bounds``. 1.0 when ``proba`` has no rows or no errors.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.RandomState(0)
    >>> logits = 3.0 * rng.randn(4000, 5)                    # calibrated at temperature 1
    >>> true = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    >>> y = np.array([rng.choice(5, p=row) for row in true])
    >>> overconfident = temper_probabilities(true, 0.5)      # as if the logits were doubled
    >>> round(fit_temperature(overconfident, y), 1)
    2.0
    """
    proba = np.asarray(proba, dtype=np.float64)
    if proba.ndim == 3:
        for pp in proba:
            _check_proba(pp)
    else:
        proba = _check_proba(proba)
    y = np.asarray(y, dtype=np.int64)
    lo, hi = (float(b) for b in bounds)
    if not (0 < lo < hi and np.isfinite(hi)):
        raise ValueError(f"bounds: expected 0 < low < high < inf, got {bounds!r}.")
    if proba.shape[-2] == 0:
        return 1.0
    calibration_nll(proba, y)  # validates y
    if has_no_errors(proba, y):
        return 1.0
    res = minimize_scalar(
        lambda logt: calibration_nll(proba, y, np.exp(logt)),
        bounds=(np.log(lo), np.log(hi)),
        method="bounded",
        options={"xatol": 1e-4},
    )
    t = float(np.clip(np.exp(res.x), lo, hi))
    # Never worse than no calibration (T = 1) on the data it was fitted to.
    if lo <= 1.0 <= hi and calibration_nll(proba, y, 1.0) <= calibration_nll(proba, y, t):
        return 1.0
    return t
