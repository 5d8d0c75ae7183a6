"""Figures for fitted uncertainty-aware classifiers.

Matplotlib is optional: it is imported inside each function, and a missing
installation raises an :class:`ImportError` saying how to get it
(``pip install 'gan-ova[plot]'``).

Every function draws into the Axes (``ax``) or Figure (``fig``) it is given,
or into a new one, and returns it; none calls ``plt.show()``. Uncertainty
scores follow the convention of :mod:`gan_ova.metrics`: higher = more
uncertain / more out-of-distribution.

Functions
---------
plot_uncertainty_map
    Heat map of aleatoric and/or epistemic uncertainty of a model fitted on
    2-D feature vectors, with the training points and the generated shielding
    samples.
plot_shield_grid
    Real images of each class next to the generated out-of-class images that
    shield it.
plot_shield_diagnostics
    Where the shields sit: real codes and shields of each class in a 2-D
    projection, and the distances from shields to their class.
plot_reliability_diagram
    Accuracy per confidence bin against the diagonal, with the ECE.
plot_roc_curves, plot_ood_roc, plot_fp_roc
    ROC curves with their AUROC: generic, out-of-distribution detection from
    the epistemic score, misclassification detection from the aleatoric score.
plot_score_histograms
    Densities of an uncertainty score in- and out-of-distribution.
plot_training_curves
    The losses recorded during the two training stages.

Displays
--------
Each function computes its numbers, then draws them. Both steps are public,
modelled on scikit-learn's Display objects (e.g.
:class:`sklearn.metrics.RocCurveDisplay`): a classmethod ``from_estimator``
(or ``from_scores``, ``from_predictions``, ...) computes and returns a
Display whose attributes hold the arrays (no matplotlib needed), and its
``plot`` method draws them, sets ``ax_`` / ``figure_`` and returns the
Display. Unlike scikit-learn's, the ``from_*`` methods do not draw.

UncertaintyMapDisplay
    Grid and uncertainties of :func:`plot_uncertainty_map`.
ShieldGridDisplay
    Real and generated images of :func:`plot_shield_grid`.
ShieldDiagnosticsDisplay
    Projections and distances of :func:`plot_shield_diagnostics`.
ReliabilityDiagramDisplay
    Per-bin accuracy and confidence of :func:`plot_reliability_diagram`.
RocCurvesDisplay
    ROC curves of :func:`plot_roc_curves`, :func:`plot_ood_roc` and
    :func:`plot_fp_roc`.
ScoreHistogramsDisplay
    Score densities of :func:`plot_score_histograms`.
TrainingCurvesDisplay
    History series of :func:`plot_training_curves`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.metrics import roc_auc_score, roc_curve
from sklearn.utils import Bunch
from sklearn.utils.validation import check_is_fitted

from .._validation import check_bool, check_choice, check_number, check_ood_sets, check_scores_1d
from ..metrics import reliability_bins

__all__ = [
    "plot_uncertainty_map",
    "plot_shield_grid",
    "plot_shield_diagnostics",
    "plot_reliability_diagram",
    "plot_roc_curves",
    "plot_ood_roc",
    "plot_fp_roc",
    "plot_score_histograms",
    "plot_training_curves",
    "UncertaintyMapDisplay",
    "ShieldGridDisplay",
    "ShieldDiagnosticsDisplay",
    "ReliabilityDiagramDisplay",
    "RocCurvesDisplay",
    "ScoreHistogramsDisplay",
    "TrainingCurvesDisplay",
]

_MPL_MESSAGE = "plotting needs matplotlib: pip install 'gan-ova[plot]'"

_KIND_TITLES = {
    "epistemic": "epistemic uncertainty $1 - P_{in}(x)$",
    "aleatoric": "aleatoric uncertainty $H(P(\\cdot|x)) / \\log K$",
}


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------
def _pyplot():
    """Import and return ``matplotlib.pyplot``, or raise a helpful ImportError."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(_MPL_MESSAGE) from exc
    return plt


def _new_axes(ax, figsize=(6.0, 4.5)):
    """Return ``ax``, or the Axes of a new figure when ``ax`` is None."""
    plt = _pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def _class_colors(n):
    """``n`` distinct colours (tab10, then tab20, then a hue circle)."""
    from matplotlib import colormaps

    if n <= 10:
        return [colormaps["tab10"](i) for i in range(n)]
    if n <= 20:
        return [colormaps["tab20"](i) for i in range(n)]
    return [colormaps["hsv"](i / n) for i in range(n)]


def _fitted(estimator, name="estimator"):
    """Raise NotFittedError for an unfitted scikit-learn estimator, ValueError without ``classes_``."""
    if isinstance(estimator, BaseEstimator):
        check_is_fitted(estimator)
    if not hasattr(estimator, "classes_"):
        raise ValueError(f"{name}: expected a fitted classifier exposing classes_, got {type(estimator).__name__}.")


def _labels(name, y, n, classes):
    """Validate labels ``y`` (from ``classes``) of ``n`` examples."""
    y = np.asarray(y)
    if y.ndim != 1 or y.shape[0] != n:
        raise ValueError(f"{name}: expected a 1-D array of {n} labels (one per row of X), got shape {y.shape}.")
    unknown = ~np.isin(y, classes)
    if unknown.any():
        raise ValueError(
            f"{name}: expected labels from estimator.classes_ {np.asarray(classes).tolist()!r}, "
            f"got {y[unknown][:1].tolist()[0]!r}."
        )
    return y


def _uncertainty(estimator, X, score, what):
    u = estimator.predict_uncertainty(X)
    return check_scores_1d(f"{what} ({score} score)", u[score])


