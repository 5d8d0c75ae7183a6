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
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.metrics import roc_auc_score, roc_curve
from sklearn.utils.validation import check_is_fitted

from ._validation import check_number
from .metrics import expected_calibration_error

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
            f"{name}: labels must come from estimator.classes_ {np.asarray(classes).tolist()!r}, "
            f"got {y[unknown][0]!r}."
        )
    return y


def _scores(name, values):
    """A finite, non-empty 1-D float array."""
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name}: expected a 1-D array of real scores ({exc}).") from None
    if arr.ndim != 1 or arr.shape[0] == 0:
        raise ValueError(f"{name}: expected a non-empty 1-D array of scores, got shape {arr.shape}.")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name}: scores must be finite, got {int((~np.isfinite(arr)).sum())} NaN/inf value(s).")
    return arr


def _ood_items(ood_sets, allow_empty=False):
    """``ood_sets`` as a list of (name, X) pairs, checked as :func:`gan_ova.metrics.evaluate` does."""
    from .metrics import _ood_items as _checked_items

    items = _checked_items(ood_sets, func="plotting")
    if not items and not allow_empty:
        raise ValueError("ood_sets: expected at least one out-of-distribution set, got none.")
    return items


def _uncertainty(estimator, X, score, what):
    u = estimator.predict_uncertainty(X)
    return _scores(f"{what} ({score} score)", np.asarray(u[score], dtype=float))


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
    """
    plt = _pyplot()
    if kind not in ("epistemic", "aleatoric", "both"):
        raise ValueError(f"kind: expected 'epistemic', 'aleatoric' or 'both', got {kind!r}.")
    check_number("resolution", resolution, low=2, high=2000, integer=True)
    check_number("padding", padding, low=0)
    check_number("n_shields", n_shields, low=1, integer=True)
    if not isinstance(show_shields, (bool, np.bool_)):
        raise ValueError(f"show_shields: expected True or False, got {show_shields!r}.")
    _fitted(estimator)
    if getattr(estimator, "image_shape_", None) is not None or getattr(estimator, "n_features_in_", 2) != 2:
        raise ValueError(
            "estimator: plot_uncertainty_map needs a model fitted on 2-D feature vectors, got one fitted on "
            f"{getattr(estimator, 'n_features_in_', '?')} features"
            + (f" (images of shape {estimator.image_shape_})." if getattr(estimator, "image_shape_", None) else ".")
        )
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] != 2 or X.shape[0] == 0:
        raise ValueError(f"X: expected 2-D feature data of shape (n_samples, 2), got shape {X.shape}.")
    if not np.all(np.isfinite(X)):
        raise ValueError("X: contains NaN or infinite values.")
    classes = np.asarray(estimator.classes_)
    y = _labels("y", y, len(X), classes)

    kinds = ["epistemic", "aleatoric"] if kind == "both" else [kind]
    if kind == "both":
        if ax is None:
            fig, axes = plt.subplots(1, 2, figsize=(11.5, 4.6), layout="constrained", sharey=True)
            axes = list(axes)
        else:
            axes = list(np.ravel(np.asarray(ax, dtype=object)))
            if len(axes) != 2:
                raise ValueError(f"ax: kind='both' needs a sequence of two Axes, got {len(axes)}.")
            fig = axes[0].figure
    else:
        if ax is not None and not hasattr(ax, "imshow"):
            raise ValueError(f"ax: expected one matplotlib Axes for kind={kind!r}, got {type(ax).__name__}.")
        axes = [_new_axes(ax, figsize=(6.4, 4.8))]
        fig = axes[0].figure

    # grid over the data plus padding
    lo, hi = X.min(axis=0), X.max(axis=0)
    span = hi - lo
    span = np.where(span > 0, span, np.maximum(np.abs(hi), 1.0))
    lo, hi = lo - padding * span, hi + padding * span
    gx = np.linspace(lo[0], hi[0], resolution)
    gy = np.linspace(lo[1], hi[1], resolution)
    xx, yy = np.meshgrid(gx, gy)
    grid = np.c_[xx.ravel(), yy.ravel()].astype(np.float32)
    u = estimator.predict_uncertainty(grid)

    shields = None
    if show_shields and hasattr(estimator, "sample_out_of_class"):
        X_gen, y_gen = estimator.sample_out_of_class(n_shields, random_state=0)
        shields = (np.asarray(X_gen, dtype=float).reshape(len(X_gen), -1), np.asarray(y_gen))

    from matplotlib import patheffects
    from matplotlib.legend_handler import HandlerTuple

    outline = [patheffects.withStroke(linewidth=2.6, foreground="white")]
    colors = _class_colors(len(classes))
    for i, (axis, k) in enumerate(zip(axes, kinds)):
        Z = np.asarray(u[k], dtype=float).reshape(resolution, resolution)
        im = axis.imshow(
            Z,
            origin="lower",
            extent=(lo[0], hi[0], lo[1], hi[1]),
            cmap=cmap,
            vmin=0.0,
            vmax=1.0,
            aspect="auto",
            interpolation="nearest",
        )
        fig.colorbar(im, ax=axis, label=k, fraction=0.05, pad=0.02)
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
        axis.set_xlim(lo[0], hi[0])
        axis.set_ylim(lo[1], hi[1])
        axis.set_xlabel("feature 0")
        if i == 0:
            axis.set_ylabel("feature 1")
        axis.set_title(_KIND_TITLES[k])
        # one entry per class: its points and (x) the samples shielding it
        legend_kw = {
            "handler_map": {tuple: HandlerTuple(ndivide=None, pad=0.8)},
            "title": "data (o), shields (x)" if shields is not None else None,
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
    return fig if kind == "both" else axes[0]


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
                f"{name}: flat rows need {int(np.prod(shape))} values for images of shape {tuple(shape)}, "
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
    """
    plt = _pyplot()
    check_number("n_per_class", n_per_class, low=1, high=100, integer=True)
    _fitted(estimator)
    if getattr(estimator, "image_shape_", None) is None:
        raise ValueError("estimator: plot_shield_grid needs a model fitted on images (image_shape_ is None).")
    if not hasattr(estimator, "sample_out_of_class"):
        raise ValueError(
            f"estimator: {type(estimator).__name__} cannot generate out-of-class samples (no sample_out_of_class)."
        )
    real = _display_images(estimator, X, "X")
    classes = np.asarray(estimator.classes_)
    y = _labels("y", y, len(real), classes)
    X_gen, y_gen = estimator.sample_out_of_class(n_per_class, random_state=random_state)
    gen = _display_images(estimator, X_gen, "generated images")
    y_gen = np.asarray(y_gen)

    K, n = len(classes), int(n_per_class)
    gap, cell = 0.4, 0.62  # spacer column (in cells) between the blocks; inches per cell
    left_in, right_in, top_in, bottom_in = 0.85, 0.1, 0.35, 0.08
    if fig is None:
        fig = plt.figure(
            figsize=(left_in + right_in + (2 * n + gap) * cell, top_in + bottom_in + K * cell)
        )
    W, H = fig.get_figwidth(), fig.get_figheight()
    gs = fig.add_gridspec(
        K, 2 * n + 1, width_ratios=[1] * n + [gap] + [1] * n,
        left=left_in / W, right=1 - right_in / W, bottom=bottom_in / H, top=1 - top_in / H,
        wspace=0.06, hspace=0.06,
    )
    for r, c in enumerate(classes):
        blocks = ((real[y == c][:n], 0), (gen[y_gen == c][:n], n + 1))
        for images, start in blocks:
            for j in range(n):
                axis = fig.add_subplot(gs[r, start + j])
                _bare(axis)
                if j < len(images):
                    _show_image(axis, images[j])
                elif not (start == 0 and j == 0):
                    axis.set_axis_off()
                if start == 0 and j == 0:
                    axis.set_ylabel(f"class {c}", rotation=0, ha="right", va="center", fontsize="medium")
    # block headers, centred over each block
    for start, text in ((0, "real"), (n + 1, "generated out-of-class")):
        x0 = gs[0, start].get_position(fig).x0
        x1 = gs[0, start + n - 1].get_position(fig).x1
        fig.text((x0 + x1) / 2, 1 - (top_in - 0.07) / H, text, ha="center", va="bottom", fontsize="medium")
    return fig


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
    """
    plt = _pyplot()
    _fitted(estimator)
    check_number("max_classes", max_classes, low=1, integer=True)
    if diagnostics is None:
        if X is None or y is None:
            raise ValueError("X, y: expected labelled data to compute the diagnostics, or pass diagnostics=.")
        if not hasattr(estimator, "shield_diagnostics"):
            raise ValueError(f"estimator: {type(estimator).__name__} has no shields (no shield_diagnostics).")
        diagnostics = estimator.shield_diagnostics(X, y, n_per_class=n_per_class, random_state=random_state)
    d = diagnostics
    classes = np.asarray(estimator.classes_)
    K = min(len(classes), int(max_classes))
    colors = _class_colors(len(classes))
    if fig is None:
        fig = plt.figure(figsize=(2.6 * K + 0.6, 5.6), layout="constrained")
    axes = fig.subplots(2, K, squeeze=False)
    for k in range(K):
        real = d.real_codes[d.real_labels == k]
        sh = d.shield_codes[d.shield_labels == k]
        ax = axes[0, k]
        if len(real) + len(sh) >= 2:
            proj = _pca_2d(np.vstack([real, sh]).astype(float))
            ax.scatter(*proj[: len(real)].T, s=4, color=colors[k], alpha=0.5, label="real")
            ax.scatter(*proj[len(real):].T, s=10, marker="x", color="black", alpha=0.6, linewidths=0.8,
                       label="shields")
        ax.set_title(f"class {classes[k]}", fontsize="medium")
        ax.set_xticks([])
        ax.set_yticks([])
        if k == 0:
            ax.set_ylabel("codes, 2-D projection")
            ax.legend(loc="best", fontsize="small", markerscale=2)
        ax = axes[1, k]
        spacing, dist = d.real_spacings[k], d.shield_distances[k]
        pos = np.concatenate([spacing, dist])
        pos = pos[pos > 0]
        if pos.size:
            bins = np.geomspace(pos.min(), pos.max() * 1.01, 30) if pos.max() > pos.min() else 10
            ax.hist(spacing[spacing > 0], bins=bins, color=colors[k], alpha=0.6, label="real: nearest real")
            ax.hist(dist[dist > 0], bins=bins, color="black", alpha=0.45, label="shield: nearest real")
            ax.set_xscale("log")
        ax.set_title(
            f"ratio {d.distance_ratio[k]:.2f}\n"
            f"p shield {d.own_head_p[k]:.3f}, recon {d.reconstruction_head_p[k]:.2f}",
            fontsize="small",
        )
        ax.set_xlabel("distance (GAN space)")
        if k == 0:
            ax.set_ylabel("count")
            ax.legend(loc="best", fontsize="x-small")
    return fig


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
    """
    ece = expected_calibration_error(y_true, proba, n_bins=n_bins)  # validates all inputs
    ax = _new_axes(ax, figsize=(5.0, 5.0))
    p = np.clip(np.asarray(proba, dtype=float), 0.0, 1.0)
    y = np.asarray(y_true).astype(np.int64)
    conf = p.max(axis=1)
    correct = (p.argmax(axis=1) == y).astype(float)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    bins = np.clip(np.digitize(conf, edges[1:-1], right=True), 0, n_bins - 1)
    counts = np.bincount(bins, minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        acc = np.where(counts > 0, np.bincount(bins, weights=correct, minlength=n_bins) / counts, 0.0)
        mean_conf = np.where(counts > 0, np.bincount(bins, weights=conf, minlength=n_bins) / counts, 0.0)
    width = 1.0 / n_bins
    ax.bar(edges[:-1], acc, width=width, align="edge", color="tab:blue", edgecolor="black", linewidth=0.6,
           label="accuracy")
    used = counts > 0
    ax.bar(edges[:-1][used], (mean_conf - acc)[used], bottom=acc[used], width=width, align="edge",
           facecolor="none", edgecolor="tab:red", linewidth=0.8, hatch="///", label="gap to mean confidence")
    ax.plot([0, 1], [0, 1], linestyle="--", color="0.3", linewidth=1.0, label="perfect calibration")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_aspect("equal")
    ax.set_xlabel("confidence (top-class probability)")
    ax.set_ylabel("accuracy")
    ax.set_title(f"Reliability diagram (ECE = {ece:.3f})")
    ax.legend(loc="upper left", fontsize="small", framealpha=0.9)
    return ax


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
    """
    if not isinstance(scores_by_name, Mapping) or len(scores_by_name) == 0:
        raise ValueError(
            "scores_by_name: expected a non-empty dict name -> (scores_negative, scores_positive), "
            f"got {type(scores_by_name).__name__}"
            + (" of length 0." if isinstance(scores_by_name, Mapping) else ".")
        )
    curves = []
    for name, pair in scores_by_name.items():
        if not (isinstance(pair, (tuple, list)) and len(pair) == 2):
            raise ValueError(
                f"scores_by_name: entry {name!r} must be a pair (scores_negative, scores_positive), "
                f"got {type(pair).__name__}."
            )
        neg = _scores(f"scores_by_name[{name!r}][0]", pair[0])
        pos = _scores(f"scores_by_name[{name!r}][1]", pair[1])
        labels = np.r_[np.zeros(len(neg)), np.ones(len(pos))]
        scores = np.r_[neg, pos]
        fpr, tpr, _ = roc_curve(labels, scores)
        curves.append((str(name), fpr, tpr, roc_auc_score(labels, scores)))
    ax = _new_axes(ax, figsize=(5.2, 5.0))
    ax.plot([0, 1], [0, 1], linestyle=":", color="0.5", linewidth=1.0, gid="chance")
    for name, fpr, tpr, auc in curves:
        style = {"color": "black", "linestyle": "--"} if name == "pooled" else {}
        ax.plot(fpr, tpr, linewidth=1.6, label=f"{name} (AUROC = {auc:.3f})", **style)
    ax.set_xlim(-0.01, 1.01)
    ax.set_ylim(-0.01, 1.01)
    ax.set_aspect("equal")
    ax.set_xlabel("false positive rate")
    ax.set_ylabel("true positive rate")
    if title is not None:
        ax.set_title(title)
    ax.legend(loc="lower right", fontsize="small")
    return ax


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
    """
    items = _ood_items(ood_sets)
    _fitted(estimator)
    e_in = _uncertainty(estimator, X_in, "epistemic", "X_in")
    curves = {}
    for name, X_out in items:
        curves[name] = (e_in, _uncertainty(estimator, X_out, "epistemic", f"ood_sets[{name!r}]"))
    if len(items) > 1:
        curves["pooled"] = (e_in, np.concatenate([pos for _, pos in curves.values()]))
    return plot_roc_curves(curves, ax=ax, title="OoD detection (epistemic uncertainty)")


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
    """
    _fitted(estimator)
    u = estimator.predict_uncertainty(X)
    proba = np.asarray(u["proba"], dtype=float)
    classes = np.asarray(estimator.classes_)
    y = _labels("y", y, len(proba), classes)
    wrong = classes[proba.argmax(axis=1)] != y
    if wrong.all() or not wrong.any():
        raise ValueError(
            f"y: {'every' if wrong.all() else 'no'} prediction is wrong, so misclassification detection is "
            "undefined; use a larger or harder test set."
        )
    ale = _scores("aleatoric score", u["aleatoric"])
    ax = plot_roc_curves(
        {f"misclassified ({int(wrong.sum())}) vs correct ({int((~wrong).sum())})": (ale[~wrong], ale[wrong])},
        ax=ax,
        title=f"Misclassification detection (aleatoric), accuracy {np.mean(~wrong):.3f}",
    )
    return ax


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
    """
    if score not in ("epistemic", "aleatoric"):
        raise ValueError(f"score: expected 'epistemic' or 'aleatoric', got {score!r}.")
    check_number("bins", bins, low=1, high=10_000, integer=True)
    items = _ood_items(ood_sets, allow_empty=True)
    _fitted(estimator)
    sets = [("in-distribution", _uncertainty(estimator, X_in, score, "X_in"))]
    for name, X_out in items:
        sets.append((name, _uncertainty(estimator, X_out, score, f"ood_sets[{name!r}]")))
    ax = _new_axes(ax, figsize=(6.4, 4.2))
    all_scores = np.concatenate([s for _, s in sets])
    lo, hi = float(all_scores.min()), float(all_scores.max())
    if hi - lo < 1e-9:
        lo, hi = lo - 0.01, hi + 0.01
    edges = np.linspace(lo, hi, bins + 1)
    colors = ["0.35"] + [f"C{i % 10}" for i in range(len(sets) - 1)]
    for (name, s), color in zip(sets, colors):
        ax.hist(s, bins=edges, density=True, histtype="stepfilled", alpha=0.35, facecolor=color,
                edgecolor=color, linewidth=1.5, label=f"{name} (n={len(s)})")
    ax.set_xlabel(f"{score} uncertainty")
    ax.set_ylabel("density")
    ax.set_title(f"{score.capitalize()} uncertainty by data set")
    ax.legend(fontsize="small")
    return ax


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
    """
    plt = _pyplot()
    from matplotlib.ticker import MaxNLocator

    _fitted(estimator)
    ae = getattr(estimator, "autoencoder_", None)
    net = getattr(estimator, "shielding_net_", None) or getattr(estimator, "net_", None)
    h_ae = getattr(ae, "history", None)
    h = getattr(net, "history", None)

    # (title, ylabel, [(series, label, style)], right-axis series or None)
    panels = []
    stage = "stage 2: " if h_ae is not None or getattr(estimator, "shielding_net_", None) is not None else ""
    ae_lines = [(_series(h_ae, "train_loss"), "train", {}), (_series(h_ae, "valid_loss"), "valid", {})]
    if any(s is not None for s, _, _ in ae_lines):
        panels.append(("stage 1: autoencoder", "reconstruction loss (BCE)", ae_lines, None))
    critic = [(_series(h, "critic_loss"), "critic loss", {}), (_series(h, "wasserstein"), "Wasserstein estimate", {})]
    if any(s is not None for s, _, _ in critic):
        panels.append((stage + "critic", "loss", critic, None))
    gen = [(_series(h, "generator_loss"), "generator loss", {})]
    reg = (_series(h, "regularizer"), "regularizer", {"color": "C1"})
    if gen[0][0] is not None or reg[0] is not None:
        if gen[0][0] is None:
            panels.append((stage + "generator", "regularizer", [reg], None))
        else:
            panels.append((stage + "generator", "generator loss", gen, reg if reg[0] is not None else None))
    train_key = "train_loss" if _series(h, "train_loss") is not None else "classifier_loss"
    cls = [(_series(h, train_key), "train", {}), (_series(h, "valid_loss"), "valid", {})]
    if any(s is not None for s, _, _ in cls):
        panels.append((stage + "classifier", "one-vs-all loss" if stage else "loss", cls, None))
    acc = _series(h, "valid_acc")
    if acc is not None:
        panels.append(("validation accuracy", "accuracy", [(acc, "valid", {"color": "C2"})], None))
    if not panels:
        raise ValueError(
            f"estimator: {type(estimator).__name__} holds no training history to plot "
            "(expected autoencoder_, shielding_net_ or net_ with a skorch history)."
        )

    n = len(panels)
    ncols = min(3, n)
    nrows = math.ceil(n / ncols)
    if fig is None:
        fig = plt.figure(figsize=(4.3 * ncols, 3.3 * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for axis in axes[n:]:
        axis.remove()
    best = getattr(estimator, "best_epoch_", None)
    for axis, (title, ylabel, lines, right) in zip(axes, panels):
        for series, label, style in lines:
            if series is not None:
                axis.plot(series[0], series[1], marker="o" if len(series[0]) <= 40 else None, markersize=3,
                          label=label, **style)
        handles, labels = axis.get_legend_handles_labels()
        if right is not None:
            twin = axis.twinx()
            twin.plot(right[0][0], right[0][1], marker="s" if len(right[0][0]) <= 40 else None, markersize=3,
                      label=right[1], **right[2])
            twin.set_ylabel(right[1], color=right[2].get("color", "C1"))
            twin.tick_params(axis="y", colors=right[2].get("color", "C1"))
            h2, l2 = twin.get_legend_handles_labels()
            handles, labels = handles + h2, labels + l2
        if title == "validation accuracy" and best is not None:
            epochs, values = acc
            hit = np.flatnonzero(epochs == best)
            axis.axvline(best, color="0.4", linestyle="--", linewidth=1.0, label=f"kept (epoch {best})")
            if hit.size:
                axis.plot([best], [values[hit[0]]], marker="*", markersize=12, color="C3", linestyle="none")
            handles, labels = axis.get_legend_handles_labels()
        if title == "validation accuracy":
            axis.margins(y=0.12)
        axis.set_title(title)
        axis.set_xlabel("epoch")
        axis.set_ylabel(ylabel)
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))
        axis.grid(alpha=0.3)
        if len(handles) > 1 or title == "validation accuracy":
            axis.legend(handles, labels, fontsize="small")
    return fig
