"""Evaluation metrics for classification with uncertainty quantification.

Pure NumPy functions (scikit-learn is used internally for the ranking metrics
AUROC and average precision). Every metric returns a Python ``float`` in
``[0, 1]``; multiply by 100 yourself if you want percentages.

Score convention
----------------
All uncertainty scores (aleatoric or epistemic) follow one convention:
**higher = more uncertain / more out-of-distribution**. Detection metrics
therefore treat the "interesting" class (misclassified examples, or
out-of-distribution examples) as the positive class with the uncertainty as
its score, except :func:`aupr_in` and :func:`fpr_at_95_tpr`, which take the
in-distribution data as positive and use the negated score ``-epistemic``.

Inputs are validated strictly: shape mismatches, empty inputs, NaN or infinite
scores and single-class detection problems raise :class:`ValueError` with a
message ``"<function>: <parameter>: expected ..., got ...."`` naming the
function, the parameter, what was expected and the offending value, instead
of silently returning a meaningless number.

Functions
---------
accuracy
    Fraction of correct predictions.
expected_calibration_error
    ECE of the top-class probability with equal-width bins.
fp_detection_auroc
    AUROC for separating misclassified from correct predictions ("AUROC S/F").
ood_auroc, aupr_in, aupr_out, fpr_at_95_tpr
    Out-of-distribution detection from epistemic scores.
reliability_bins
    Accuracy and mean confidence per confidence bin: the numbers behind
    :func:`expected_calibration_error` and the reliability diagram.
evaluate
    All of the above for a fitted estimator exposing ``classes_``,
    ``predict_proba`` and ``predict_uncertainty``.
"""

import numbers
import warnings
from collections.abc import Mapping

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score, roc_curve
from sklearn.utils import Bunch

from ._validation import check_labels_1d, check_number, check_ood_sets, check_proba_2d, check_scores_1d

__all__ = [
    "accuracy",
    "expected_calibration_error",
    "fp_detection_auroc",
    "ood_auroc",
    "aupr_in",
    "aupr_out",
    "fpr_at_95_tpr",
    "reliability_bins",
    "evaluate",
]

# Tolerance for probabilities that overshoot [0, 1] through float round-off
# (e.g. a float32 softmax giving 1.0000001); such values are clipped.
_PROBA_ATOL = 1e-6


# ---------------------------------------------------------------------------
# validation helpers
# ---------------------------------------------------------------------------


def _same_length(func, name_a, a, name_b, b):
    if a.shape[0] != b.shape[0]:
        raise ValueError(
            f"{func}: {name_b}: expected the same length as {name_a} ({a.shape[0]}), got {b.shape[0]}."
        )


def _ood_scores(func, epistemic_in, epistemic_out):
    """Validate in/out scores; return (is_in labels 1/0, concatenated scores)."""
    s_in = check_scores_1d("epistemic_in", epistemic_in, func=func, allow_empty=True)
    s_out = check_scores_1d("epistemic_out", epistemic_out, func=func, allow_empty=True)
    if s_in.shape[0] == 0 or s_out.shape[0] == 0:
        if s_in.shape[0] == 0 and s_out.shape[0] == 0:
            name, got = "epistemic_in, epistemic_out", "no scores at all (epistemic_in and epistemic_out are empty)"
        elif s_out.shape[0] == 0:
            name, got = "epistemic_out", f"only {s_in.shape[0]} in-distribution score(s) (epistemic_out is empty)"
        else:
            name, got = "epistemic_in", f"only {s_out.shape[0]} out-of-distribution score(s) (epistemic_in is empty)"
        raise ValueError(
            f"{func}: {name}: expected both in-distribution and out-of-distribution scores, got {got}."
        )
    is_in = np.concatenate(
        [np.ones(s_in.shape[0], dtype=int), np.zeros(s_out.shape[0], dtype=int)]
    )
    scores = np.concatenate([s_in, s_out])
    return is_in, scores


