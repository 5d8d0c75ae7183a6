"""Decisions: predict with a reject option built on the aleatoric and epistemic uncertainties.

A model that says "I don't know" is only useful if it says so at a rate you
chose. This module turns the two uncertainties of a gan_ova estimator (or of a
baseline from :mod:`gan_ova.baselines`, or of a ``Pipeline`` ending in one)
into decisions:

* :class:`FixedRejectClassifier` -- predict with thresholds you give;
* :class:`TunedRejectClassifier` -- choose the thresholds on held-out
  in-distribution data, to keep a given fraction of known inputs
  (``coverage``) or to reach a given accuracy on what is kept
  (``target_accuracy``);
* :func:`accuracy_coverage_curve` and :func:`select_reject_thresholds` -- the
  same computations as pure functions on arrays.

Conventions, everywhere in this module: scores are "higher = more uncertain";
an example is **kept** when every used score is ``<=`` its threshold and
**rejected** (abstention) otherwise; ``predict`` returns ``reject_label`` for
rejected examples. The two wrappers follow scikit-learn's
:class:`~sklearn.model_selection.FixedThresholdClassifier` and
:class:`~sklearn.model_selection.TunedThresholdClassifierCV`.
"""

from __future__ import annotations

import math
import numbers

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import StratifiedShuffleSplit, check_cv
from sklearn.utils import Bunch, _safe_indexing, get_tags, indexable
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d

from ._base import warn_user
from ._compose import describe_estimator, predict_uncertainty, uncertainty_step

__all__ = [
    "FixedRejectClassifier",
    "TunedRejectClassifier",
    "accuracy_coverage_curve",
    "select_reject_thresholds",
]

UNCERTAINTIES = ("epistemic", "aleatoric", "both")
DEFAULT_COVERAGE = 0.95


# ----------------------------------------------------------------------
# checks
# ----------------------------------------------------------------------
def _is_real(value):
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def _check_fraction(name, value):
    """``value`` must be a number in (0, 1]."""
    if not _is_real(value) or not np.isfinite(value) or not 0 < value <= 1:
        raise ValueError(f"{name}: expected a number in (0, 1], got {value!r}.")


def _check_objective(coverage, target_accuracy):
    """Validate ``coverage`` / ``target_accuracy``; return ``(coverage, target_accuracy)`` to use."""
    if coverage is not None and target_accuracy is not None:
        raise ValueError(
            "coverage, target_accuracy: expected at most one of them (keep a fraction of the known inputs, "
            f"or reach an accuracy on the kept ones), got coverage={coverage!r} and "
            f"target_accuracy={target_accuracy!r}."
        )
    if target_accuracy is not None:
        _check_fraction("target_accuracy", target_accuracy)
        return None, target_accuracy
    if coverage is None:
        return DEFAULT_COVERAGE, None
    _check_fraction("coverage", coverage)
    return coverage, None


def _check_threshold(name, value):
    if value is not None and (not _is_real(value) or not np.isfinite(value)):
        raise ValueError(f"{name}: expected a finite number or None, got {value!r}.")


def _check_uncertainty(uncertainty):
    if not isinstance(uncertainty, str) or uncertainty not in UNCERTAINTIES:
        raise ValueError(f"uncertainty: expected one of {list(UNCERTAINTIES)}, got {uncertainty!r}.")


def _check_scores_array(name, values, n):
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name}: expected an array of numbers, got {type(values).__name__}.") from exc
    if arr.shape != (n,):
        raise ValueError(f"{name}: expected a 1-D array of {n} values (one per example), got shape {arr.shape}.")
    bad = int(np.sum(~np.isfinite(arr)))
    if bad:
        raise ValueError(f"{name}: expected finite values, got {bad} NaN or infinite value(s).")
    return arr


def _check_labels(y_true, y_pred):
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.ndim != 1 or y_true.shape != y_pred.shape:
        raise ValueError(
            f"y_true, y_pred: expected two 1-D arrays of the same length, got shapes {y_true.shape} and {y_pred.shape}."
        )
    if len(y_true) == 0:
        raise ValueError("y_true: expected at least one example, got 0.")
    return y_true == y_pred