def _repr(self):
    """``ClassName(attr=..., ...)`` listing the names of a Display's computed attributes."""
    names = [k for k in vars(self) if not k.endswith("_")]
    return f"{type(self).__name__}({', '.join(names)})"


# ---------------------------------------------------------------------------
# 2-D uncertainty maps
# ---------------------------------------------------------------------------
def plot_uncertainty_map(
    estimator,
    X,
    y,
    kind="epistemic",
    resolution=200,
    padding=0.3,
    show_shields=True,
    n_shields=100,
    cmap="viridis",
    ax=None,
):
    """Heat map of a model's uncertainty over the plane of 2-D feature data.

    The chosen uncertainty (see
    :meth:`~gan_ova.GANShieldedOvAClassifier.predict_uncertainty`) is
    evaluated on a ``resolution x resolution`` grid covering the data plus
    ``padding`` and drawn with a colour bar over the fixed range [0, 1].
    The training points are drawn on top, coloured by class, and, for
    models that generate them (``sample_out_of_class``), the shielding
    samples as crosses coloured by the class they shield.

    Parameters
    ----------
    estimator : fitted classifier
        Fitted on 2-D feature vectors (``n_features_in_ == 2``); must
        provide ``predict_uncertainty``.
    X : array-like of shape (n_samples, 2)
        Points to draw (usually the training data); they also set the extent.
    y : array-like of shape (n_samples,)
        Their labels, values from ``estimator.classes_``.
    kind : {"epistemic", "aleatoric", "both"}, default="epistemic"
        Which uncertainty to map; ``"both"`` draws two panels side by side.
    resolution : int, default=200
        Grid points per axis (2 to 2000).
    padding : float, default=0.3
        Margin around the data on each side, as a fraction of the data's
        extent along that axis (>= 0).
    show_shields : bool, default=True
        Draw the generated shielding samples (if the model has
        ``sample_out_of_class``).
    n_shields : int, default=100
        Shielding samples per class (drawn with ``random_state=0``).
    cmap : str or matplotlib colormap, default="viridis"
        Colormap of the heat map.
    ax : matplotlib Axes, or a sequence of two Axes for ``kind="both"``, optional
        Where to draw; a new figure when None.

    Returns
    -------
    matplotlib.axes.Axes or matplotlib.figure.Figure
        The Axes for a single kind; the Figure holding both panels for
        ``kind="both"``.

    Raises
    ------
    ValueError
        If ``X`` is not 2-D feature data, the model was not fitted on 2-D
        feature vectors, or a parameter is out of range (the message names
        it).

    Examples
    --------
    >>> from gan_ova import GANShieldedOvAClassifier
    >>> from gan_ova.datasets import make_two_gaussians
    >>> from gan_ova.plotting import plot_uncertainty_map
    >>> X, y = make_two_gaussians(n_samples=200, distance=6.0, random_state=0)
    >>> clf = GANShieldedOvAClassifier(max_epochs=15, batch_size=32, random_state=0)
    >>> clf = clf.fit(X, y)  # doctest: +SKIP
    >>> fig = plot_uncertainty_map(clf, X, y, kind="both")  # doctest: +SKIP
    >>> fig.savefig("uncertainty_map.png")  # doctest: +SKIP

    See Also
    --------
    UncertaintyMapDisplay : the grid and uncertainties, computed and drawn separately.
    """
    _pyplot()
    display = UncertaintyMapDisplay.from_estimator(
        estimator, X, y, kind=kind, resolution=resolution, padding=padding,
        show_shields=show_shields, n_shields=n_shields,
    )
    display.plot(ax=ax, cmap=cmap)
    return display.figure_ if kind == "both" else display.ax_


def _check_map_inputs(estimator, X, y):
    """A model fitted on 2-D feature vectors and its labelled 2-D data: (X, y, classes)."""
    _fitted(estimator)
    if getattr(estimator, "image_shape_", None) is not None or getattr(estimator, "n_features_in_", 2) != 2:
        raise ValueError(
            "estimator: expected a model fitted on 2-D feature vectors, got one fitted on "
            f"{getattr(estimator, 'n_features_in_', '?')} features"
            + (f" (images of shape {estimator.image_shape_})." if getattr(estimator, "image_shape_", None) else ".")
        )
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] != 2 or X.shape[0] == 0:
        raise ValueError(f"X: expected 2-D feature data of shape (n_samples, 2), got shape {X.shape}.")
    if not np.all(np.isfinite(X)):
        raise ValueError(f"X: expected finite values, got {int((~np.isfinite(X)).sum())} NaN or infinite value(s).")
    classes = np.asarray(estimator.classes_)
    return X, _labels("y", y, len(X), classes), classes


def _map_grid(X, padding, resolution):
    """Grid coordinates along each axis covering ``X`` plus ``padding`` of its extent on each side."""
    lo, hi = X.min(axis=0), X.max(axis=0)
    span = hi - lo
    span = np.where(span > 0, span, np.maximum(np.abs(hi), 1.0))
    lo, hi = lo - padding * span, hi + padding * span
    return np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution)


def _map_axes(ax, n_panels, kind):
    """(figure, list of Axes) to draw ``n_panels`` maps into; new ones when ``ax`` is None."""
    if n_panels == 2:
        if ax is None:
            fig, axes = _pyplot().subplots(1, 2, figsize=(11.5, 4.6), layout="constrained", sharey=True)
            return fig, list(axes)
        axes = list(np.ravel(np.asarray(ax, dtype=object)))
        if len(axes) != 2:
            raise ValueError(f"ax: expected a sequence of two Axes for kind='both', got {len(axes)}.")
        return axes[0].figure, axes
    if ax is not None and not hasattr(ax, "imshow"):
        raise ValueError(f"ax: expected one matplotlib Axes for kind={kind!r}, got {type(ax).__name__}.")
    axes = [_new_axes(ax, figsize=(6.4, 4.8))]
    return axes[0].figure, axes


