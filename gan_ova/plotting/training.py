"""The losses and accuracy recorded during training, one panel per series group."""

from __future__ import annotations

import math

import numpy as np
from sklearn.utils import Bunch

from ._common import check_fitted, display_repr, pyplot

__all__ = ["plot_training_curves", "TrainingCurvesDisplay"]


def _series(history, key):
    """(epochs, values) of the epochs whose history row holds ``key``; None if none does."""
    if history is None:
        return None
    epochs, values = [], []
    for i, row in enumerate(history):
        if key in row and row[key] is not None:
            epochs.append(row.get("epoch", i + 1))
            values.append(float(row[key]))
    return (np.asarray(epochs), np.asarray(values)) if epochs else None


def plot_training_curves(estimator, fig=None):
    """Losses and validation accuracy recorded during training.

    Panels (each drawn only when its history keys exist):

    * stage 1: the conditional autoencoder's train/valid reconstruction loss
      (``autoencoder_.history``; absent for feature vectors);
    * stage 2 (``shielding_net_.history``): the critic loss and the
      Wasserstein estimate; the generator loss and the angular regularizer
      (right axis); the classifier's train loss (real and generated
      negatives) and valid loss (real data);
    * the validation accuracy, with the kept epoch (``best_epoch_``) marked.

    Baselines with a single ``net_`` get the classifier and accuracy panels.

    Parameters
    ----------
    estimator : fitted GANShieldedOvAClassifier (or a baseline with ``net_``)
    fig : matplotlib Figure, optional
        An empty figure to draw into; a new one when None.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        If the estimator holds no training history.

    Examples
    --------
    >>> from gan_ova.plotting import plot_training_curves
    >>> fig = plot_training_curves(clf)  # doctest: +SKIP

    See Also
    --------
    TrainingCurvesDisplay : the history series, computed and drawn separately.
    """
    pyplot()
    return TrainingCurvesDisplay.from_estimator(estimator).plot(fig=fig).figure_


def _line(series, label, style=None):
    """A drawable line ``(epochs, values, label, style)``, or None for a missing series."""
    return None if series is None else (series[0], series[1], label, dict(style or {}))


def _panel(title, ylabel, lines, right=None):
    """A panel of the present ``lines`` (None when there are none) and an optional right-axis line."""
    lines = [line for line in lines if line is not None]
    return Bunch(title=title, ylabel=ylabel, lines=lines, right=right) if lines else None


def _stage2_panels(h, stage):
    """Critic, generator, classifier and validation-accuracy panels of a stage-2 (or single-net) history."""
    critic = _panel(stage + "critic", "loss", [_line(_series(h, "critic_loss"), "critic loss"),
                                               _line(_series(h, "wasserstein"), "Wasserstein estimate")])
    gen = _line(_series(h, "generator_loss"), "generator loss")
    reg = _line(_series(h, "regularizer"), "regularizer", {"color": "C1"})
    if gen is None:
        generator = _panel(stage + "generator", "regularizer", [reg])
    else:
        generator = _panel(stage + "generator", "generator loss", [gen], right=reg)
    train_key = "train_loss" if _series(h, "train_loss") is not None else "classifier_loss"
    classifier = _panel(stage + "classifier", "one-vs-all loss" if stage else "loss",
                        [_line(_series(h, train_key), "train"), _line(_series(h, "valid_loss"), "valid")])
    acc = _panel("validation accuracy", "accuracy", [_line(_series(h, "valid_acc"), "valid", {"color": "C2"})])
    return [critic, generator, classifier, acc]


def _history_panels(history, autoencoder_history, two_stage):
    """The panels (stage 1 autoencoder, then stage 2) of the series present in the histories."""
    ae = _panel("stage 1: autoencoder", "reconstruction loss (BCE)",
                [_line(_series(autoencoder_history, "train_loss"), "train"),
                 _line(_series(autoencoder_history, "valid_loss"), "valid")])
    return [p for p in [ae] + _stage2_panels(history, "stage 2: " if two_stage else "") if p is not None]


def _draw_curves(axis, panel, best):
    """Draw one panel's lines (and right-axis line); return the legend handles and labels."""
    for epochs, values, label, style in panel.lines:
        axis.plot(epochs, values, marker="o" if len(epochs) <= 40 else None, markersize=3, label=label, **style)
    handles, labels = axis.get_legend_handles_labels()
    if panel.right is not None:
        epochs, values, label, style = panel.right
        color = style.get("color", "C1")
        twin = axis.twinx()
        twin.plot(epochs, values, marker="s" if len(epochs) <= 40 else None, markersize=3, label=label, **style)
        twin.set_ylabel(label, color=color)
        twin.tick_params(axis="y", colors=color)
        h2, l2 = twin.get_legend_handles_labels()
        handles, labels = handles + h2, labels + l2
    if panel.title == "validation accuracy" and best is not None:
        epochs, values = panel.lines[0][:2]
        hit = np.flatnonzero(epochs == best)
        axis.axvline(best, color="0.4", linestyle="--", linewidth=1.0, label=f"kept (epoch {best})")
        if hit.size:
            axis.plot([best], [values[hit[0]]], marker="*", markersize=12, color="C3", linestyle="none")
        handles, labels = axis.get_legend_handles_labels()
    return handles, labels