# ---------------------------------------------------------------------------
# classification metrics
# ---------------------------------------------------------------------------
def accuracy(y_true, y_pred):
    r"""Fraction of correctly predicted labels.

    .. math:: \mathrm{acc} = \frac{1}{n} \sum_{i=1}^{n} [\hat y_i = y_i]

    Parameters
    ----------
    y_true : array-like of shape (n,)
        True labels (any comparable dtype, e.g. ints or strings).
    y_pred : array-like of shape (n,)
        Predicted labels, same encoding as ``y_true``.

    Returns
    -------
    float
        Accuracy in ``[0, 1]``.

    Raises
    ------
    ValueError
        If the inputs are not 1-D, are empty or differ in length.

    Examples
    --------
    >>> accuracy([0, 1, 2, 2], [0, 1, 1, 2])
    0.75
    >>> accuracy(["cat", "dog"], ["dog", "dog"])
    0.5
    """
    func = "accuracy"
    y_true = check_labels_1d("y_true", y_true, func=func)
    y_pred = check_labels_1d("y_pred", y_pred, func=func)
    _same_length(func, "y_true", y_true, "y_pred", y_pred)
    return float(np.mean(y_true == y_pred))


def _class_indices(func, name, y, n_classes):
    """Validate integer class indices in ``0..n_classes-1``."""
    y = check_labels_1d(name, y, func=func)
    if y.dtype.kind in "iu":
        idx = y.astype(np.int64)
    elif y.dtype.kind == "f" and np.all(np.isfinite(y)) and np.all(y == np.round(y)):
        idx = y.astype(np.int64)
    elif y.dtype.kind == "b":
        idx = y.astype(np.int64)
    else:
        raise ValueError(
            f"{func}: {name}: expected integer class indices 0..K-1 aligned with the columns of proba, "
            f"got dtype {y.dtype} (first value {y[:1].tolist()[0]!r})."
        )
    bad = (idx < 0) | (idx >= n_classes)
    if bad.any():
        raise ValueError(
            f"{func}: {name}: expected class indices in 0..{n_classes - 1} (proba has {n_classes} columns), "
            f"got {int(idx[bad][0])} at index {int(np.flatnonzero(bad)[0])}."
        )
    return idx


def expected_calibration_error(y_true, proba, n_bins=15):
    r"""Expected calibration error (ECE) of the top-class probability.

    Each example ``i`` has confidence :math:`c_i = \max_k p_{ik}` and
    prediction :math:`\hat y_i = \arg\max_k p_{ik}`. The confidences are put
    into ``n_bins`` equal-width bins over ``[0, 1]``; bin ``b`` (0-based)
    covers :math:`(b/M, (b+1)/M]` with :math:`M` = ``n_bins``, the first bin
    also containing 0. Then

    .. math::

        \mathrm{ECE} = \sum_{b} \frac{|B_b|}{n}
            \left| \mathrm{acc}(B_b) - \mathrm{conf}(B_b) \right|,

    where :math:`\mathrm{acc}(B_b)` is the fraction of correct predictions in
    bin ``b`` and :math:`\mathrm{conf}(B_b)` its mean confidence. Empty bins
    contribute nothing. Rows of ``proba`` need not sum to 1 (e.g. one-vs-all
    probabilities), only lie in ``[0, 1]``.

    Parameters
    ----------
    y_true : array-like of shape (n,)
        Integer class indices ``0..K-1`` aligned with the columns of ``proba``.
    proba : array-like of shape (n, K)
        Predicted class probabilities in ``[0, 1]`` (values overshooting by at
        most 1e-6 through round-off are clipped).
    n_bins : int, default=15
        Number of equal-width confidence bins, ``>= 1``.

    Returns
    -------
    float
        ECE in ``[0, 1]``.

    Raises
    ------
    ValueError
        On a bad ``n_bins``, a ``proba`` that is not 2-D, not finite or
        outside ``[0, 1]``, labels outside ``0..K-1`` or a length mismatch.

    Examples
    --------
    Confidences 0.9 (correct) and 0.8 (wrong) fall into bin (0.75, 1]:
    accuracy 0.5, mean confidence 0.85. Confidences 0.6 and 0.7 (both
    correct) fall into (0.5, 0.75]: accuracy 1, confidence 0.65. Hence
    ECE = 2/4 * 0.35 + 2/4 * 0.35 = 0.35.

    >>> proba = [[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.3, 0.7]]
    >>> round(expected_calibration_error([0, 0, 0, 1], proba, n_bins=4), 6)
    0.35

    A single bin compares overall accuracy (0.75) with mean confidence (0.75):

    >>> round(expected_calibration_error([0, 0, 0, 1], proba, n_bins=1), 6)
    0.0
    """
    sums = _bin_sums("expected_calibration_error", y_true, proba, n_bins)
    # sum_b |B_b|/n * |acc_b - conf_b| == sum_b |sum_acc_b - sum_conf_b| / n
    ece = np.abs(sums.sum_acc - sums.sum_conf)[sums.counts > 0].sum() / sums.n
    return float(min(max(ece, 0.0), 1.0))