def _show_classes(classes):
    values = list(np.asarray(classes).tolist())
    return repr(values) if len(values) <= 10 else repr(values[:10])[:-1] + f", ... ({len(values)} classes)]"


def _check_reject_label(reject_label, classes):
    """Raise a ValueError unless ``reject_label`` fits the type of ``classes`` and is not one of them."""
    classes = np.asarray(classes)
    kind = classes.dtype.kind
    if kind in "US":
        ok, expected, suggestion = isinstance(reject_label, str), "a str", "'unknown'"
    elif kind in "iu":
        ok, expected = isinstance(reject_label, numbers.Integral) and _is_real(reject_label), "an int"
        suggestion = repr(-1 if -1 not in classes.tolist() else int(classes.min()) - 1)
    elif kind == "f":
        ok, expected = _is_real(reject_label) and np.isfinite(reject_label), "a finite number"
        suggestion = "-1"
    else:
        ok, expected, suggestion = True, "", ""
    if not ok:
        raise ValueError(
            f"reject_label: expected {expected} like the classes {_show_classes(classes)}, got {reject_label!r} "
            f"({type(reject_label).__name__}); pass e.g. reject_label={suggestion}."
        )
    if any(reject_label == c for c in classes.tolist()):
        raise ValueError(
            f"reject_label: expected a value that is not one of the classes {_show_classes(classes)}, "
            f"got {reject_label!r}; a rejection would be indistinguishable from a prediction."
        )


def _label_dtype(classes, reject_label):
    """The dtype that holds both the classes and ``reject_label`` (strings widen, ints stay ints)."""
    classes = np.asarray(classes)
    if classes.dtype.kind in "iufUS":
        return np.concatenate([classes, np.asarray([reject_label])]).dtype
    return np.dtype(object)


def _check_y(owner, y, *, warn):
    """1-D class labels (a column vector is raveled, with a DataConversionWarning if ``warn``)."""
    if y is None:
        raise ValueError(f"y: {owner} requires y to be passed, but the target y is None.")
    y = column_or_1d(y, warn=warn)
    check_classification_targets(y)
    return y


def _check_has_uncertainty(estimator):
    """TypeError (before any fitting) unless the estimator's last step has ``predict_uncertainty``."""
    uncertainty_step(estimator, fitted=False)


# ----------------------------------------------------------------------
# pure functions
# ----------------------------------------------------------------------
def accuracy_coverage_curve(y_true, y_pred, score):
    """Accuracy on the kept examples against the fraction kept, for every threshold on ``score``.

    For each distinct value ``t`` of ``score`` (ascending), keep the examples
    with ``score <= t``:

    * ``coverage[i] = #{score <= t_i} / n``
    * ``accuracy[i] = #{score <= t_i and y_pred == y_true} / #{score <= t_i}``

    The last point is ``(1, accuracy of all predictions)``. A good uncertainty
    score gives a curve that falls from high accuracy at low coverage.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels.
    y_pred : array-like of shape (n_samples,)
        Predicted labels.
    score : array-like of shape (n_samples,)
        Uncertainty score, higher = more uncertain (e.g.
        ``predict_uncertainty(X).aleatoric``); finite.

    Returns
    -------
    coverage : ndarray of shape (n_thresholds,)
        Fraction of examples kept, increasing, ending at 1.
    accuracy : ndarray of shape (n_thresholds,)
        Accuracy on the kept examples.
    thresholds : ndarray of shape (n_thresholds,)
        The distinct scores, increasing: keep ``score <= thresholds[i]``.

    See Also
    --------
    select_reject_thresholds : choose a threshold on such a curve.

    Examples
    --------
    >>> from gan_ova.decisions import accuracy_coverage_curve
    >>> coverage, accuracy, thresholds = accuracy_coverage_curve(
    ...     y_true=[0, 1, 1, 0], y_pred=[0, 1, 0, 0], score=[0.1, 0.4, 0.9, 0.4])
    >>> coverage.tolist(), accuracy.tolist(), thresholds.tolist()
    ([0.25, 0.75, 1.0], [1.0, 1.0, 0.75], [0.1, 0.4, 0.9])
    """
    correct = _check_labels(y_true, y_pred)
    n = len(correct)
    score = _check_scores_array("score", score, n)
    order = np.argsort(score, kind="stable")
    s, hits = score[order], np.cumsum(correct[order])
    last = np.r_[np.flatnonzero(np.diff(s) > 0), n - 1]  # last position of each distinct score
    kept = last + 1
    return kept / n, hits[last] / kept, s[last]


