"""Test-time formulas: one-vs-all sigmoids to probabilities and uncertainties.

Pure functions on numpy arrays or torch tensors (anything supporting the
arithmetic below); they know nothing of skorch or scikit-learn.

With ``K`` classes, per-class sigmoid outputs ``p_k`` of a one-vs-all (OvA)
classifier and class priors ``pi_k`` (training frequencies):

* ``q_k = p_k / (p_k + (K - 1) (1 - p_k))`` -- the odds of ``p_k`` divided by
  ``K - 1``, mapped back to a probability;
* ``P(k | x) = pi_k q_k / sum_j pi_j q_j`` -- class probabilities;
* ``P_in(x) = sum_k P(k | x) q_k`` -- probability of being in-distribution;
* epistemic uncertainty ``= 1 - P_in(x)`` (the out-of-distribution score);
* aleatoric uncertainty ``= H(P(. | x)) / log K`` (the false-positive score).

Both uncertainties follow one convention: **higher = more uncertain**.
"""

from __future__ import annotations

import numpy as np

from .calibration import temper_probabilities

__all__ = [
    "ova_q",
    "class_probabilities",
    "in_distribution_probability",
    "epistemic_uncertainty",
    "aleatoric_uncertainty",
    "ova_uncertainty",
    "normalized_entropy",
]

_EPS = 1e-12


def _as_probs(p, name="p"):
    p = np.asarray(p, dtype=np.float64)
    if p.ndim != 2:
        raise ValueError(f"{name}: expected a 2-D array (n_samples, n_classes), got shape {p.shape}.")
    if p.shape[1] < 2:
        raise ValueError(f"{name}: needs at least 2 classes (columns), got {p.shape[1]}.")
    if not np.all(np.isfinite(p)):
        raise ValueError(f"{name}: contains NaN or infinite values.")
    if p.size and (p.min() < 0 or p.max() > 1):
        raise ValueError(f"{name}: OvA probabilities must lie in [0, 1], got range [{p.min()}, {p.max()}].")
    return p


def _as_priors(priors, n_classes):
    if priors is None:
        return np.full(n_classes, 1.0 / n_classes)
    priors = np.asarray(priors, dtype=np.float64)
    if priors.shape != (n_classes,):
        raise ValueError(f"priors: expected shape ({n_classes},), got {priors.shape}.")
    if not np.all(np.isfinite(priors)) or np.any(priors <= 0):
        raise ValueError(f"priors: expected finite values > 0, got {priors}.")
    return priors / priors.sum()


def ova_q(p):
    """Rescale one-vs-all sigmoid outputs by the number of competing classes.

    ``q_k = p_k / (p_k + (K - 1) (1 - p_k))``: the odds ``p_k / (1 - p_k)``
    divided by ``K - 1``, mapped back to a probability. For ``K = 2`` it is
    the identity.

    Parameters
    ----------
    p : array-like of shape (n_samples, n_classes)
        Sigmoid outputs of the OvA heads, in [0, 1].

    Returns
    -------
    q : ndarray of shape (n_samples, n_classes)

    Examples
    --------
    >>> import numpy as np
    >>> ova_q(np.array([[0.5, 0.5, 0.5]]))  # odds 1 / (K - 1) = 1/2 -> 1/3
    array([[0.33333333, 0.33333333, 0.33333333]])
    """
    p = _as_probs(p)
    k = p.shape[1]
    return p / np.maximum(p + (k - 1) * (1.0 - p), _EPS)


def class_probabilities(p, priors=None):
    """Class probabilities ``P(k|x) = pi_k q_k / sum_j pi_j q_j``.

    Parameters
    ----------
    p : array-like of shape (n_samples, n_classes)
        Sigmoid outputs of the OvA heads.
    priors : array-like of shape (n_classes,), default=None
        Class priors ``pi_k`` (training frequencies); uniform if None.

    Returns
    -------
    proba : ndarray of shape (n_samples, n_classes)
        Rows sum to 1. When every ``q_k`` is 0 the row falls back to the priors.

    Examples
    --------
    >>> import numpy as np
    >>> class_probabilities(np.array([[0.9, 0.1]]), priors=[0.5, 0.5])
    array([[0.9, 0.1]])
    >>> class_probabilities(np.array([[0.5, 0.5]]), priors=[0.75, 0.25])
    array([[0.75, 0.25]])
    """
    q = ova_q(p)
    pi = _as_priors(priors, q.shape[1])
    w = pi * q
    s = w.sum(axis=1, keepdims=True)
    out = np.where(s > _EPS, w / np.maximum(s, _EPS), pi)
    return out


def in_distribution_probability(p, priors=None):
    """Probability of being in-distribution, ``P_in(x) = sum_k P(k|x) q_k``.

    Parameters
    ----------
    p : array-like of shape (n_samples, n_classes)
        Sigmoid outputs of the OvA heads.
    priors : array-like of shape (n_classes,), default=None
        Class priors; uniform if None.

    Returns
    -------
    p_in : ndarray of shape (n_samples,)

    Examples
    --------
    >>> import numpy as np
    >>> in_distribution_probability(np.array([[1.0, 0.0], [0.0, 0.0]]))
    array([1., 0.])
    """
    q = ova_q(p)
    proba = class_probabilities(p, priors)
    return np.clip((proba * q).sum(axis=1), 0.0, 1.0)