def _bin_sums(func, y_true, proba, n_bins):
    """Validate the inputs; per confidence bin: count, summed confidence and summed correctness."""
    check_number(f"{func}: n_bins", n_bins, low=1, integer=True)
    n_bins = int(n_bins)
    p = check_proba_2d("proba", proba, func=func, atol=_PROBA_ATOL)
    y = _class_indices(func, "y_true", y_true, p.shape[1])
    _same_length(func, "y_true", y, "proba", p)

    conf = p.max(axis=1)
    correct = (p.argmax(axis=1) == y).astype(float)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    # right=True: bin i (1-based from digitize) holds edges[i-1] < c <= edges[i];
    # c == 0 gives 0 and is moved into the first bin.
    bins = np.clip(np.digitize(conf, edges[1:-1], right=True), 0, n_bins - 1)
    return Bunch(
        n=conf.shape[0],
        edges=edges,
        counts=np.bincount(bins, minlength=n_bins),
        sum_conf=np.bincount(bins, weights=conf, minlength=n_bins),
        sum_acc=np.bincount(bins, weights=correct, minlength=n_bins),
    )


def reliability_bins(y_true, proba, n_bins=15):
    r"""Accuracy and mean confidence per confidence bin (the reliability diagram's numbers).

    The binning is that of :func:`expected_calibration_error`: confidences
    :math:`c_i = \max_k p_{ik}` in ``n_bins`` equal-width bins over
    ``[0, 1]``, bin ``b`` covering :math:`(b/M, (b+1)/M]`, the first one
    also containing 0.

    Parameters
    ----------
    y_true : array-like of shape (n,)
        Integer class indices ``0..K-1`` aligned with the columns of ``proba``.
    proba : array-like of shape (n, K)
        Predicted class probabilities in ``[0, 1]``.
    n_bins : int, default=15
        Number of equal-width confidence bins, ``>= 1``.

    Returns
    -------
    sklearn.utils.Bunch
        ``bin_edges`` (``n_bins + 1``,), ``counts`` (``n_bins``,) examples per
        bin, ``accuracy`` and ``confidence`` (``n_bins``,) the fraction of
        correct predictions and the mean confidence in each bin (NaN for an
        empty bin), and ``ece``, :func:`expected_calibration_error`.

    Raises
    ------
    ValueError
        On invalid inputs, as :func:`expected_calibration_error`.

    Examples
    --------
    >>> proba = [[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.3, 0.7]]
    >>> bins = reliability_bins([0, 0, 0, 1], proba, n_bins=4)
    >>> bins.counts
    array([0, 0, 2, 2])
    >>> bins.accuracy
    array([nan, nan, 1. , 0.5])
    >>> bins.confidence.round(3)
    array([ nan,  nan, 0.65, 0.85])
    >>> round(bins.ece, 6)
    0.35
    """
    sums = _bin_sums("reliability_bins", y_true, proba, n_bins)
    used = sums.counts > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        accuracy = np.where(used, sums.sum_acc / sums.counts, np.nan)
        confidence = np.where(used, sums.sum_conf / sums.counts, np.nan)
    ece = np.abs(sums.sum_acc - sums.sum_conf)[used].sum() / sums.n
    return Bunch(
        bin_edges=sums.edges,
        counts=sums.counts,
        accuracy=accuracy,
        confidence=confidence,
        ece=float(min(max(ece, 0.0), 1.0)),
    )