def select_reject_thresholds(y_true, y_pred, *, epistemic=None, aleatoric=None, coverage=None, target_accuracy=None):
    """Choose rejection thresholds on held-out in-distribution data.

    An example is kept when each given score is ``<=`` its threshold. Pass
    ``epistemic``, ``aleatoric`` or both; the scores should come from data the
    model was not trained on (a validation split of *known* classes).

    * ``coverage=c``: the smallest thresholds that keep at least a fraction
      ``c`` of the examples (on new data of the same kind, about ``c`` are
      kept; the error is about ``sqrt(c (1 - c) / n)``).
    * ``target_accuracy=a``: the largest thresholds whose kept examples have
      accuracy ``>= a`` (keeps as much as possible). If no threshold reaches
      ``a``, a ``UserWarning`` says so and the thresholds of the best accuracy
      are used (the most examples kept among ties).
    * neither: ``coverage=0.95``.

    With both scores, the two thresholds sit at the same rank ``k`` of their
    sorted values (``t_e = e_(k)``, ``t_a = a_(k)``): each score rejects its
    own uncertain tail of the same size, and ``k`` is chosen as above. One
    parameter keeps the choice stable on small validation sets and free of the
    scores' scales.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
        True and predicted labels of the held-out examples (used for the
        accuracy; ``y_pred`` must be the model's unrejected prediction).
    epistemic, aleatoric : array-like of shape (n_samples,) or None
        Uncertainty scores, higher = more uncertain; at least one.
    coverage : float in (0, 1] or None
        Fraction of the examples to keep.
    target_accuracy : float in (0, 1] or None
        Accuracy to reach on the kept examples. At most one of ``coverage``
        and ``target_accuracy``.

    Returns
    -------
    result : sklearn.utils.Bunch
        ``epistemic_threshold`` and ``aleatoric_threshold`` (float, or None
        for a score not given), and ``coverage`` and ``accuracy``: the
        fraction kept and the accuracy on the kept examples, on these data.

    Warns
    -----
    UserWarning
        When ``target_accuracy`` is not reached at any threshold, or when tied
        scores make the kept fraction exceed ``coverage`` by more than 0.01.

    See Also
    --------
    TunedRejectClassifier : the same choice inside an estimator.
    accuracy_coverage_curve : the whole trade-off for one score.

    Examples
    --------
    >>> from gan_ova.decisions import select_reject_thresholds
    >>> y_true = [0, 0, 1, 1, 0]
    >>> y_pred = [0, 0, 1, 0, 1]                     # the last two are wrong
    >>> score = [0.1, 0.2, 0.3, 0.8, 0.9]            # ... and the most uncertain
    >>> r = select_reject_thresholds(y_true, y_pred, epistemic=score, coverage=0.6)
    >>> r.epistemic_threshold, r.coverage, r.accuracy
    (0.3, 0.6, 1.0)
    >>> r = select_reject_thresholds(y_true, y_pred, aleatoric=score, target_accuracy=0.75)
    >>> r.aleatoric_threshold, r.coverage, r.accuracy
    (0.8, 0.8, 0.75)
    """
    correct = _check_labels(y_true, y_pred)
    n = len(correct)
    coverage, target_accuracy = _check_objective(coverage, target_accuracy)
    given = {name: _check_scores_array(name, s, n) for name, s in (("epistemic", epistemic), ("aleatoric", aleatoric))
             if s is not None}
    if not given:
        raise ValueError("epistemic, aleatoric: expected at least one score array, got None for both.")

    # Level k (1..n) keeps {i : score_i <= sorted(score)[k - 1] for every given score}. Example i
    # enters at level L_i = max over scores of (number of values below score_i) + 1.
    ranked = {name: np.sort(s) for name, s in given.items()}
    entry = np.max([np.searchsorted(ranked[name], s, side="left") for name, s in given.items()], axis=0) + 1
    levels = np.unique(entry)
    order = np.argsort(entry, kind="stable")
    kept = np.searchsorted(entry[order], levels, side="right")  # examples kept at each level
    hits = np.cumsum(correct[order])[kept - 1]
    accuracy = hits / kept

    if target_accuracy is None:
        need = max(1, math.ceil(coverage * n - 1e-9))
        i = int(np.searchsorted(kept, need, side="left"))
        if (kept[i] - need) / n > 0.01:
            warn_user(
                f"coverage: no threshold keeps {coverage:g} of the {n} examples (tied scores); the smallest "
                f"that keeps at least that many keeps {kept[i] / n:.3f} of them."
            )
    else:
        reached = np.flatnonzero(accuracy >= target_accuracy - 1e-12)
        if len(reached):
            i = int(reached[-1])
        else:
            i = int(np.flatnonzero(accuracy == accuracy.max())[-1])
            warn_user(
                f"target_accuracy: {target_accuracy:g} is not reached on the {n} validation examples at any "
                f"threshold (the best accuracy is {accuracy[i]:.3f}, keeping {kept[i] / n:.1%} of them); using "
                "the thresholds of that best accuracy. Lower target_accuracy, or use coverage."
            )
    level = int(levels[i])
    thresholds = {name: float(ranked[name][level - 1]) if name in given else None for name in ("epistemic", "aleatoric")}
    return Bunch(
        epistemic_threshold=thresholds["epistemic"],
        aleatoric_threshold=thresholds["aleatoric"],
        coverage=float(kept[i] / n),
        accuracy=float(accuracy[i]),
    )