def _map_points(axis, X, y, classes, shields, colors):
    """Scatter the data (dots) and shields (crosses) of each class; one legend handle per class."""
    from matplotlib import patheffects

    outline = [patheffects.withStroke(linewidth=2.6, foreground="white")]
    handles = []
    for c, color in zip(classes, colors):
        pts = X[y == c]
        handles.append(axis.scatter(pts[:, 0], pts[:, 1], s=14, color=color, edgecolors="white",
                                    linewidths=0.5, label=f"class {c}", zorder=3))
    if shields is not None:
        for j, (c, color) in enumerate(zip(classes, colors)):
            pts = shields[0][shields[1] == c]
            crosses = axis.scatter(pts[:, 0], pts[:, 1], s=24, marker="x", color=color, linewidths=1.4,
                                   zorder=4, label=f"shields of {c}", path_effects=outline)
            handles[j] = (handles[j], crosses)
    return handles


def _map_legend(axis, handles, classes, with_shields):
    """One legend entry per class: its points and (x) the samples shielding it."""
    from matplotlib.legend_handler import HandlerTuple

    legend_kw = {
        "handler_map": {tuple: HandlerTuple(ndivide=None, pad=0.8)},
        "title": "data (o), shields (x)" if with_shields else None,
        "fontsize": "small",
        "title_fontsize": "small",
        "markerscale": 1.4,
        "framealpha": 0.85,
    }
    labels = [f"class {c}" for c in classes]
    if len(classes) <= 4:
        axis.legend(handles, labels, loc="upper right", **legend_kw)
    else:  # many classes: below the panel, outside the data
        axis.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, -0.13),
                    ncol=min(len(classes), 5), **legend_kw)


class UncertaintyMapDisplay:
    """Uncertainty of a model over a grid in the plane, with the data and shields.

    Computed by :meth:`from_estimator` (no matplotlib needed), drawn by
    :meth:`plot`; :func:`plot_uncertainty_map` does both.

    Parameters
    ----------
    x_grid : ndarray of shape (n_x,)
        Grid coordinates along feature 0.
    y_grid : ndarray of shape (n_y,)
        Grid coordinates along feature 1.
    uncertainty : dict of str -> ndarray of shape (n_y, n_x)
        For each kind (``"epistemic"``, ``"aleatoric"``, in drawing order),
        the uncertainty at ``(x_grid[j], y_grid[i])`` in row ``i``, column ``j``.
    X : ndarray of shape (n_samples, 2)
        Data points drawn on top.
    y : ndarray of shape (n_samples,)
        Their labels, values from ``classes``.
    classes : ndarray of shape (n_classes,)
        The classes, in legend order.
    shields : tuple of (ndarray of shape (m, 2), ndarray of shape (m,)), optional
        Generated shielding samples and the class each one shields.

    Attributes
    ----------
    x_grid, y_grid, uncertainty, X, y, classes, shields
        The parameters.
    ax_ : matplotlib Axes
        The (first) panel, set by :meth:`plot`.
    axes_ : list of matplotlib Axes
        One panel per kind, set by :meth:`plot`.
    figure_ : matplotlib Figure
        The figure holding the panels, set by :meth:`plot`.

    See Also
    --------
    plot_uncertainty_map : compute and draw in one call.

    Examples
    --------
    The map of any function on a grid, here the distance from the origin:

    >>> import numpy as np
    >>> from gan_ova.plotting import UncertaintyMapDisplay
    >>> gx = gy = np.linspace(-2, 2, 5)
    >>> Z = np.hypot(*np.meshgrid(gx, gy)) / np.hypot(2, 2)
    >>> X, y = np.array([[-1.0, 0.0], [1.0, 0.0]]), np.array([0, 1])
    >>> display = UncertaintyMapDisplay(x_grid=gx, y_grid=gy, uncertainty={"epistemic": Z},
    ...                                 X=X, y=y, classes=np.array([0, 1]))
    >>> display = display.plot()
    >>> display.ax_.images[0].get_array().shape
    (5, 5)

    For a fitted model, ``from_estimator`` computes the grid:

    >>> display = UncertaintyMapDisplay.from_estimator(clf, X, y, resolution=50)  # doctest: +SKIP
    >>> display.uncertainty["epistemic"].shape  # doctest: +SKIP
    (50, 50)
    """

    def __init__(self, *, x_grid, y_grid, uncertainty, X, y, classes, shields=None):
        self.x_grid = np.asarray(x_grid)
        self.y_grid = np.asarray(y_grid)
        self.uncertainty = dict(uncertainty)
        self.X = np.asarray(X)
        self.y = np.asarray(y)
        self.classes = np.asarray(classes)
        self.shields = shields

    __repr__ = _repr

    @classmethod
    def from_estimator(cls, estimator, X, y, kind="epistemic", resolution=200, padding=0.3, show_shields=True,
                       n_shields=100):
        """Evaluate a model's uncertainty on a grid over the plane of 2-D feature data.

        Parameters
        ----------
        estimator : fitted classifier
            Fitted on 2-D feature vectors (``n_features_in_ == 2``); must
            provide ``predict_uncertainty``.
        X : array-like of shape (n_samples, 2)
            Points to draw (usually the training data); they also set the extent.
        y : array-like of shape (n_samples,)
            Their labels, values from ``estimator.classes_``.
        kind : {"epistemic", "aleatoric", "both"}, default="epistemic"
            Which uncertainty to compute; ``"both"`` gives two maps.
        resolution : int, default=200
            Grid points per axis (2 to 2000).
        padding : float, default=0.3
            Margin around the data on each side, as a fraction of the data's
            extent along that axis (>= 0).
        show_shields : bool, default=True
            Keep the generated shielding samples (if the model has
            ``sample_out_of_class``).
        n_shields : int, default=100
            Shielding samples per class (drawn with ``random_state=0``).

        Returns
        -------
        UncertaintyMapDisplay
            Not yet drawn; call :meth:`plot`.
        """
        check_choice("kind", kind, ("epistemic", "aleatoric", "both"))
        check_number("resolution", resolution, low=2, high=2000, integer=True)
        check_number("padding", padding, low=0)
        check_number("n_shields", n_shields, low=1, integer=True)
        check_bool("show_shields", show_shields)
        X, y, classes = _check_map_inputs(estimator, X, y)
        gx, gy = _map_grid(X, padding, resolution)
        xx, yy = np.meshgrid(gx, gy)
        u = estimator.predict_uncertainty(np.c_[xx.ravel(), yy.ravel()].astype(np.float32))
        kinds = ["epistemic", "aleatoric"] if kind == "both" else [kind]
        maps = {k: np.asarray(u[k], dtype=float).reshape(resolution, resolution) for k in kinds}
        shields = None
        if show_shields and hasattr(estimator, "sample_out_of_class"):
            X_gen, y_gen = estimator.sample_out_of_class(n_shields, random_state=0)
            shields = (np.asarray(X_gen, dtype=float).reshape(len(X_gen), -1), np.asarray(y_gen))
        return cls(x_grid=gx, y_grid=gy, uncertainty=maps, X=X, y=y, classes=classes, shields=shields)

    def plot(self, ax=None, cmap="viridis"):
        """Draw one heat map per kind (colour range [0, 1]) with the data and shields on top.

        Parameters
        ----------
        ax : matplotlib Axes, or a sequence of two Axes for two kinds, optional
            Where to draw; a new figure when None.
        cmap : str or matplotlib colormap, default="viridis"
            Colormap of the heat maps.

        Returns
        -------
        UncertaintyMapDisplay
            ``self``, with ``ax_``, ``axes_`` and ``figure_`` set.
        """
        _pyplot()
        kinds = list(self.uncertainty)
        fig, axes = _map_axes(ax, len(kinds), kinds[0])
        extent = (self.x_grid[0], self.x_grid[-1], self.y_grid[0], self.y_grid[-1])
        colors = _class_colors(len(self.classes))
        for i, (axis, k) in enumerate(zip(axes, kinds)):
            im = axis.imshow(self.uncertainty[k], origin="lower", extent=extent, cmap=cmap, vmin=0.0, vmax=1.0,
                             aspect="auto", interpolation="nearest")
            fig.colorbar(im, ax=axis, label=k, fraction=0.05, pad=0.02)
            handles = _map_points(axis, self.X, self.y, self.classes, self.shields, colors)
            axis.set_xlim(extent[0], extent[1])
            axis.set_ylim(extent[2], extent[3])
            axis.set_xlabel("feature 0")
            if i == 0:
                axis.set_ylabel("feature 1")
            axis.set_title(_KIND_TITLES[k])
            _map_legend(axis, handles, self.classes, self.shields is not None)
        self.ax_, self.axes_, self.figure_ = axes[0], axes, fig
        return self