# ---------------------------------------------------------------------------
# detection metrics
# ---------------------------------------------------------------------------
def fp_detection_auroc(y_true, y_pred, aleatoric):
    r"""AUROC for detecting misclassifications from the aleatoric score.

    Misclassified examples (:math:`\hat y_i \ne y_i`) are the positives and
    the aleatoric uncertainty is the score ("AUROC S/F", success vs.
    failure). Equivalently, with ties counted as one half,

    .. math::

        \mathrm{AUROC} = \frac{1}{|F|\,|S|} \sum_{i \in F} \sum_{j \in S}
            \left([a_i > a_j] + \tfrac12 [a_i = a_j]\right),

    where :math:`F` are the failures, :math:`S` the successes and :math:`a`
    the aleatoric scores (higher = more uncertain).

    Parameters
    ----------
    y_true : array-like of shape (n,)
        True labels.
    y_pred : array-like of shape (n,)
        Predicted labels, same encoding as ``y_true``.
    aleatoric : array-like of shape (n,)
        Aleatoric uncertainty scores, finite.

    Returns
    -------
    float
        AUROC in ``[0, 1]``; 1 means every misclassified example is more
        uncertain than every correct one, 0.5 is chance.

    Raises
    ------
    ValueError
        If all predictions are correct or all are wrong, on length
        mismatches or non-finite scores.

    Examples
    --------
    Failures have scores 0.7 and 0.2, successes 0.1 and 0.3; three of the four
    (failure, success) pairs are ordered correctly:

    >>> fp_detection_auroc([0, 1, 1, 0], [0, 1, 0, 1], [0.1, 0.3, 0.7, 0.2])
    0.75
    """
    func = "fp_detection_auroc"
    y_true = check_labels_1d("y_true", y_true, func=func)
    y_pred = check_labels_1d("y_pred", y_pred, func=func)
    _same_length(func, "y_true", y_true, "y_pred", y_pred)
    score = check_scores_1d("aleatoric", aleatoric, func=func)
    _same_length(func, "y_true", y_true, "aleatoric", score)
    wrong = (y_true != y_pred).astype(int)
    n_wrong = int(wrong.sum())
    if n_wrong == 0 or n_wrong == wrong.shape[0]:
        which = "correct" if n_wrong == 0 else "misclassified"
        raise ValueError(
            f"{func}: y_pred: expected both correctly classified and misclassified examples "
            f"(y_pred vs y_true), got only {which} ones ({wrong.shape[0]} of {wrong.shape[0]})."
        )
    return float(roc_auc_score(wrong, score))