def _style_panel(axis, panel, handles, labels):
    """Title, labels, integer epoch ticks, grid and (when useful) the legend of one panel."""
    from matplotlib.ticker import MaxNLocator

    if panel.title == "validation accuracy":
        axis.margins(y=0.12)
    axis.set_title(panel.title)
    axis.set_xlabel("epoch")
    axis.set_ylabel(panel.ylabel)
    axis.xaxis.set_major_locator(MaxNLocator(integer=True))
    axis.grid(alpha=0.3)
    if len(handles) > 1 or panel.title == "validation accuracy":
        axis.legend(handles, labels, fontsize="small")


class TrainingCurvesDisplay:
    """The loss and accuracy series recorded during training, grouped into panels.

    Computed by :meth:`from_estimator` or :meth:`from_history`, drawn by
    :meth:`plot`; :func:`plot_training_curves` does both.

    Parameters
    ----------
    panels : list of Bunch
        One per panel, in drawing order: ``title``, ``ylabel``, ``lines`` (a
        list of ``(epochs, values, label, style)`` with ``style`` a dict of
        matplotlib line properties) and ``right`` (one such line for a
        right-hand axis, or None).
    best_epoch : int, optional
        The kept epoch, marked in the ``"validation accuracy"`` panel.

    Attributes
    ----------
    panels, best_epoch
        The parameters.
    figure_ : matplotlib Figure
        Set by :meth:`plot`.

    See Also
    --------
    plot_training_curves : compute and draw in one call.

    Examples
    --------
    From a skorch-like history, a list of one dict per epoch:

    >>> from gan_ova.plotting import TrainingCurvesDisplay
    >>> history = [{"epoch": 1, "train_loss": 0.9, "valid_loss": 1.0, "valid_acc": 0.6},
    ...            {"epoch": 2, "train_loss": 0.5, "valid_loss": 0.7, "valid_acc": 0.8}]
    >>> display = TrainingCurvesDisplay.from_history(history, best_epoch=2)
    >>> [panel.title for panel in display.panels]
    ['classifier', 'validation accuracy']
    >>> epochs, values, label, style = display.panels[0].lines[1]
    >>> epochs, values, label
    (array([1, 2]), array([1. , 0.7]), 'valid')
    >>> len(display.plot().figure_.axes)
    2
    """

    def __init__(self, *, panels, best_epoch=None):
        self.panels = list(panels)
        self.best_epoch = best_epoch

    __repr__ = display_repr

    @classmethod
    def from_history(cls, history, autoencoder_history=None, best_epoch=None, two_stage=None):
        """Panels of the series present in skorch-like histories.

        Parameters
        ----------
        history : list of dict, or None
            One row per epoch of the classifier (stage 2) network; a row's
            ``"epoch"`` (else its position, from 1) is the x value. Keys
            drawn: ``critic_loss``, ``wasserstein``, ``generator_loss``,
            ``regularizer``, ``train_loss`` (else ``classifier_loss``),
            ``valid_loss``, ``valid_acc``.
        autoencoder_history : list of dict, optional
            Stage 1 rows with ``train_loss`` / ``valid_loss``.
        best_epoch : int, optional
            The kept epoch, marked on the validation accuracy.
        two_stage : bool, optional
            Prefix the stage-2 titles with ``"stage 2: "``; by default when
            ``autoencoder_history`` is given.

        Returns
        -------
        TrainingCurvesDisplay
            Not yet drawn; call :meth:`plot`.

        Raises
        ------
        ValueError
            If neither history holds a series to draw.
        """
        two_stage = autoencoder_history is not None if two_stage is None else two_stage
        panels = _history_panels(history, autoencoder_history, two_stage)
        if not panels:
            raise ValueError(
                "history: expected a training history with at least one of the recorded series, got none."
            )
        return cls(panels=panels, best_epoch=best_epoch)

    @classmethod
    def from_estimator(cls, estimator):
        """Panels of the histories of a fitted model.

        Parameters
        ----------
        estimator : fitted GANShieldedOvAClassifier (or a baseline with ``net_``)
            Its ``autoencoder_.history`` (stage 1), ``shielding_net_.history``
            or ``net_.history`` and ``best_epoch_`` are read.

        Returns
        -------
        TrainingCurvesDisplay
            Not yet drawn; call :meth:`plot`.

        Raises
        ------
        ValueError
            If the estimator holds no training history.
        """
        check_fitted(estimator)
        ae = getattr(estimator, "autoencoder_", None)
        net = getattr(estimator, "shielding_net_", None) or getattr(estimator, "net_", None)
        h_ae, h = getattr(ae, "history", None), getattr(net, "history", None)
        two_stage = h_ae is not None or getattr(estimator, "shielding_net_", None) is not None
        panels = _history_panels(h, h_ae, two_stage)
        if not panels:
            raise ValueError(
                f"estimator: expected a training history (autoencoder_, shielding_net_ or net_ with a skorch "
                f"history), got none in {type(estimator).__name__}."
            )
        return cls(panels=panels, best_epoch=getattr(estimator, "best_epoch_", None))

    def plot(self, fig=None):
        """Draw the panels on a grid of up to three columns.

        Parameters
        ----------
        fig : matplotlib Figure, optional
            An empty figure to draw into; a new one when None.

        Returns
        -------
        TrainingCurvesDisplay
            ``self``, with ``figure_`` set.
        """
        n = len(self.panels)
        ncols = min(3, n)
        nrows = math.ceil(n / ncols)
        if fig is None:
            fig = pyplot().figure(figsize=(4.3 * ncols, 3.3 * nrows), layout="constrained")
        axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
        for axis in axes[n:]:
            axis.remove()
        for axis, panel in zip(axes, self.panels):
            handles, labels = _draw_curves(axis, panel, self.best_epoch)
            _style_panel(axis, panel, handles, labels)
        self.figure_ = fig
        return self