# ---------------------------------------------------------------------------
# image grids
# ---------------------------------------------------------------------------
def _display_images(estimator, images, name):
    """Images in any accepted input format as (n, H, W) or (n, H, W, 3) floats in [0, 1]."""
    shape = estimator.image_shape_
    arr = np.asarray(images)
    if arr.ndim == 4:
        if tuple(arr.shape[1:]) != tuple(shape):
            raise ValueError(f"{name}: expected images of shape {tuple(shape)}, got {tuple(arr.shape[1:])}.")
    elif arr.ndim == 3:
        if shape[0] != 1 or tuple(arr.shape[1:]) != tuple(shape[1:]):
            raise ValueError(f"{name}: expected images of shape {tuple(shape)}, got {tuple(arr.shape[1:])}.")
        arr = arr[:, None]
    elif arr.ndim == 2:
        if arr.shape[1] != int(np.prod(shape)):
            raise ValueError(
                f"{name}: expected flat rows of {int(np.prod(shape))} values (images of shape {tuple(shape)}), "
                f"got {arr.shape[1]}."
            )
        arr = arr.reshape((len(arr),) + tuple(shape))
    else:
        raise ValueError(f"{name}: expected images (n, C, H, W), (n, H, W) or flat rows, got shape {arr.shape}.")
    if arr.dtype.kind not in "uif":
        raise ValueError(f"{name}: expected numeric pixels, got dtype {arr.dtype}.")
    if arr.dtype == np.uint8:
        out = arr.astype(np.float32) / 255.0
    else:
        scale = getattr(estimator, "pixel_scale", "auto")
        out = arr.astype(np.float32) / (1.0 if scale == "auto" else float(scale))
    out = np.clip(out, 0.0, 1.0)
    if out.shape[1] == 3:
        return np.moveaxis(out, 1, -1)
    if out.shape[1] == 1:
        return out[:, 0]
    return out.mean(axis=1)  # other channel counts: show the channel mean


def _show_image(axis, img):
    if img.ndim == 3:
        axis.imshow(img, interpolation="nearest")
    else:
        axis.imshow(img, cmap="gray", vmin=0.0, vmax=1.0, interpolation="nearest")


def _bare(axis):
    axis.set_xticks([])
    axis.set_yticks([])
    for spine in axis.spines.values():
        spine.set_visible(False)