def ood_auroc(epistemic_in, epistemic_out):
    r"""AUROC for out-of-distribution detection from the epistemic score.

    Out-of-distribution (OoD) examples are the positives and the epistemic
    uncertainty is the score:

    .. math::

        \mathrm{AUROC} = \frac{1}{n_\mathrm{in}\, n_\mathrm{out}}
            \sum_{i \in \mathrm{out}} \sum_{j \in \mathrm{in}}
            \left([e_i > e_j] + \tfrac12 [e_i = e_j]\right).

    Parameters
    ----------
    epistemic_in : array-like of shape (n_in,)
        Epistemic scores of in-distribution examples.
    epistemic_out : array-like of shape (n_out,)
        Epistemic scores of OoD examples.

    Returns
    -------
    float
        AUROC in ``[0, 1]``: 1 for perfect separation, 0 for perfectly
        reversed scores.

    Raises
    ------
    ValueError
        If either set is empty or any score is non-finite.

    Examples
    --------
    OoD 0.5 beats in-distribution 0.1 and 0.2; OoD 0.9 beats all three:
    5 of 6 pairs.

    >>> round(ood_auroc([0.1, 0.2, 0.6], [0.5, 0.9]), 6)
    0.833333
    >>> ood_auroc([0.1, 0.2], [0.8, 0.9])
    1.0
    """
    is_in, scores = _ood_scores("ood_auroc", epistemic_in, epistemic_out)
    return float(roc_auc_score(1 - is_in, scores))


def aupr_in(epistemic_in, epistemic_out):
    r"""Area under the precision-recall curve with in-distribution positive.

    Computed as average precision with in-distribution examples as positives
    and score :math:`-e` (equivalently :math:`1 - e`; ranking is all that
    matters), i.e. the least uncertain examples are retrieved first:

    .. math:: \mathrm{AP} = \sum_k (R_k - R_{k-1})\, P_k,

    with :math:`P_k, R_k` precision and recall at the :math:`k`-th threshold
    (see :func:`sklearn.metrics.average_precision_score`).

    Parameters
    ----------
    epistemic_in : array-like of shape (n_in,)
        Epistemic scores of in-distribution examples.
    epistemic_out : array-like of shape (n_out,)
        Epistemic scores of OoD examples.

    Returns
    -------
    float
        AUPR-In in ``[0, 1]``.

    Raises
    ------
    ValueError
        If either set is empty or any score is non-finite.

    Examples
    --------
    Ascending epistemic order is in, in, out, in, out. The in-distribution
    hits arrive at precision 1, 1 and 3/4, each adding recall 1/3:
    AP = 1/3 + 1/3 + 1/4 = 11/12.

    >>> round(aupr_in([0.1, 0.2, 0.6], [0.5, 0.9]), 6)
    0.916667
    """
    is_in, scores = _ood_scores("aupr_in", epistemic_in, epistemic_out)
    return float(average_precision_score(is_in, -scores))


def aupr_out(epistemic_in, epistemic_out):
    r"""Area under the precision-recall curve with OoD positive.

    Average precision with out-of-distribution examples as positives and the
    epistemic score :math:`e` as score:

    .. math:: \mathrm{AP} = \sum_k (R_k - R_{k-1})\, P_k.

    Parameters
    ----------
    epistemic_in : array-like of shape (n_in,)
        Epistemic scores of in-distribution examples.
    epistemic_out : array-like of shape (n_out,)
        Epistemic scores of OoD examples.

    Returns
    -------
    float
        AUPR-Out in ``[0, 1]``.

    Raises
    ------
    ValueError
        If either set is empty or any score is non-finite.

    Examples
    --------
    Descending epistemic order is out, in, out, in, in. The OoD hits arrive
    at precision 1 and 2/3, each adding recall 1/2: AP = 1/2 + 1/3 = 5/6.

    >>> round(aupr_out([0.1, 0.2, 0.6], [0.5, 0.9]), 6)
    0.833333
    """
    is_in, scores = _ood_scores("aupr_out", epistemic_in, epistemic_out)
    return float(average_precision_score(1 - is_in, scores))


