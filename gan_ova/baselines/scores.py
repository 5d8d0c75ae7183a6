"""Test-time uncertainty formulas of the softmax baselines."""

from __future__ import annotations

import numpy as np

from ..uncertainty import normalized_entropy

__all__ = ["softmax_scores", "mutual_information_scores"]


def softmax_scores(proba, epistemic_score="max_softmax"):
    """Uncertainties of a single softmax output.

    Parameters
    ----------
    proba : array-like of shape (n_samples, n_classes)
        Softmax probabilities (rows sum to 1).
    epistemic_score : {"max_softmax", "entropy"}, default="max_softmax"
        Epistemic score: ``1 - max_k p_k`` or the normalized entropy.

    Returns
    -------
    result : dict
        ``proba``, ``aleatoric = H(p) / log K``, ``epistemic`` and
        ``p_in = 1 - epistemic``.

    Examples
    --------
    >>> import numpy as np
    >>> r = softmax_scores(np.array([[0.5, 0.5], [1.0, 0.0]]))
    >>> r["aleatoric"], r["epistemic"]
    (array([1., 0.]), array([0.5, 0. ]))
    """
    proba = np.asarray(proba, dtype=np.float64)
    aleatoric = normalized_entropy(proba) + 0.0  # + 0.0: no negative zeros
    if epistemic_score == "entropy":
        epistemic = aleatoric.copy()
    else:
        epistemic = np.clip(1.0 - proba.max(axis=1), 0.0, 1.0) + 0.0
    return {"proba": proba, "aleatoric": aleatoric, "epistemic": epistemic, "p_in": 1.0 - epistemic}


def mutual_information_scores(member_proba):
    """Uncertainties of several softmax outputs (MC-dropout passes or ensemble members).

    With ``T`` softmax outputs ``p_t`` and their mean ``p``:
    ``aleatoric = H(p) / log K`` (the normalized entropy of the mean, i.e. the
    total predictive uncertainty) and ``epistemic = (H(p) - mean_t H(p_t)) /
    log K``, the normalized mutual information between the prediction and the
    model (the disagreement between passes/members).

    Parameters
    ----------
    member_proba : array-like of shape (T, n_samples, n_classes)

    Returns
    -------
    result : dict
        ``proba`` (the mean), ``aleatoric``, ``epistemic``, ``p_in = 1 -
        epistemic`` and ``expected_entropy`` (``mean_t H(p_t) / log K``).

    Examples
    --------
    >>> import numpy as np
    >>> agree = [[[1.0, 0.0]], [[1.0, 0.0]]]
    >>> disagree = [[[1.0, 0.0]], [[0.0, 1.0]]]
    >>> float(mutual_information_scores(agree)["epistemic"][0])
    0.0
    >>> float(mutual_information_scores(disagree)["epistemic"][0])
    1.0
    """
    p = np.asarray(member_proba, dtype=np.float64)
    mean = p.mean(axis=0)
    total = normalized_entropy(mean) + 0.0  # + 0.0: no negative zeros
    expected = np.mean([normalized_entropy(pt) for pt in p], axis=0) + 0.0
    epistemic = np.clip(total - expected, 0.0, 1.0) + 0.0
    return {
        "proba": mean,
        "aleatoric": total,
        "epistemic": epistemic,
        "p_in": 1.0 - epistemic,
        "expected_entropy": expected,
    }