# ----------------------------------------------------------------------
# estimators
# ----------------------------------------------------------------------
class _BaseRejectClassifier(ClassifierMixin, MetaEstimatorMixin, BaseEstimator):
    """Shared prediction API: ``predict`` with ``reject_label``, ``predict_reject``, pass-throughs."""

    def _thresholds(self):
        raise NotImplementedError

    def _final_estimator(self):
        return self.estimator_

    @property
    def classes_(self):
        """Class labels of the wrapped estimator (``reject_label`` is not one of them)."""
        return self._final_estimator().classes_

    def _decide(self, X):
        """One forward pass: ``(labels without rejection, rejected mask)``."""
        check_is_fitted(self)
        epistemic_threshold, aleatoric_threshold = self._thresholds()
        estimator = self._final_estimator()
        u = predict_uncertainty(estimator, X)
        proba = u.get("proba")
        classes = np.asarray(estimator.classes_)
        y_pred = classes[np.argmax(proba, axis=1)] if proba is not None else np.asarray(estimator.predict(X))
        rejected = np.zeros(len(y_pred), dtype=bool)
        if epistemic_threshold is not None:
            rejected |= np.asarray(u.epistemic) > epistemic_threshold
        if aleatoric_threshold is not None:
            rejected |= np.asarray(u.aleatoric) > aleatoric_threshold
        return y_pred, rejected

    def predict(self, X):
        """Class labels, with ``reject_label`` where the model abstains.

        Parameters
        ----------
        X : array-like
            Input of the wrapped estimator.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            A class from ``classes_``, or ``reject_label`` for rejected
            examples. The dtype holds both (string classes widen to fit a
            longer ``reject_label``). ``y_pred == reject_label`` equals
            :meth:`predict_reject`.
        """
        check_is_fitted(self)
        _check_reject_label(self.reject_label, self.classes_)
        y_pred, rejected = self._decide(X)
        out = y_pred.astype(_label_dtype(self.classes_, self.reject_label))
        out[rejected] = self.reject_label
        return out

    def predict_reject(self, X):
        """Boolean mask of the examples the model abstains on.

        Parameters
        ----------
        X : array-like
            Input of the wrapped estimator.

        Returns
        -------
        rejected : ndarray of bool, shape (n_samples,)
            True where a used score is above its threshold.
        """
        return self._decide(X)[1]

    def predict_proba(self, X):
        """Class probabilities of the wrapped estimator (no rejection column).

        Parameters
        ----------
        X : array-like

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self)
        return self._final_estimator().predict_proba(X)

    def predict_uncertainty(self, X):
        """Aleatoric and epistemic uncertainty of the wrapped estimator (see :func:`gan_ova.predict_uncertainty`).

        Parameters
        ----------
        X : array-like

        Returns
        -------
        result : sklearn.utils.Bunch
        """
        check_is_fitted(self)
        return predict_uncertainty(self._final_estimator(), X)

    def _copy_feature_attrs(self):
        for name in ("n_features_in_", "feature_names_in_"):
            if hasattr(self.estimator_, name):
                setattr(self, name, getattr(self.estimator_, name))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        try:
            inner = get_tags(self.estimator)
        except Exception:  # noqa: BLE001 - a third-party estimator without tags
            return tags
        tags.input_tags = inner.input_tags
        tags.non_deterministic = inner.non_deterministic
        return tags


class FixedRejectClassifier(_BaseRejectClassifier):
    """Predict with abstention: reject examples whose uncertainty is above fixed thresholds.

    The analogue of scikit-learn's
    :class:`~sklearn.model_selection.FixedThresholdClassifier` for the reject
    option. An example is rejected when its epistemic uncertainty is above
    ``epistemic_threshold`` or its aleatoric uncertainty is above
    ``aleatoric_threshold`` (a threshold of None is not used);
    :meth:`predict` then returns ``reject_label``. To choose the thresholds
    from data, use :class:`TunedRejectClassifier`.

    Like ``FixedThresholdClassifier``, an already fitted ``estimator`` can be
    used at once (no call to :meth:`fit`); :meth:`fit` fits a clone of it,
    unless it is wrapped in :class:`~sklearn.frozen.FrozenEstimator`.

    Parameters
    ----------
    estimator : estimator
        A gan_ova estimator (:class:`~gan_ova.GANShieldedOvAClassifier` or a
        baseline from :mod:`gan_ova.baselines`), or a ``Pipeline`` ending in
        one; fitted or not.
    epistemic_threshold : float or None, default=None
        Reject when ``epistemic > epistemic_threshold`` (out-of-distribution).
    aleatoric_threshold : float or None, default=None
        Reject when ``aleatoric > aleatoric_threshold`` (ambiguous between
        known classes).
    reject_label : int, float or str, default=-1
        Label :meth:`predict` returns for rejected examples: of the classes'
        type (a str for string classes) and not one of the classes.

    Attributes
    ----------
    estimator_ : estimator
        The fitted clone (after :meth:`fit`).
    classes_ : ndarray of shape (n_classes,)
        Class labels of the wrapped estimator.
    n_features_in_ : int
        Copied from ``estimator_`` when it has it.

    See Also
    --------
    TunedRejectClassifier : thresholds chosen on held-out data.
    gan_ova.decisions.select_reject_thresholds : the choice as a function.

    Examples
    --------
    >>> from sklearn.datasets import make_blobs
    >>> from gan_ova.baselines import SoftmaxClassifier
    >>> from gan_ova.decisions import FixedRejectClassifier
    >>> X, y = make_blobs(n_samples=120, centers=[[-3, 0], [3, 0]], random_state=0)
    >>> clf = FixedRejectClassifier(SoftmaxClassifier(max_epochs=40, batch_size=48, random_state=0),
    ...                             aleatoric_threshold=0.5).fit(X, y)
    >>> clf.predict([[-3, 0], [0, 0]])               # the midpoint is ambiguous
    array([ 0, -1])
    >>> clf.predict_reject([[-3, 0], [0, 0]])
    array([False,  True])
    """

    def __init__(self, estimator, *, epistemic_threshold=None, aleatoric_threshold=None, reject_label=-1):
        self.estimator = estimator
        self.epistemic_threshold = epistemic_threshold
        self.aleatoric_threshold = aleatoric_threshold
        self.reject_label = reject_label

    def _thresholds(self):
        _check_threshold("epistemic_threshold", self.epistemic_threshold)
        _check_threshold("aleatoric_threshold", self.aleatoric_threshold)
        return self.epistemic_threshold, self.aleatoric_threshold

    def _final_estimator(self):
        estimator = self.__dict__.get("estimator_")
        return estimator if estimator is not None else self.estimator

    @property
    def classes_(self):
        """Class labels of the wrapped estimator (``reject_label`` is not one of them)."""
        try:
            check_is_fitted(self)
        except NotFittedError as exc:
            raise AttributeError("classes_: the wrapped estimator is not fitted yet.") from exc
        return self._final_estimator().classes_

    def __sklearn_is_fitted__(self):
        if "estimator_" in self.__dict__:
            return True
        try:
            check_is_fitted(self.estimator)
        except (NotFittedError, TypeError):
            return False
        return True

    def fit(self, X, y):
        """Fit a clone of ``estimator`` (a no-op for a ``FrozenEstimator``).

        Parameters
        ----------
        X : array-like
            Training input of the wrapped estimator.
        y : array-like of shape (n_samples,)
            Class labels.

        Returns
        -------
        self
        """
        self._thresholds()
        _check_has_uncertainty(self.estimator)
        _check_reject_label(self.reject_label, np.unique(_check_y("FixedRejectClassifier", y, warn=False)))
        estimator = clone(self.estimator).fit(X, y)
        _check_reject_label(self.reject_label, estimator.classes_)
        self.estimator_ = estimator
        self._copy_feature_attrs()
        return self


class TunedRejectClassifier(_BaseRejectClassifier):
    """Predict with abstention, thresholds chosen on held-out in-distribution data.

    The analogue of scikit-learn's
    :class:`~sklearn.model_selection.TunedThresholdClassifierCV` for the
    reject option. :meth:`fit` holds out a stratified fraction ``cv`` of the
    training data, fits ``estimator`` on the rest, and chooses the
    threshold(s) on the held-out part with :func:`select_reject_thresholds`:

    * ``coverage=c`` keeps a fraction ``c`` of known inputs (on data like the
      training data; a rejection rate ``1 - c`` on known inputs is the price
      for catching unknown ones);
    * ``target_accuracy=a`` keeps as many inputs as possible while the
      accuracy on the kept held-out inputs is ``>= a`` (warns and uses the
      best accuracy when ``a`` is not reached);
    * ``uncertainty`` says what is rejected: ``"epistemic"`` (out-of-distribution
      inputs), ``"aleatoric"`` (inputs ambiguous between known classes) or
      ``"both"`` (either).

    :meth:`predict` returns ``reject_label`` for rejected inputs;
    :meth:`predict_reject` returns the mask.

    Parameters
    ----------
    estimator : estimator
        A gan_ova estimator (:class:`~gan_ova.GANShieldedOvAClassifier` or a
        baseline from :mod:`gan_ova.baselines`), or a ``Pipeline`` ending in
        one. Fitted only with ``cv="prefit"``.
    uncertainty : {"epistemic", "aleatoric", "both"}, default="epistemic"
        The uncertainty (or both) to threshold.
    coverage : float in (0, 1] or None, default=None
        Fraction of held-out known inputs to keep. None: 0.95, unless
        ``target_accuracy`` is set.
    target_accuracy : float in (0, 1] or None, default=None
        Accuracy to reach on the kept held-out inputs (instead of
        ``coverage``; at most one of the two).
    cv : float in (0, 1), "prefit" or splitter, default=0.2
        Float: the fraction of ``(X, y)`` held out (stratified) for the
        thresholds. ``"prefit"``: ``estimator`` is already fitted and all of
        ``(X, y)`` is held-out data (never the training data!). A splitter or
        an iterable of one ``(train, validation)`` index pair (e.g.
        ``PredefinedSplit``) also works.
    refit : bool, default=False
        False: keep the model fitted without the held-out part, the one the
        thresholds were chosen for. True: refit ``estimator`` on all of
        ``(X, y)`` afterwards and reuse the thresholds -- the refitted model's
        scores can be distributed differently (another seed, more data), so
        the coverage is no longer guaranteed. Must be False with
        ``cv="prefit"``.
    random_state : int, RandomState or None, default=None
        Seed of the held-out split (float ``cv``).
    reject_label : int, float or str, default=-1
        Label :meth:`predict` returns for rejected inputs: of the classes' type
        (a str for string classes) and not one of the classes.

    Attributes
    ----------
    estimator_ : estimator
        The fitted model used for prediction.
    classes_ : ndarray of shape (n_classes,)
        Class labels (``reject_label`` is not one of them).
    epistemic_threshold_ : float or None
        Rejection threshold on the epistemic uncertainty (None if not used).
    aleatoric_threshold_ : float or None
        Rejection threshold on the aleatoric uncertainty (None if not used).
    validation_coverage_ : float
        Fraction of the held-out inputs kept by the thresholds.
    validation_accuracy_ : float
        Accuracy on the kept held-out inputs.
    n_validation_ : int
        Number of held-out inputs.
    n_features_in_ : int
        Copied from ``estimator_`` when it has it.

    See Also
    --------
    FixedRejectClassifier : thresholds given by hand.
    select_reject_thresholds : the threshold choice as a function.

    Notes
    -----
    The thresholds are quantiles of a finite sample: on new known inputs the
    kept fraction varies around ``coverage`` by about
    ``sqrt(c (1 - c) / n_validation_)`` (0.015 for ``c = 0.95`` and 200
    held-out inputs). :meth:`score` is the inherited
    :meth:`~sklearn.base.ClassifierMixin.score`: accuracy with every rejection
    counted as an error.

    Examples
    --------
    >>> import numpy as np
    >>> from gan_ova import GANShieldedOvAClassifier
    >>> from gan_ova.datasets import load_digits_images, split_classes
    >>> from gan_ova.decisions import TunedRejectClassifier
    >>> X, y = load_digits_images()
    >>> X_in, y_in, X_out, _ = split_classes(X, y, "0-4")   # 5-9: never seen in training
    >>> uqgan = GANShieldedOvAClassifier(cae_max_epochs=2, max_epochs=2, latent_dim=8, noise_dim=8,
    ...                                  generator_hidden=(32,), critic_hidden=(32,), random_state=0)
    >>> clf = TunedRejectClassifier(uqgan, coverage=0.9, random_state=0).fit(X_in[:500], y_in[:500])
    >>> clf.validation_coverage_
    0.9
    >>> rejected_known = clf.predict_reject(X_in[500:]).mean()
    >>> rejected_unknown = (clf.predict(X_out) == -1).mean()
    >>> bool(rejected_unknown > rejected_known)
    True
    """

    def __init__(
        self,
        estimator,
        *,
        uncertainty="epistemic",
        coverage=None,
        target_accuracy=None,
        cv=0.2,
        refit=False,
        random_state=None,
        reject_label=-1,
    ):
        self.estimator = estimator
        self.uncertainty = uncertainty
        self.coverage = coverage
        self.target_accuracy = target_accuracy
        self.cv = cv
        self.refit = refit
        self.random_state = random_state
        self.reject_label = reject_label

    def _thresholds(self):
        return self.epistemic_threshold_, self.aleatoric_threshold_

    def _split(self, X, y):
        """``(train, validation)`` indices, or None for ``cv="prefit"``."""
        cv = self.cv
        if isinstance(cv, str) and cv == "prefit":
            return None
        if _is_real(cv) and not isinstance(cv, numbers.Integral):
            if not (np.isfinite(cv) and 0 < cv < 1):
                raise ValueError(f"cv: expected a fraction in (0, 1), 'prefit' or a splitter with one split, got {cv!r}.")
            splitter = StratifiedShuffleSplit(n_splits=1, test_size=cv, random_state=self.random_state)
        else:
            try:
                splitter = check_cv(cv, y, classifier=True)
            except (TypeError, ValueError) as exc:
                raise ValueError(
                    f"cv: expected a fraction in (0, 1), 'prefit' or a splitter with one split, got {cv!r}."
                ) from exc
            n_splits = splitter.get_n_splits(X, y)
            if n_splits != 1:
                raise ValueError(
                    "cv: expected a fraction in (0, 1), 'prefit' or a splitter with one split, "
                    f"got {cv!r} with {n_splits} splits (the thresholds are chosen for one fitted model)."
                )
        return next(iter(splitter.split(X, y)))

    def fit(self, X, y):
        """Fit ``estimator`` on part of the data and choose the thresholds on the rest.

        Parameters
        ----------
        X : array-like
            Training input of the wrapped estimator, known classes only (with
            ``cv="prefit"``: held-out input the estimator was not trained on).
        y : array-like of shape (n_samples,)
            Class labels.

        Returns
        -------
        self

        Warns
        -----
        UserWarning
            When ``target_accuracy`` is not reached on the held-out data (see
            :func:`select_reject_thresholds`).
        """
        _check_uncertainty(self.uncertainty)
        _check_objective(self.coverage, self.target_accuracy)
        if not isinstance(self.refit, (bool, np.bool_)):
            raise ValueError(f"refit: expected True or False, got {self.refit!r}.")
        _check_has_uncertainty(self.estimator)
        y = _check_y("TunedRejectClassifier", y, warn=True)
        X, y = indexable(X, y)
        _check_reject_label(self.reject_label, np.unique(y))

        split = self._split(X, y)
        if split is None:
            if self.refit:
                raise ValueError("refit: expected False with cv='prefit' (a prefit estimator is not refitted), got True.")
            try:
                check_is_fitted(self.estimator)
            except NotFittedError as exc:
                raise NotFittedError(
                    f"estimator: expected a fitted estimator with cv='prefit', got an unfitted "
                    f"{describe_estimator(self.estimator)}; fit it first, or use cv=0.2."
                ) from exc
            model, X_val, y_val = self.estimator, X, y
        else:
            train, val = split
            model = clone(self.estimator).fit(_safe_indexing(X, train), y[train])
            X_val, y_val = _safe_indexing(X, val), y[val]

        _check_reject_label(self.reject_label, model.classes_)
        u = predict_uncertainty(model, X_val)
        y_pred = np.asarray(model.classes_)[np.argmax(u.proba, axis=1)] if "proba" in u else model.predict(X_val)
        scores = {name: u[name] for name in ("epistemic", "aleatoric") if self.uncertainty in (name, "both")}
        chosen = select_reject_thresholds(
            y_val, y_pred, coverage=self.coverage, target_accuracy=self.target_accuracy, **scores
        )
        if self.refit:
            model = clone(self.estimator).fit(X, y)
        self.estimator_ = model
        self.epistemic_threshold_ = chosen.epistemic_threshold
        self.aleatoric_threshold_ = chosen.aleatoric_threshold
        self.validation_coverage_ = chosen.coverage
        self.validation_accuracy_ = chosen.accuracy
        self.n_validation_ = len(y_val)
        self._copy_feature_attrs()
        return self