def fpr_at_95_tpr(epistemic_in, epistemic_out, tpr=0.95):
    r"""False-positive rate on OoD data at 95 % true-positive rate on in-data.

    In-distribution examples are the positives with score :math:`-e`; an
    example is *accepted* as in-distribution when its score is at least a
    threshold :math:`t`. Among the thresholds of
    :func:`sklearn.metrics.roc_curve` (computed without dropping
    intermediate points), taken from the strictest to the loosest, the first
    one whose in-distribution acceptance rate reaches ``tpr`` is used, and
    the fraction of OoD examples accepted at it is returned:

    .. math::

        \mathrm{FPR}@\mathrm{TPR} = \mathrm{FPR}(t^*), \quad
        t^* = \max\{t : \mathrm{TPR}(t) \ge \mathrm{tpr}\},

    with :math:`\mathrm{TPR}(t) = \#\{i \in \mathrm{in} : -e_i \ge t\}/n_\mathrm{in}`
    and :math:`\mathrm{FPR}(t) = \#\{i \in \mathrm{out} : -e_i \ge t\}/n_\mathrm{out}`.
    No interpolation between operating points is done; the comparison
    ``TPR >= tpr`` is exact.

    Parameters
    ----------
    epistemic_in : array-like of shape (n_in,)
        Epistemic scores of in-distribution examples.
    epistemic_out : array-like of shape (n_out,)
        Epistemic scores of OoD examples.
    tpr : float, default=0.95
        Target true-positive rate on in-distribution data, ``0 < tpr <= 1``.

    Returns
    -------
    float
        FPR in ``[0, 1]``; 0 is best.

    Raises
    ------
    ValueError
        If ``tpr`` is outside ``(0, 1]``, either set is empty or any score is
        non-finite.

    Examples
    --------
    Keeping 3 of 4 in-distribution examples requires accepting epistemic
    scores up to 0.3, which also accepts the OoD example with 0.25 (1 of 4).
    Keeping all 4 requires accepting up to 0.8, which accepts 0.25 and 0.5.

    >>> e_in, e_out = [0.1, 0.2, 0.3, 0.8], [0.25, 0.5, 0.9, 0.95]
    >>> fpr_at_95_tpr(e_in, e_out, tpr=0.75)
    0.25
    >>> fpr_at_95_tpr(e_in, e_out)
    0.5
    """
    func = "fpr_at_95_tpr"
    if (
        isinstance(tpr, (bool, np.bool_))
        or not isinstance(tpr, numbers.Real)
        or not (0.0 < float(tpr) <= 1.0)
    ):
        raise ValueError(f"{func}: tpr: expected a number with 0 < tpr <= 1, got {tpr!r}.")
    is_in, scores = _ood_scores(func, epistemic_in, epistemic_out)
    fprs, tprs, _ = roc_curve(is_in, -scores, drop_intermediate=False)
    # tprs is non-decreasing and ends at 1.0, so a match always exists.
    idx = int(np.argmax(tprs >= float(tpr)))
    return float(fprs[idx])


# ---------------------------------------------------------------------------
# estimator-level evaluation
# ---------------------------------------------------------------------------
def _get_uncertainty(estimator, X, what):
    """Call ``predict_uncertainty`` and return (aleatoric, epistemic)."""
    func = "evaluate"
    call = f"estimator.predict_uncertainty({what})"
    unc = estimator.predict_uncertainty(X)
    if not isinstance(unc, Mapping) and not hasattr(unc, "keys"):
        raise ValueError(
            f"{func}: {call}: expected a mapping with keys 'aleatoric' and 'epistemic', got {type(unc).__name__}."
        )
    missing = [k for k in ("aleatoric", "epistemic") if k not in unc]
    if missing:
        raise ValueError(
            f"{func}: {call}: expected keys 'aleatoric' and 'epistemic', got keys {sorted(map(str, unc.keys()))} "
            f"(missing {missing})."
        )
    ale = check_scores_1d(f"predict_uncertainty({what})['aleatoric']", unc["aleatoric"], func=func)
    epi = check_scores_1d(f"predict_uncertainty({what})['epistemic']", unc["epistemic"], func=func)
    _same_length(func, f"predict_uncertainty({what})['aleatoric']", ale,
                 f"predict_uncertainty({what})['epistemic']", epi)
    return ale, epi


