"""How well an uncertainty score detects: ROC curves and score histograms in and out of distribution."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from sklearn.metrics import roc_auc_score, roc_curve

from .._validation import check_choice, check_number, check_ood_sets, check_scores_1d
from ._common import check_fitted, check_labels, display_repr, new_axes, uncertainty_scores

__all__ = [
    "plot_roc_curves",
    "plot_ood_roc",
    "plot_fp_roc",
    "plot_score_histograms",
    "RocCurvesDisplay",
    "ScoreHistogramsDisplay",
]


# ---------------------------------------------------------------------------
# ROC curves
# ---------------------------------------------------------------------------
def plot_roc_curves(scores_by_name, ax=None, title=None):
    """ROC curves of one or more detection problems, with AUROC in the legend.

    Parameters
    ----------
    scores_by_name : dict of str -> (array-like, array-like)
        For each curve a pair ``(scores_negative, scores_positive)``: the
        scores of the negative and positive examples (higher = more likely
        positive).
    ax : matplotlib Axes, optional
        Where to draw; a new figure when None.
    title : str, optional
        Axes title.

    Returns
    -------
    matplotlib.axes.Axes
        One line per curve, plus the chance diagonal (``gid="chance"``).

    Raises
    ------
    ValueError
        If ``scores_by_name`` is empty or not a mapping of pairs of
        non-empty, finite 1-D score arrays.

    Examples
    --------
    >>> from gan_ova.plotting import plot_roc_curves
    >>> ax = plot_roc_curves({"toy": ([0.1, 0.2, 0.6], [0.5, 0.9])})
    >>> ax.get_legend().get_texts()[0].get_text()
    'toy (AUROC = 0.833)'

    See Also
    --------
    RocCurvesDisplay : the curves, computed and drawn separately.
    """
    return RocCurvesDisplay.from_scores(scores_by_name, title=title).plot(ax=ax).ax_


def plot_ood_roc(estimator, X_in, ood_sets, ax=None):
    """ROC curves of out-of-distribution detection with the epistemic score.

    In-distribution examples ``X_in`` are the negatives, each OoD set's
    examples the positives; the score is
    ``estimator.predict_uncertainty(X).epistemic``.

    Parameters
    ----------
    estimator : fitted classifier
        Provides ``predict_uncertainty``.
    X_in : array-like
        In-distribution test inputs.
    ood_sets : dict of str -> array-like, or list of (str, array-like)
        Out-of-distribution sets by name (``"pooled"`` is reserved).
    ax : matplotlib Axes, optional
        Where to draw; a new figure when None.

    Returns
    -------
    matplotlib.axes.Axes
        One curve per OoD set, plus a ``"pooled"`` curve of all sets
        together when there are two or more.

    Raises
    ------
    ValueError
        If ``ood_sets`` is empty or malformed.

    Examples
    --------
    >>> from gan_ova.plotting import plot_ood_roc
    >>> from gan_ova.datasets import make_noise_images
    >>> noise = make_noise_images(200, shape=(1, 8, 8), random_state=0)
    >>> ax = plot_ood_roc(clf, X_test, {"digits 5-9": X_out, "noise": noise})  # doctest: +SKIP

    See Also
    --------
    RocCurvesDisplay.from_ood_sets : the curves, computed and drawn separately.
    """
    return RocCurvesDisplay.from_ood_sets(estimator, X_in, ood_sets).plot(ax=ax).ax_


def plot_fp_roc(estimator, X, y, ax=None):
    """ROC curve of misclassification detection with the aleatoric score.

    Misclassified examples (``predict(X) != y``) are the positives, correct
    ones the negatives; the score is
    ``estimator.predict_uncertainty(X).aleatoric``.

    Parameters
    ----------
    estimator : fitted classifier
        Provides ``classes_`` and ``predict_uncertainty`` (with ``proba``).
    X : array-like
        Test inputs.
    y : array-like of shape (n,)
        True labels, values from ``estimator.classes_``.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when None.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ValueError
        If ``y`` holds unknown labels or has the wrong length, or if every
        prediction is correct (or every one wrong): the curve is then
        undefined.

    Examples
    --------
    >>> from gan_ova.plotting import plot_fp_roc
    >>> ax = plot_fp_roc(clf, X_test, y_test)  # doctest: +SKIP

    See Also
    --------
    RocCurvesDisplay.from_misclassifications : the curve, computed and drawn separately.
    """
    return RocCurvesDisplay.from_misclassifications(estimator, X, y).plot(ax=ax).ax_


def _score_pair(name, pair):
    """Check one ``(scores_negative, scores_positive)`` entry; return (labels 0/1, scores)."""
    if not (isinstance(pair, (tuple, list)) and len(pair) == 2):
        raise ValueError(
            f"scores_by_name[{name!r}]: expected a pair (scores_negative, scores_positive), "
            f"got {type(pair).__name__}" + (f" of length {len(pair)}." if isinstance(pair, (tuple, list)) else ".")
        )
    neg = check_scores_1d(f"scores_by_name[{name!r}][0]", pair[0])
    pos = check_scores_1d(f"scores_by_name[{name!r}][1]", pair[1])
    return np.r_[np.zeros(len(neg)), np.ones(len(pos))], np.r_[neg, pos]


class RocCurvesDisplay:
    """ROC curves of one or more detection problems, with their AUROC.

    Computed by :meth:`from_scores`, :meth:`from_ood_sets` or
    :meth:`from_misclassifications`, drawn by :meth:`plot`;
    :func:`plot_roc_curves`, :func:`plot_ood_roc` and :func:`plot_fp_roc` do
    both.

    Parameters
    ----------
    names : list of str
        One name per curve (a curve named ``"pooled"`` is drawn dashed black).
    fpr, tpr : list of ndarray
        False and true positive rates of each curve, as
        :func:`sklearn.metrics.roc_curve` returns them.
    roc_auc : list of float
        Area under each curve.
    title : str, optional
        Axes title.

    Attributes
    ----------
    names, fpr, tpr, roc_auc, title
        The parameters.
    ax_ : matplotlib Axes
        Set by :meth:`plot`.
    figure_ : matplotlib Figure
        Set by :meth:`plot`.

    See Also
    --------
    plot_roc_curves, plot_ood_roc, plot_fp_roc : compute and draw in one call.

    Examples
    --------
    >>> from gan_ova.plotting import RocCurvesDisplay
    >>> display = RocCurvesDisplay.from_scores({"toy": ([0.1, 0.2, 0.6], [0.5, 0.9])})
    >>> round(display.roc_auc[0], 3)
    0.833
    >>> display.fpr[0], display.tpr[0]
    (array([0.        , 0.        , 0.33333333, 0.33333333, 1.        ]), array([0. , 0.5, 0.5, 1. , 1. ]))
    >>> display.plot().ax_.get_legend().get_texts()[0].get_text()
    'toy (AUROC = 0.833)'
    """

    def __init__(self, *, names, fpr, tpr, roc_auc, title=None):
        self.names = [str(n) for n in names]
        self.fpr = [np.asarray(v, dtype=float) for v in fpr]
        self.tpr = [np.asarray(v, dtype=float) for v in tpr]
        self.roc_auc = [float(v) for v in roc_auc]
        self.title = title

    __repr__ = display_repr

    @classmethod
    def from_scores(cls, scores_by_name, title=None):
        """ROC curves from the scores of negative and positive examples.

        Parameters
        ----------
        scores_by_name : dict of str -> (array-like, array-like)
            For each curve a pair ``(scores_negative, scores_positive)``
            (higher = more likely positive).
        title : str, optional
            Axes title.

        Returns
        -------
        RocCurvesDisplay
            Not yet drawn; call :meth:`plot`.
        """
        if not isinstance(scores_by_name, Mapping) or len(scores_by_name) == 0:
            raise ValueError(
                "scores_by_name: expected a non-empty dict name -> (scores_negative, scores_positive), "
                f"got {type(scores_by_name).__name__}"
                + (" of length 0." if isinstance(scores_by_name, Mapping) else ".")
            )
        names, fprs, tprs, aucs = [], [], [], []
        for name, pair in scores_by_name.items():
            labels, scores = _score_pair(name, pair)
            fpr, tpr, _ = roc_curve(labels, scores)
            names.append(name)
            fprs.append(fpr)
            tprs.append(tpr)
            aucs.append(roc_auc_score(labels, scores))
        return cls(names=names, fpr=fprs, tpr=tprs, roc_auc=aucs, title=title)

    @classmethod
    def from_ood_sets(cls, estimator, X_in, ood_sets):
        """OoD detection with the epistemic score: ``X_in`` negative, each OoD set positive.

        Parameters
        ----------
        estimator : fitted classifier
            Provides ``predict_uncertainty``.
        X_in : array-like
            In-distribution test inputs.
        ood_sets : dict of str -> array-like, or list of (str, array-like)
            Out-of-distribution sets by name (``"pooled"`` is reserved); with
            two or more, a ``"pooled"`` curve of all sets together is added.

        Returns
        -------
        RocCurvesDisplay
            Not yet drawn; call :meth:`plot`.
        """
        items = check_ood_sets(ood_sets, allow_empty=False)
        check_fitted(estimator)
        e_in = uncertainty_scores(estimator, X_in, "epistemic", "X_in")
        curves = {}
        for name, X_out in items:
            curves[name] = (e_in, uncertainty_scores(estimator, X_out, "epistemic", f"ood_sets[{name!r}]"))
        if len(items) > 1:
            curves["pooled"] = (e_in, np.concatenate([pos for _, pos in curves.values()]))
        return cls.from_scores(curves, title="OoD detection (epistemic uncertainty)")

    @classmethod
    def from_misclassifications(cls, estimator, X, y):
        """Misclassification detection with the aleatoric score: wrong predictions positive.

        Parameters
        ----------
        estimator : fitted classifier
            Provides ``classes_`` and ``predict_uncertainty`` (with ``proba``).
        X : array-like
            Test inputs.
        y : array-like of shape (n,)
            True labels, values from ``estimator.classes_``.

        Returns
        -------
        RocCurvesDisplay
            Not yet drawn; call :meth:`plot`.
        """
        check_fitted(estimator)
        u = estimator.predict_uncertainty(X)
        proba = np.asarray(u["proba"], dtype=float)
        classes = np.asarray(estimator.classes_)
        y = check_labels("y", y, len(proba), classes)
        wrong = classes[proba.argmax(axis=1)] != y
        if wrong.all() or not wrong.any():
            raise ValueError(
                "y: expected both correct and wrong predictions (misclassification detection is undefined "
                f"otherwise), got {'every' if wrong.all() else 'no'} prediction wrong; "
                "use a larger or harder test set."
            )
        ale = check_scores_1d("aleatoric score", u["aleatoric"])
        return cls.from_scores(
            {f"misclassified ({int(wrong.sum())}) vs correct ({int((~wrong).sum())})": (ale[~wrong], ale[wrong])},
            title=f"Misclassification detection (aleatoric), accuracy {np.mean(~wrong):.3f}",
        )

    def plot(self, ax=None):
        """Draw the chance diagonal (``gid="chance"``) and one line per curve, AUROC in the legend.

        Parameters
        ----------
        ax : matplotlib Axes, optional
            Where to draw; a new figure when None.

        Returns
        -------
        RocCurvesDisplay
            ``self``, with ``ax_`` and ``figure_`` set.
        """
        ax = new_axes(ax, figsize=(5.2, 5.0))
        ax.plot([0, 1], [0, 1], linestyle=":", color="0.5", linewidth=1.0, gid="chance")
        for name, fpr, tpr, auc in zip(self.names, self.fpr, self.tpr, self.roc_auc):
            style = {"color": "black", "linestyle": "--"} if name == "pooled" else {}
            ax.plot(fpr, tpr, linewidth=1.6, label=f"{name} (AUROC = {auc:.3f})", **style)
        ax.set_xlim(-0.01, 1.01)
        ax.set_ylim(-0.01, 1.01)
        ax.set_aspect("equal")
        ax.set_xlabel("false positive rate")
        ax.set_ylabel("true positive rate")
        if self.title is not None:
            ax.set_title(self.title)
        ax.legend(loc="lower right", fontsize="small")
        self.ax_, self.figure_ = ax, ax.figure
        return self


# ---------------------------------------------------------------------------
# score histograms
# ---------------------------------------------------------------------------
def plot_score_histograms(estimator, X_in, ood_sets, score="epistemic", bins=30, ax=None):
    """Overlaid density histograms of an uncertainty score in- and out-of-distribution.

    Parameters
    ----------
    estimator : fitted classifier
        Provides ``predict_uncertainty``.
    X_in : array-like
        In-distribution inputs.
    ood_sets : dict of str -> array-like, list of (str, array-like), or None
        Out-of-distribution sets by name; None or empty draws only ``X_in``.
    score : {"epistemic", "aleatoric"}, default="epistemic"
        The field of ``predict_uncertainty`` to histogram.
    bins : int, default=30
        Number of bins, shared by all sets, over the range of all scores.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when None.

    Returns
    -------
    matplotlib.axes.Axes
        One filled histogram patch per set (in-distribution first).

    Raises
    ------
    ValueError
        On an unknown ``score``, a bad ``bins`` or malformed ``ood_sets``.

    Examples
    --------
    >>> from gan_ova.plotting import plot_score_histograms
    >>> ax = plot_score_histograms(clf, X_test, {"digits 5-9": X_out})  # doctest: +SKIP

    See Also
    --------
    ScoreHistogramsDisplay : the densities, computed and drawn separately.
    """
    display = ScoreHistogramsDisplay.from_estimator(estimator, X_in, ood_sets, score=score, bins=bins)
    return display.plot(ax=ax).ax_


class ScoreHistogramsDisplay:
    """Densities of an uncertainty score in several data sets, on shared bins.

    Computed by :meth:`from_estimator` or :meth:`from_scores`, drawn by
    :meth:`plot`; :func:`plot_score_histograms` does both.

    Parameters
    ----------
    names : list of str
        One name per data set (the first one drawn grey, the others in colour).
    scores : list of ndarray
        The scores of each set.
    bin_edges : ndarray of shape (n_bins + 1,)
        Bins shared by all sets.
    densities : list of ndarray of shape (n_bins,)
        Density histogram of each set (integrates to 1).
    score : str, default="epistemic"
        Which uncertainty the scores are (axis labels).

    Attributes
    ----------
    names, scores, bin_edges, densities, score
        The parameters.
    ax_ : matplotlib Axes
        Set by :meth:`plot`.
    figure_ : matplotlib Figure
        Set by :meth:`plot`.

    See Also
    --------
    plot_score_histograms : compute and draw in one call.

    Examples
    --------
    >>> from gan_ova.plotting import ScoreHistogramsDisplay
    >>> display = ScoreHistogramsDisplay.from_scores(
    ...     {"in-distribution": [0.1, 0.2, 0.2, 0.3], "noise": [0.8, 0.85]}, bins=4)
    >>> display.bin_edges
    array([0.1   , 0.2875, 0.475 , 0.6625, 0.85  ])
    >>> display.densities[1]
    array([0.        , 0.        , 0.        , 5.33333333])
    >>> len(display.plot().ax_.patches)
    2
    """

    def __init__(self, *, names, scores, bin_edges, densities, score="epistemic"):
        self.names = [str(n) for n in names]
        self.scores = [np.asarray(v, dtype=float) for v in scores]
        self.bin_edges = np.asarray(bin_edges, dtype=float)
        self.densities = [np.asarray(v, dtype=float) for v in densities]
        self.score = score

    __repr__ = display_repr

    @classmethod
    def from_scores(cls, scores_by_name, score="epistemic", bins=30):
        """Density histograms of given scores over the range of all of them.

        Parameters
        ----------
        scores_by_name : dict of str -> array-like
            The scores of each set, in drawing order.
        score : {"epistemic", "aleatoric"}, default="epistemic"
            Which uncertainty the scores are.
        bins : int, default=30
            Number of bins (1 to 10000), shared by all sets.

        Returns
        -------
        ScoreHistogramsDisplay
            Not yet drawn; call :meth:`plot`.
        """
        cls._check_options(score, bins)
        if not isinstance(scores_by_name, Mapping) or len(scores_by_name) == 0:
            raise ValueError(f"scores_by_name: expected a non-empty dict name -> scores, got {scores_by_name!r}.")
        names = list(scores_by_name)
        scores = [check_scores_1d(f"scores_by_name[{name!r}]", v) for name, v in scores_by_name.items()]
        return cls._binned(names, scores, score, bins)

    @staticmethod
    def _check_options(score, bins):
        """Check the ``score`` and ``bins`` arguments of both constructors."""
        check_choice("score", score, ("epistemic", "aleatoric"))
        check_number("bins", bins, low=1, high=10_000, integer=True)

    @classmethod
    def _binned(cls, names, scores, score, bins):
        """The Display of checked score arrays on ``bins`` shared bins over their joint range."""
        all_scores = np.concatenate(scores)
        lo, hi = float(all_scores.min()), float(all_scores.max())
        if hi - lo < 1e-9:
            lo, hi = lo - 0.01, hi + 0.01
        edges = np.linspace(lo, hi, bins + 1)
        densities = [np.histogram(v, bins=edges, density=True)[0] for v in scores]
        return cls(names=names, scores=scores, bin_edges=edges, densities=densities, score=score)

    @classmethod
    def from_estimator(cls, estimator, X_in, ood_sets, score="epistemic", bins=30):
        """A model's uncertainty score on in-distribution data and each OoD set.

        Parameters
        ----------
        estimator : fitted classifier
            Provides ``predict_uncertainty``.
        X_in : array-like
            In-distribution inputs (the set named ``"in-distribution"``).
        ood_sets : dict of str -> array-like, list of (str, array-like), or None
            Out-of-distribution sets by name; None or empty keeps only ``X_in``.
        score : {"epistemic", "aleatoric"}, default="epistemic"
            The field of ``predict_uncertainty`` to histogram.
        bins : int, default=30
            Number of bins, shared by all sets, over the range of all scores.

        Returns
        -------
        ScoreHistogramsDisplay
            Not yet drawn; call :meth:`plot`.
        """
        cls._check_options(score, bins)
        items = check_ood_sets(ood_sets)
        check_fitted(estimator)
        names = ["in-distribution"] + [name for name, _ in items]
        scores = [uncertainty_scores(estimator, X_in, score, "X_in")]
        scores += [uncertainty_scores(estimator, X_out, score, f"ood_sets[{name!r}]") for name, X_out in items]
        return cls._binned(names, scores, score, bins)

    def plot(self, ax=None):
        """Draw one filled step histogram per set, the sample size in the legend.

        Parameters
        ----------
        ax : matplotlib Axes, optional
            Where to draw; a new figure when None.

        Returns
        -------
        ScoreHistogramsDisplay
            ``self``, with ``ax_`` and ``figure_`` set; one patch per set.
        """
        ax = new_axes(ax, figsize=(6.4, 4.2))
        colors = ["0.35"] + [f"C{i % 10}" for i in range(len(self.names) - 1)]
        for name, s, density, color in zip(self.names, self.scores, self.densities, colors):
            ax.hist(self.bin_edges[:-1], bins=self.bin_edges, weights=density, histtype="stepfilled", alpha=0.35,
                    facecolor=color, edgecolor=color, linewidth=1.5, label=f"{name} (n={len(s)})")
        ax.set_xlabel(f"{self.score} uncertainty")
        ax.set_ylabel("density")
        ax.set_title(f"{self.score.capitalize()} uncertainty by data set")
        ax.legend(fontsize="small")
        self.ax_, self.figure_ = ax, ax.figure
        return self