def plot_shield_grid(estimator, X, y, n_per_class=8, random_state=0, fig=None):
    """Real images of each class next to the generated images that shield it.

    Row ``k`` shows up to ``n_per_class`` images of class ``classes_[k]``
    from ``X`` (left block) and ``n_per_class`` generated out-of-class images
    for that class from ``estimator.sample_out_of_class`` (right block): the
    examples just outside class ``k`` that its one-vs-all head learns to
    reject.

    Parameters
    ----------
    estimator : fitted GANShieldedOvAClassifier
        Fitted on images (``image_shape_`` is set).
    X : array-like of shape (n, C, H, W), (n, H, W) or (n, C*H*W)
        Real images (uint8, or floats in the units of the training data).
    y : array-like of shape (n,)
        Their labels, values from ``estimator.classes_``.
    n_per_class : int, default=8
        Images per block and row (1 to 100).
    random_state : int, RandomState instance or None, default=0
        Seeds the generator noise.
    fig : matplotlib Figure, optional
        An empty figure to draw into; a new one when None.

    Returns
    -------
    matplotlib.figure.Figure
        ``n_classes`` rows of ``2 * n_per_class`` image Axes (a row's real
        block holds fewer images when ``X`` has fewer of that class).

    Raises
    ------
    ValueError
        If the model was not fitted on images, ``X`` does not match its image
        shape, or ``y``/``n_per_class`` is invalid.

    Examples
    --------
    >>> import numpy as np
    >>> from gan_ova import GANShieldedOvAClassifier
    >>> from gan_ova.datasets import load_digits_images
    >>> from gan_ova.plotting import plot_shield_grid
    >>> X, y = load_digits_images()
    >>> X, y = X[y < 5], y[y < 5]
    >>> clf = GANShieldedOvAClassifier(cae_max_epochs=20, max_epochs=15, batch_size=64)
    >>> clf = clf.fit(X, y)  # doctest: +SKIP
    >>> fig = plot_shield_grid(clf, X, y, n_per_class=6)  # doctest: +SKIP

    See Also
    --------
    ShieldGridDisplay : the images, computed and drawn separately.
    """
    _pyplot()
    display = ShieldGridDisplay.from_estimator(estimator, X, y, n_per_class=n_per_class, random_state=random_state)
    return display.plot(fig=fig).figure_


def _check_image_model(estimator):
    """Raise unless ``estimator`` is fitted on images and generates out-of-class samples."""
    _fitted(estimator)
    if getattr(estimator, "image_shape_", None) is None:
        raise ValueError(
            "estimator: expected a model fitted on images, got one fitted on feature vectors (image_shape_ is None)."
        )
    if not hasattr(estimator, "sample_out_of_class"):
        raise ValueError(
            f"estimator: expected a model with sample_out_of_class, got {type(estimator).__name__} without it."
        )


def _grid_figure(fig, n_rows, n):
    """The figure and a gridspec of ``n_rows`` rows of two blocks of ``n`` cells with a spacer column."""
    gap, cell = 0.4, 0.62  # spacer column (in cells) between the blocks; inches per cell
    left_in, right_in, top_in, bottom_in = 0.85, 0.1, 0.35, 0.08
    if fig is None:
        fig = _pyplot().figure(
            figsize=(left_in + right_in + (2 * n + gap) * cell, top_in + bottom_in + n_rows * cell)
        )
    W, H = fig.get_figwidth(), fig.get_figheight()
    gs = fig.add_gridspec(
        n_rows, 2 * n + 1, width_ratios=[1] * n + [gap] + [1] * n,
        left=left_in / W, right=1 - right_in / W, bottom=bottom_in / H, top=1 - top_in / H,
        wspace=0.06, hspace=0.06,
    )
    return fig, gs, 1 - (top_in - 0.07) / H


def _image_row(fig, gs, r, label, blocks, n):
    """Row ``r``: each (images, first column) block in ``n`` cells, blanks for missing images."""
    for images, start in blocks:
        for j in range(n):
            axis = fig.add_subplot(gs[r, start + j])
            _bare(axis)
            if j < len(images):
                _show_image(axis, images[j])
            elif not (start == 0 and j == 0):
                axis.set_axis_off()
            if start == 0 and j == 0:
                axis.set_ylabel(label, rotation=0, ha="right", va="center", fontsize="medium")


