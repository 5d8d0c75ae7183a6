"""The uncertainty of a model fitted on 2-D feature vectors, as a heat map over the plane."""

from __future__ import annotations

import numpy as np

from .._validation import check_bool, check_choice, check_number
from ._common import check_fitted, check_labels, class_colors, display_repr, new_axes, pyplot

__all__ = ["plot_uncertainty_map", "UncertaintyMapDisplay"]

_KIND_TITLES = {
    "epistemic": "epistemic uncertainty $1 - P_{in}(x)$",
    "aleatoric": "aleatoric uncertainty $H(P(\\cdot|x)) / \\log K$",
}


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
    pyplot()
    display = UncertaintyMapDisplay.from_estimator(
        estimator, X, y, kind=kind, resolution=resolution, padding=padding,
        show_shields=show_shields, n_shields=n_shields,
    )
    display.plot(ax=ax, cmap=cmap)
    return display.figure_ if kind == "both" else display.ax_


def _check_map_inputs(estimator, X, y):
    """A model fitted on 2-D feature vectors and its labelled 2-D data: (X, y, classes)."""
    check_fitted(estimator)
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
    return X, check_labels("y", y, len(X), classes), classes


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
            fig, axes = pyplot().subplots(1, 2, figsize=(11.5, 4.6), layout="constrained", sharey=True)
            return fig, list(axes)
        axes = list(np.ravel(np.asarray(ax, dtype=object)))
        if len(axes) != 2:
            raise ValueError(f"ax: expected a sequence of two Axes for kind='both', got {len(axes)}.")
        return axes[0].figure, axes
    if ax is not None and not hasattr(ax, "imshow"):
        raise ValueError(f"ax: expected one matplotlib Axes for kind={kind!r}, got {type(ax).__name__}.")
    axes = [new_axes(ax, figsize=(6.4, 4.8))]
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

    __repr__ = display_repr

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
        pyplot()
        kinds = list(self.uncertainty)
        fig, axes = _map_axes(ax, len(kinds), kinds[0])
        extent = (self.x_grid[0], self.x_grid[-1], self.y_grid[0], self.y_grid[-1])
        colors = class_colors(len(self.classes))
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