def _ood_block(e_in, e_out):
    return {
        "auroc": ood_auroc(e_in, e_out),
        "aupr_in": aupr_in(e_in, e_out),
        "aupr_out": aupr_out(e_in, e_out),
        "fpr95": fpr_at_95_tpr(e_in, e_out),
    }


def evaluate(estimator, X_test, y_test, ood_sets, n_bins=15):
    """Compute all metrics for a fitted uncertainty-aware classifier.

    The estimator must expose ``classes_`` (the label of each column of
    ``predict_proba``), ``predict_proba(X)`` returning an ``(n, K)`` array and
    ``predict_uncertainty(X)`` returning a mapping (e.g. a
    :class:`sklearn.utils.Bunch`) with keys ``'aleatoric'`` and
    ``'epistemic'``, each an array of shape ``(n,)`` where higher means more
    uncertain. ``predict_proba`` and ``predict_uncertainty`` are called once
    on ``X_test``; ``predict_uncertainty`` is called once per OoD set.

    Predictions are the arg-max of ``predict_proba``. ``y_test`` holds labels
    from ``estimator.classes_`` (possibly strings); they are mapped to column
    indices after checking that every label is known.

    Parameters
    ----------
    estimator : fitted estimator
        See above.
    X_test : array-like
        In-distribution test inputs.
    y_test : array-like of shape (n,)
        True labels of ``X_test``, values in ``estimator.classes_``.
    ood_sets : dict of str -> array-like, or list/tuple of (str, array-like)
        Out-of-distribution inputs by name. The name ``'pooled'`` is
        reserved. ``None`` or empty gives an empty ``'ood'`` entry.
    n_bins : int, default=15
        Number of bins for :func:`expected_calibration_error`.

    Returns
    -------
    dict
        ``{"accuracy": float, "fp_auroc": float, "ece": float,
        "ood": {name: {"auroc", "aupr_in", "aupr_out", "fpr95"}, ...,
        "pooled": {...}}}``, all values in ``[0, 1]``. ``fp_auroc`` is
        :func:`fp_detection_auroc` on the aleatoric score; the OoD entries
        use the epistemic scores of ``X_test`` as in-distribution scores
        (:func:`ood_auroc`, :func:`aupr_in`, :func:`aupr_out`,
        :func:`fpr_at_95_tpr`); ``"pooled"`` is computed on all OoD sets
        concatenated and is present whenever at least one set is given.

    Raises
    ------
    ValueError
        On unknown labels in ``y_test``, malformed estimator outputs, bad
        ``ood_sets`` or any error from the individual metrics.

    Warns
    -----
    UserWarning
        When every test prediction is correct (or every one is wrong):
        ``fp_auroc`` is then undefined and reported as NaN.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.utils import Bunch
    >>> class Toy:
    ...     classes_ = np.array(["a", "b"])
    ...     def predict_proba(self, X):
    ...         return np.column_stack([1 - X[:, 0], X[:, 0]])
    ...     def predict_uncertainty(self, X):
    ...         return Bunch(aleatoric=X[:, 1], epistemic=X[:, 2])
    >>> X = np.array([[0.1, 0.1, 0.1], [0.9, 0.2, 0.2],
    ...               [0.2, 0.9, 0.3], [0.6, 0.3, 0.4]])
    >>> X_ood = np.array([[0.5, 0.5, 0.35], [0.5, 0.5, 0.9]])

    Only the third test example is misclassified and it has the highest
    aleatoric score; OoD epistemic 0.35 beats three of the four
    in-distribution scores and 0.9 beats all four (AUROC 7/8); keeping all
    four in-distribution examples (epistemic <= 0.4) accepts one of the two
    OoD examples.

    >>> res = evaluate(Toy(), X, ["a", "b", "b", "b"], {"noise": X_ood}, n_bins=4)
    >>> res["accuracy"], res["fp_auroc"]
    (0.75, 1.0)
    >>> round(res["ece"], 6)
    0.25
    >>> res["ood"]["noise"]["auroc"], res["ood"]["pooled"]["fpr95"]
    (0.875, 0.5)
    """
    classes = _fitted_classes(estimator)
    y_idx = _label_indices(y_test, classes)
    proba = _checked_proba(estimator, X_test, y_idx.shape[0], classes.shape[0])
    ale_in, epi_in = _get_uncertainty(estimator, X_test, "X_test")
    _same_length("evaluate", "y_test", y_idx, "predict_uncertainty(X_test)['aleatoric']", ale_in)
    y_pred = proba.argmax(axis=1)
    return {
        "accuracy": accuracy(y_idx, y_pred),
        "fp_auroc": _fp_auroc_or_nan(y_idx, y_pred, ale_in),
        "ece": expected_calibration_error(y_idx, proba, n_bins=n_bins),
        "ood": _ood_results(estimator, epi_in, ood_sets),
    }