class ShieldGridDisplay:
    """Real images of each class next to the generated images that shield it.

    Computed by :meth:`from_estimator`, drawn by :meth:`plot`;
    :func:`plot_shield_grid` does both.

    Parameters
    ----------
    classes : ndarray of shape (n_classes,)
        One row per class, in this order.
    real_images : ndarray of shape (n, H, W) or (n, H, W, 3)
        Real images as floats in [0, 1] (grey or RGB).
    real_labels : ndarray of shape (n,)
        Their classes.
    generated_images : ndarray of shape (m, H, W) or (m, H, W, 3)
        Generated out-of-class images as floats in [0, 1].
    generated_labels : ndarray of shape (m,)
        The class each generated image shields.
    n_per_class : int
        Images per block and row.

    Attributes
    ----------
    classes, real_images, real_labels, generated_images, generated_labels, n_per_class
        The parameters.
    figure_ : matplotlib Figure
        Set by :meth:`plot`.

    See Also
    --------
    plot_shield_grid : compute and draw in one call.

    Examples
    --------
    >>> import numpy as np
    >>> from gan_ova.plotting import ShieldGridDisplay
    >>> rng = np.random.RandomState(0)
    >>> display = ShieldGridDisplay(
    ...     classes=np.array(["a", "b"]), real_images=rng.rand(4, 8, 8), real_labels=np.array(["a", "b"] * 2),
    ...     generated_images=rng.rand(4, 8, 8), generated_labels=np.array(["a", "b"] * 2), n_per_class=2)
    >>> len(display.plot().figure_.axes)
    8

    For a model fitted on images (``clf``, see :func:`plot_shield_grid`):

    >>> display = ShieldGridDisplay.from_estimator(clf, X, y, n_per_class=6)  # doctest: +SKIP
    """

    def __init__(self, *, classes, real_images, real_labels, generated_images, generated_labels, n_per_class):
        self.classes = np.asarray(classes)
        self.real_images = np.asarray(real_images)
        self.real_labels = np.asarray(real_labels)
        self.generated_images = np.asarray(generated_images)
        self.generated_labels = np.asarray(generated_labels)
        self.n_per_class = int(n_per_class)

    __repr__ = _repr

    @classmethod
    def from_estimator(cls, estimator, X, y, n_per_class=8, random_state=0):
        """Real images of ``X`` and generated out-of-class images, in [0, 1] for display.

        Parameters
        ----------
        estimator : fitted GANShieldedOvAClassifier
            Fitted on images (``image_shape_`` is set).
        X : array-like of shape (n, C, H, W), (n, H, W) or (n, C*H*W)
            Real images (uint8, or floats in the units of the training data).
        y : array-like of shape (n,)
            Their labels, values from ``estimator.classes_``.
        n_per_class : int, default=8
            Images per block and row (1 to 100).
        random_state : int, RandomState instance or None, default=0
            Seeds the generator noise.

        Returns
        -------
        ShieldGridDisplay
            Not yet drawn; call :meth:`plot`.
        """
        check_number("n_per_class", n_per_class, low=1, high=100, integer=True)
        _check_image_model(estimator)
        real = _display_images(estimator, X, "X")
        classes = np.asarray(estimator.classes_)
        y = _labels("y", y, len(real), classes)
        X_gen, y_gen = estimator.sample_out_of_class(n_per_class, random_state=random_state)
        return cls(classes=classes, real_images=real, real_labels=y,
                   generated_images=_display_images(estimator, X_gen, "generated images"),
                   generated_labels=np.asarray(y_gen), n_per_class=n_per_class)

    def plot(self, fig=None):
        """Draw one row per class: up to ``n_per_class`` real, then generated images.

        Parameters
        ----------
        fig : matplotlib Figure, optional
            An empty figure to draw into; a new one when None.

        Returns
        -------
        ShieldGridDisplay
            ``self``, with ``figure_`` set.
        """
        n = self.n_per_class
        fig, gs, header_y = _grid_figure(fig, len(self.classes), n)
        for r, c in enumerate(self.classes):
            blocks = ((self.real_images[self.real_labels == c][:n], 0),
                      (self.generated_images[self.generated_labels == c][:n], n + 1))
            _image_row(fig, gs, r, f"class {c}", blocks, n)
        # block headers, centred over each block
        for start, text in ((0, "real"), (n + 1, "generated out-of-class")):
            x0 = gs[0, start].get_position(fig).x0
            x1 = gs[0, start + n - 1].get_position(fig).x1
            fig.text((x0 + x1) / 2, header_y, text, ha="center", va="bottom", fontsize="medium")
        self.figure_ = fig
        return self


def _pca_2d(points):
    """Project rows of ``points`` on their two leading principal axes."""
    centred = points - points.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    basis = vt[:2].T
    if basis.shape[1] < 2:
        basis = np.c_[basis, np.zeros(len(basis))]
    return centred @ basis


def plot_shield_diagnostics(estimator, X=None, y=None, diagnostics=None, n_per_class=256, random_state=0,
                            max_classes=10, fig=None):
    """Where the shields sit, per class: a 2-D projection and the distance histograms.

    Top row, one panel per class: the real codes of the class (dots) and its
    shields (crosses), projected on the two principal axes of both together,
    in the space the GAN works in. Bottom row: the distance of each shield
    to its nearest real code of the class, against the nearest-neighbour
    spacing of the real codes (log scale), titled with the class's distance
    ratio and the own-head probability of its shields and of the
    reconstructions of its real examples. On the boundary the two histograms
    overlap or sit about one spacing apart (ratio 1-3) and the shields' own
    head hesitates (``p`` well above 0.01).

    Parameters
    ----------
    estimator : fitted GANShieldedOvAClassifier
    X, y : array-like, optional
        Labelled in-distribution data (e.g. the training data), passed to
        ``estimator.shield_diagnostics``; not needed with ``diagnostics``.
    diagnostics : Bunch, optional
        The result of ``estimator.shield_diagnostics(X, y)``, to draw without
        recomputing.
    n_per_class : int, default=256
        Shields per class (when computing).
    random_state : int, RandomState instance or None, default=0
    max_classes : int, default=10
        Draw at most this many classes (the first ones of ``classes_``).
    fig : matplotlib Figure, optional

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from sklearn.datasets import make_blobs
    >>> from gan_ova import GANShieldedOvAClassifier
    >>> from gan_ova.plotting import plot_shield_diagnostics
    >>> X, y = make_blobs(n_samples=120, centers=[[-4, 0], [4, 0]], random_state=0)
    >>> clf = GANShieldedOvAClassifier(max_epochs=3, batch_size=32, random_state=0,
    ...                                generator_hidden=(32,), critic_hidden=(32,)).fit(X, y)
    >>> fig = plot_shield_diagnostics(clf, X, y, n_per_class=64)
    >>> len(fig.axes)
    4
    >>> import matplotlib.pyplot as plt
    >>> plt.close(fig)

    See Also
    --------
    ShieldDiagnosticsDisplay : the projections and distances, computed and drawn separately.
    """
    _pyplot()
    display = ShieldDiagnosticsDisplay.from_estimator(
        estimator, X, y, diagnostics=diagnostics, n_per_class=n_per_class, random_state=random_state,
        max_classes=max_classes,
    )
    return display.plot(fig=fig).figure_


