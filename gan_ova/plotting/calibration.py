"""Calibration: the reliability diagram."""

from __future__ import annotations

import numpy as np

from ..metrics import reliability_bins
from ._common import display_repr, new_axes

__all__ = ["plot_reliability_diagram", "ReliabilityDiagramDisplay"]


def plot_reliability_diagram(y_true, proba, n_bins=15, ax=None):
    """Reliability diagram: accuracy per confidence bin against the diagonal.

    Confidences (top-class probabilities) are binned as in
    :func:`gan_ova.metrics.expected_calibration_error`; each bin's bar shows
    the fraction of correct predictions in it, a shaded bar the gap to the
    bin's mean confidence. A calibrated model follows the diagonal. The title
    gives the ECE.

    Parameters
    ----------
    y_true : array-like of shape (n,)
        Integer class indices ``0..K-1`` aligned with the columns of ``proba``
        (e.g. ``np.searchsorted(clf.classes_, y)``).
    proba : array-like of shape (n, K)
        Predicted class probabilities.
    n_bins : int, default=15
        Number of equal-width confidence bins.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when None.

    Returns
    -------
    matplotlib.axes.Axes
        Its first bar container holds the ``n_bins`` accuracy bars (empty
        bins have height 0).

    Raises
    ------
    ValueError
        On invalid inputs, as :func:`~gan_ova.metrics.expected_calibration_error`.

    Examples
    --------
    >>> from gan_ova.plotting import plot_reliability_diagram
    >>> proba = [[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.3, 0.7]]
    >>> ax = plot_reliability_diagram([0, 0, 0, 1], proba, n_bins=4)
    >>> ax.get_title()
    'Reliability diagram (ECE = 0.350)'

    See Also
    --------
    ReliabilityDiagramDisplay : the per-bin numbers, computed and drawn separately.
    """
    return ReliabilityDiagramDisplay.from_predictions(y_true, proba, n_bins=n_bins).plot(ax=ax).ax_


class ReliabilityDiagramDisplay:
    """Accuracy and mean confidence per confidence bin, with the ECE.

    Computed by :meth:`from_predictions` (with
    :func:`gan_ova.metrics.reliability_bins`), drawn by :meth:`plot`;
    :func:`plot_reliability_diagram` does both.

    Parameters
    ----------
    bin_edges : ndarray of shape (n_bins + 1,)
        Edges of the equal-width confidence bins over [0, 1].
    accuracy : ndarray of shape (n_bins,)
        Fraction of correct predictions per bin (NaN for an empty bin).
    confidence : ndarray of shape (n_bins,)
        Mean top-class probability per bin (NaN for an empty bin).
    counts : ndarray of shape (n_bins,)
        Examples per bin.
    ece : float
        Expected calibration error.

    Attributes
    ----------
    bin_edges, accuracy, confidence, counts, ece
        The parameters.
    ax_ : matplotlib Axes
        Set by :meth:`plot`.
    figure_ : matplotlib Figure
        Set by :meth:`plot`.

    See Also
    --------
    plot_reliability_diagram : compute and draw in one call.
    gan_ova.metrics.reliability_bins : the numbers alone.

    Examples
    --------
    >>> from gan_ova.plotting import ReliabilityDiagramDisplay
    >>> proba = [[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.3, 0.7]]
    >>> display = ReliabilityDiagramDisplay.from_predictions([0, 0, 0, 1], proba, n_bins=4)
    >>> display.accuracy, display.counts
    (array([nan, nan, 1. , 0.5]), array([0, 0, 2, 2]))
    >>> display.plot().ax_.get_title()
    'Reliability diagram (ECE = 0.350)'
    """

    def __init__(self, *, bin_edges, accuracy, confidence, counts, ece):
        self.bin_edges = np.asarray(bin_edges, dtype=float)
        self.accuracy = np.asarray(accuracy, dtype=float)
        self.confidence = np.asarray(confidence, dtype=float)
        self.counts = np.asarray(counts)
        self.ece = float(ece)

    __repr__ = display_repr

    @classmethod
    def from_predictions(cls, y_true, proba, n_bins=15):
        """Bin the top-class probabilities as :func:`~gan_ova.metrics.expected_calibration_error` does.

        Parameters
        ----------
        y_true : array-like of shape (n,)
            Integer class indices ``0..K-1`` aligned with the columns of ``proba``.
        proba : array-like of shape (n, K)
            Predicted class probabilities.
        n_bins : int, default=15
            Number of equal-width confidence bins.

        Returns
        -------
        ReliabilityDiagramDisplay
            Not yet drawn; call :meth:`plot`.
        """
        bins = reliability_bins(y_true, proba, n_bins=n_bins)
        return cls(bin_edges=bins.bin_edges, accuracy=bins.accuracy, confidence=bins.confidence,
                   counts=bins.counts, ece=bins.ece)

    def plot(self, ax=None):
        """Draw the accuracy bars, the gap to the mean confidence and the diagonal.

        Parameters
        ----------
        ax : matplotlib Axes, optional
            Where to draw; a new figure when None.

        Returns
        -------
        ReliabilityDiagramDisplay
            ``self``, with ``ax_`` and ``figure_`` set; the Axes' first bar
            container holds the accuracy bars (height 0 for empty bins).
        """
        ax = new_axes(ax, figsize=(5.0, 5.0))
        left, width = self.bin_edges[:-1], 1.0 / len(self.counts)
        acc = np.nan_to_num(self.accuracy, nan=0.0)
        used = self.counts > 0
        ax.bar(left, acc, width=width, align="edge", color="tab:blue", edgecolor="black", linewidth=0.6,
               label="accuracy")
        ax.bar(left[used], (self.confidence - acc)[used], bottom=acc[used], width=width, align="edge",
               facecolor="none", edgecolor="tab:red", linewidth=0.8, hatch="///", label="gap to mean confidence")
        ax.plot([0, 1], [0, 1], linestyle="--", color="0.3", linewidth=1.0, label="perfect calibration")
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_aspect("equal")
        ax.set_xlabel("confidence (top-class probability)")
        ax.set_ylabel("accuracy")
        ax.set_title(f"Reliability diagram (ECE = {self.ece:.3f})")
        ax.legend(loc="upper left", fontsize="small", framealpha=0.9)
        self.ax_, self.figure_ = ax, ax.figure
        return self
