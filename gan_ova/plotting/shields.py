"""The shields of a fitted model: generated images next to real ones, and where the shields sit."""

from __future__ import annotations

import numpy as np

from .._validation import check_number
from ._common import check_fitted, check_labels, class_colors, display_repr, pyplot

__all__ = ["plot_shield_grid", "plot_shield_diagnostics", "ShieldGridDisplay", "ShieldDiagnosticsDisplay"]


# ---------------------------------------------------------------------------
# shield grid
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
    pyplot()
    display = ShieldGridDisplay.from_estimator(estimator, X, y, n_per_class=n_per_class, random_state=random_state)
    return display.plot(fig=fig).figure_


def _check_image_model(estimator):
    """Raise unless ``estimator`` is fitted on images and generates out-of-class samples."""
    check_fitted(estimator)
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
        fig = pyplot().figure(
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

    __repr__ = display_repr

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
        y = check_labels("y", y, len(real), classes)
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


# ---------------------------------------------------------------------------
# shield diagnostics
# ---------------------------------------------------------------------------
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
    pyplot()
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
        # minor tick labels (2x10^-1, 3x10^-1, ...) collide when the range spans less than a decade
        from matplotlib.ticker import NullFormatter

        ax.xaxis.set_minor_formatter(NullFormatter())
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

    __repr__ = display_repr

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
        check_fitted(estimator)
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
        colors = class_colors(len(self.classes))
        if fig is None:
            fig = pyplot().figure(figsize=(2.6 * K + 0.6, 5.6), layout="constrained")
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