def _projection_panel(ax, proj, color, first):
    """Top-row panel: real codes (dots) and shields (crosses) in their 2-D projection."""
    if proj is not None:
        real, shields = proj
        ax.scatter(*real.T, s=4, color=color, alpha=0.5, label="real")
        ax.scatter(*shields.T, s=10, marker="x", color="black", alpha=0.6, linewidths=0.8, label="shields")
    ax.set_xticks([])
    ax.set_yticks([])
    if first:
        ax.set_ylabel("codes, 2-D projection")
        ax.legend(loc="best", fontsize="small", markerscale=2)


def _distance_panel(ax, spacing, dist, color, first):
    """Bottom-row panel: log-binned histograms of nearest-real distances of real codes and of shields."""
    pos = np.concatenate([spacing, dist])
    pos = pos[pos > 0]
    if pos.size:
        bins = np.geomspace(pos.min(), pos.max() * 1.01, 30) if pos.max() > pos.min() else 10
        ax.hist(spacing[spacing > 0], bins=bins, color=color, alpha=0.6, label="real: nearest real")
        ax.hist(dist[dist > 0], bins=bins, color="black", alpha=0.45, label="shield: nearest real")
        ax.set_xscale("log")
    ax.set_xlabel("distance (GAN space)")
    if first:
        ax.set_ylabel("count")
        ax.legend(loc="best", fontsize="x-small")


class ShieldDiagnosticsDisplay:
    """Where the shields of each class sit: 2-D projections and distance distributions.

    Computed by :meth:`from_estimator` or :meth:`from_diagnostics`, drawn by
    :meth:`plot`; :func:`plot_shield_diagnostics` does both.

    Parameters
    ----------
    classes : ndarray of shape (n_classes,)
        All classes of the model (they fix the colours).
    projections : list of (ndarray of shape (n_k, 2), ndarray of shape (m_k, 2)) or None
        For each drawn class, its real codes and its shields projected on the
        two principal axes of both together (None with fewer than two points).
    real_spacings, shield_distances : list of ndarray
        For each drawn class, the distance of each real code to its nearest
        other real code, and of each shield to its nearest real code.
    distance_ratio, own_head_p, reconstruction_head_p : ndarray of shape (n_drawn,)
        Per drawn class, as in ``shield_diagnostics``.

    Attributes
    ----------
    classes, projections, real_spacings, shield_distances, distance_ratio, own_head_p, reconstruction_head_p
        The parameters.
    figure_ : matplotlib Figure
        Set by :meth:`plot`.

    See Also
    --------
    plot_shield_diagnostics : compute and draw in one call.

    Examples
    --------
    From the result of ``estimator.shield_diagnostics(X, y)``, here made up:

    >>> import numpy as np
    >>> from sklearn.utils import Bunch
    >>> from gan_ova.plotting import ShieldDiagnosticsDisplay
    >>> rng = np.random.RandomState(0)
    >>> d = Bunch(real_codes=rng.rand(6, 3), real_labels=np.array([0, 0, 0, 1, 1, 1]),
    ...           shield_codes=rng.rand(4, 3), shield_labels=np.array([0, 0, 1, 1]),
    ...           real_spacings=[rng.rand(3), rng.rand(3)], shield_distances=[rng.rand(2), rng.rand(2)],
    ...           distance_ratio=np.array([1.5, 2.0]), own_head_p=np.array([0.2, 0.1]),
    ...           reconstruction_head_p=np.array([0.9, 0.95]))
    >>> display = ShieldDiagnosticsDisplay.from_diagnostics(d, classes=np.array(["a", "b"]))
    >>> display.projections[0][0].shape, display.projections[0][1].shape
    ((3, 2), (2, 2))
    >>> len(display.plot().figure_.axes)
    4
    """

    def __init__(self, *, classes, projections, real_spacings, shield_distances, distance_ratio, own_head_p,
                 reconstruction_head_p):
        self.classes = np.asarray(classes)
        self.projections = list(projections)
        self.real_spacings = [np.asarray(v, dtype=float) for v in real_spacings]
        self.shield_distances = [np.asarray(v, dtype=float) for v in shield_distances]
        self.distance_ratio = np.asarray(distance_ratio, dtype=float)
        self.own_head_p = np.asarray(own_head_p, dtype=float)
        self.reconstruction_head_p = np.asarray(reconstruction_head_p, dtype=float)

    __repr__ = _repr

    @classmethod
    def from_estimator(cls, estimator, X=None, y=None, diagnostics=None, n_per_class=256, random_state=0,
                       max_classes=10):
        """Compute (or take) a model's shield diagnostics and project the codes.

        Parameters
        ----------
        estimator : fitted GANShieldedOvAClassifier
        X, y : array-like, optional
            Labelled in-distribution data, passed to
            ``estimator.shield_diagnostics``; not needed with ``diagnostics``.
        diagnostics : Bunch, optional
            The result of ``estimator.shield_diagnostics(X, y)``.
        n_per_class : int, default=256
            Shields per class (when computing).
        random_state : int, RandomState instance or None, default=0
        max_classes : int, default=10
            Keep at most this many classes (the first ones of ``classes_``).

        Returns
        -------
        ShieldDiagnosticsDisplay
            Not yet drawn; call :meth:`plot`.
        """
        _fitted(estimator)
        check_number("max_classes", max_classes, low=1, integer=True)
        if diagnostics is None:
            if X is None or y is None:
                raise ValueError(
                    "X, y: expected labelled data to compute the diagnostics (or diagnostics=), got None."
                )
            if not hasattr(estimator, "shield_diagnostics"):
                raise ValueError(
                    f"estimator: expected a model with shields (shield_diagnostics), got {type(estimator).__name__}."
                )
            diagnostics = estimator.shield_diagnostics(X, y, n_per_class=n_per_class, random_state=random_state)
        return cls.from_diagnostics(diagnostics, estimator.classes_, max_classes=max_classes)

    @classmethod
    def from_diagnostics(cls, diagnostics, classes, max_classes=10):
        """Project the codes of a ``shield_diagnostics`` result, class by class.

        Parameters
        ----------
        diagnostics : Bunch
            The result of ``estimator.shield_diagnostics(X, y)``.
        classes : array-like of shape (n_classes,)
            The model's ``classes_``.
        max_classes : int, default=10
            Keep at most this many classes (the first ones).

        Returns
        -------
        ShieldDiagnosticsDisplay
            Not yet drawn; call :meth:`plot`.
        """
        check_number("max_classes", max_classes, low=1, integer=True)
        d = diagnostics
        K = min(len(classes), int(max_classes))
        projections = []
        for k in range(K):
            real = d.real_codes[d.real_labels == k]
            sh = d.shield_codes[d.shield_labels == k]
            if len(real) + len(sh) >= 2:
                proj = _pca_2d(np.vstack([real, sh]).astype(float))
                projections.append((proj[: len(real)], proj[len(real):]))
            else:
                projections.append(None)
        return cls(classes=classes, projections=projections, real_spacings=d.real_spacings[:K],
                   shield_distances=d.shield_distances[:K], distance_ratio=d.distance_ratio[:K],
                   own_head_p=d.own_head_p[:K], reconstruction_head_p=d.reconstruction_head_p[:K])

    def plot(self, fig=None):
        """Draw two rows, one column per class: the projection, then the distance histograms.

        Parameters
        ----------
        fig : matplotlib Figure, optional
            An empty figure to draw into; a new one when None.

        Returns
        -------
        ShieldDiagnosticsDisplay
            ``self``, with ``figure_`` set.
        """
        K = len(self.projections)
        colors = _class_colors(len(self.classes))
        if fig is None:
            fig = _pyplot().figure(figsize=(2.6 * K + 0.6, 5.6), layout="constrained")
        axes = fig.subplots(2, K, squeeze=False)
        for k in range(K):
            _projection_panel(axes[0, k], self.projections[k], colors[k], k == 0)
            axes[0, k].set_title(f"class {self.classes[k]}", fontsize="medium")
            _distance_panel(axes[1, k], self.real_spacings[k], self.shield_distances[k], colors[k], k == 0)
            axes[1, k].set_title(
                f"ratio {self.distance_ratio[k]:.2f}\n"
                f"p shield {self.own_head_p[k]:.3f}, recon {self.reconstruction_head_p[k]:.2f}",
                fontsize="small",
            )
        self.figure_ = fig
        return self