def _fitted_classes(estimator):
    """``estimator.classes_`` as a checked non-empty 1-D array."""
    if not hasattr(estimator, "classes_"):
        raise ValueError(
            "evaluate: estimator: expected a fitted classifier exposing classes_, "
            f"got {type(estimator).__name__} without classes_."
        )
    classes = np.asarray(estimator.classes_)
    if classes.ndim != 1 or classes.shape[0] == 0:
        raise ValueError(f"evaluate: estimator.classes_: expected a non-empty 1-D array, got shape {classes.shape}.")
    return classes


def _label_indices(y_test, classes):
    """The column index in ``classes`` of each label of ``y_test``; every label must be known."""
    y = check_labels_1d("y_test", y_test, func="evaluate")
    known = np.isin(y, classes)
    if not known.all():
        unknown = np.unique(y[~known])
        shown = ", ".join(repr(v) for v in unknown[:10].tolist())
        more = f" (and {unknown.shape[0] - 10} more)" if unknown.shape[0] > 10 else ""
        raise ValueError(
            f"evaluate: y_test: expected labels from estimator.classes_ {classes.tolist()!r}, "
            f"got unknown label(s) {shown}{more}."
        )
    order = np.argsort(classes, kind="stable")
    return order[np.searchsorted(classes, y, sorter=order)]


def _checked_proba(estimator, X_test, n_test, n_classes):
    """``estimator.predict_proba(X_test)``, checked to have shape (n_test, n_classes)."""
    proba = np.asarray(estimator.predict_proba(X_test), dtype=float)
    if proba.ndim != 2 or proba.shape != (n_test, n_classes):
        raise ValueError(
            "evaluate: estimator.predict_proba(X_test): expected shape (n_test, n_classes) = "
            f"({n_test}, {n_classes}), got {proba.shape}."
        )
    return proba


def _fp_auroc_or_nan(y_idx, y_pred, aleatoric):
    """:func:`fp_detection_auroc`, or NaN with a warning when every prediction is right (or wrong)."""
    wrong = y_pred != y_idx
    if wrong.all() or not wrong.any():
        # FP detection is undefined without both kinds of examples: say so, don't crash a benchmark.
        warnings.warn(
            f"evaluate: fp_auroc is undefined (NaN) because {'every' if wrong.all() else 'no'} test "
            "prediction is wrong; use a larger or harder test set to measure misclassification detection.",
            UserWarning,
            stacklevel=3,
        )
        return float("nan")
    return fp_detection_auroc(y_idx, y_pred, aleatoric)


def _ood_results(estimator, epi_in, ood_sets):
    """The OoD block of each set (epistemic scores of ``X_test`` as in-distribution), plus ``"pooled"``."""
    ood = {}
    outs = []
    for name, X_ood in check_ood_sets(ood_sets, func="evaluate"):
        _, epi_out = _get_uncertainty(estimator, X_ood, f"ood_sets[{name!r}]")
        outs.append(epi_out)
        ood[name] = _ood_block(epi_in, epi_out)
    if outs:
        ood["pooled"] = _ood_block(epi_in, np.concatenate(outs))
    return ood