def epistemic_uncertainty(p, priors=None):
    """Epistemic uncertainty ``1 - P_in(x)``; higher = more out-of-distribution.

    Parameters
    ----------
    p : array-like of shape (n_samples, n_classes)
    priors : array-like of shape (n_classes,), default=None

    Returns
    -------
    epistemic : ndarray of shape (n_samples,), values in [0, 1]

    Examples
    --------
    >>> import numpy as np
    >>> epistemic_uncertainty(np.array([[0.9, 0.1], [0.1, 0.1]])).round(3)
    array([0.18, 0.9 ])
    """
    return 1.0 - in_distribution_probability(p, priors)


def normalized_entropy(proba):
    """Entropy of each row of ``proba`` divided by ``log K``, in [0, 1].

    The aleatoric uncertainty of a probability vector; the softmax baselines
    use it on their own class probabilities.

    Parameters
    ----------
    proba : array-like of shape (n_samples, n_classes)
        Probabilities; each row sums to 1.

    Returns
    -------
    entropy : ndarray of shape (n_samples,)
        ``-sum_k p_k log p_k / log K``, clipped to [0, 1] (0 for a one-hot
        row, 1 for the uniform distribution).

    Examples
    --------
    >>> normalized_entropy([[0.5, 0.5], [1.0, 0.0]])
    array([1., 0.])
    """
    proba = np.asarray(proba, dtype=np.float64)
    k = proba.shape[1]
    plogp = np.where(proba > 0, proba * np.log(np.maximum(proba, _EPS)), 0.0)
    return np.clip(-plogp.sum(axis=1) / np.log(k), 0.0, 1.0) + 0.0  # + 0.0 turns -0.0 into 0.0


def aleatoric_uncertainty(p, priors=None):
    """Aleatoric uncertainty ``H(P(.|x)) / log K``, the normalized entropy.

    Parameters
    ----------
    p : array-like of shape (n_samples, n_classes)
    priors : array-like of shape (n_classes,), default=None

    Returns
    -------
    aleatoric : ndarray of shape (n_samples,), values in [0, 1]

    Examples
    --------
    >>> import numpy as np
    >>> aleatoric_uncertainty(np.array([[0.7, 0.7], [1.0, 0.0]]))
    array([1., 0.])
    """
    return normalized_entropy(class_probabilities(p, priors))


def ova_uncertainty(p, priors=None, temperature=1.0):
    """All test-time quantities from OvA sigmoids, averaged over MC passes.

    Parameters
    ----------
    p : array-like of shape (n_samples, n_classes) or (n_passes, n_samples, n_classes)
        Sigmoid outputs. A 3-D array holds ``n_passes`` stochastic forward
        passes (MC dropout): ``p``, ``P(k|x)`` and ``P_in`` are averaged over
        the passes, then the aleatoric uncertainty is the normalized entropy of
        the mean ``P(k|x)`` and the epistemic uncertainty is ``1 - mean P_in``.
    priors : array-like of shape (n_classes,), default=None
    temperature : float > 0, default=1.0
        Post-hoc calibration of the class probabilities (see
        :mod:`gan_ova.calibration`): each pass's ``P(k|x)`` is replaced by
        ``P(k|x)^(1/T)``, renormalized, i.e. a temperature on the class scores
        ``log(pi_k q_k)``. ``proba`` and therefore ``aleatoric`` are the
        calibrated ones; ``P_in`` and ``epistemic`` keep the uncalibrated
        ``P(k|x)`` and ``q_k``, so the out-of-distribution score does not
        depend on ``T``. 1 changes nothing.

    Returns
    -------
    result : dict
        ``ova_proba`` (mean ``p``), ``proba`` (mean ``P(k|x)``), ``p_in``
        (mean ``P_in``), ``aleatoric`` and ``epistemic``.

    Examples
    --------
    >>> import numpy as np
    >>> r = ova_uncertainty(np.array([[[0.9, 0.1]], [[0.7, 0.3]]]))
    >>> r["ova_proba"]
    array([[0.8, 0.2]])
    >>> r["proba"]
    array([[0.8, 0.2]])
    >>> float(r["epistemic"][0].round(4))  # 1 - (0.82 + 0.58) / 2
    0.3
    >>> t = ova_uncertainty(np.array([[[0.9, 0.1]], [[0.7, 0.3]]]), temperature=2.0)
    >>> bool(t["aleatoric"][0] > r["aleatoric"][0]), bool(t["epistemic"][0] == r["epistemic"][0])
    (True, True)
    """
    p = np.asarray(p, dtype=np.float64)
    if p.ndim == 2:
        p = p[None]
    if p.ndim != 3:
        raise ValueError(f"p: expected 2-D or 3-D array, got shape {p.shape}.")
    raw = [class_probabilities(pt, priors) for pt in p]
    proba = np.stack(raw if temperature == 1 else [temper_probabilities(r, temperature) for r in raw]).mean(axis=0)
    p_in = np.stack([in_distribution_probability(pt, priors) for pt in p]).mean(axis=0)
    return {
        "ova_proba": p.mean(axis=0),
        "proba": proba,
        "p_in": p_in,
        "aleatoric": normalized_entropy(proba),
        "epistemic": 1.0 - p_in,
    }