# ---------------------------------------------------------------------------
# calibration
# ---------------------------------------------------------------------------
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

    __repr__ = _repr

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
        ax = _new_axes(ax, figsize=(5.0, 5.0))
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

    __repr__ = _repr

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
        _fitted(estimator)
        e_in = _uncertainty(estimator, X_in, "epistemic", "X_in")
        curves = {}
        for name, X_out in items:
            curves[name] = (e_in, _uncertainty(estimator, X_out, "epistemic", f"ood_sets[{name!r}]"))
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
        _fitted(estimator)
        u = estimator.predict_uncertainty(X)
        proba = np.asarray(u["proba"], dtype=float)
        classes = np.asarray(estimator.classes_)
        y = _labels("y", y, len(proba), classes)
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
        ax = _new_axes(ax, figsize=(5.2, 5.0))
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

    __repr__ = _repr

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
        check_choice("score", score, ("epistemic", "aleatoric"))
        check_number("bins", bins, low=1, high=10_000, integer=True)
        if not isinstance(scores_by_name, Mapping) or len(scores_by_name) == 0:
            raise ValueError(f"scores_by_name: expected a non-empty dict name -> scores, got {scores_by_name!r}.")
        names = list(scores_by_name)
        scores = [check_scores_1d(f"scores_by_name[{name!r}]", v) for name, v in scores_by_name.items()]
        return cls._binned(names, scores, score, bins)

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
        check_choice("score", score, ("epistemic", "aleatoric"))
        check_number("bins", bins, low=1, high=10_000, integer=True)
        items = check_ood_sets(ood_sets)
        _fitted(estimator)
        names = ["in-distribution"] + [name for name, _ in items]
        scores = [_uncertainty(estimator, X_in, score, "X_in")]
        scores += [_uncertainty(estimator, X_out, score, f"ood_sets[{name!r}]") for name, X_out in items]
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
        ax = _new_axes(ax, figsize=(6.4, 4.2))
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


# ---------------------------------------------------------------------------
# training curves
# ---------------------------------------------------------------------------
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
    _pyplot()
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

    __repr__ = _repr

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
        _fitted(estimator)
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
            fig = _pyplot().figure(figsize=(4.3 * ncols, 3.3 * nrows), layout="constrained")
        axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
        for axis in axes[n:]:
            axis.remove()
        for axis, panel in zip(axes, self.panels):
            handles, labels = _draw_curves(axis, panel, self.best_epoch)
            _style_panel(axis, panel, handles, labels)
        self.figure_ = fig
        return self
