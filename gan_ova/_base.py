"""Shared plumbing of gan_ova's estimators: parameter checks, input handling, prediction API.

Every estimator of the package (the UQGAN classifier and the baselines) takes
the same inputs -- images ``(n, C, H, W)`` / ``(n, H, W)``, flat images with
``image_shape``, or feature vectors -- and exposes the same prediction API:
``predict_proba``, ``predict``, ``predict_uncertainty`` (aleatoric and
epistemic, higher = more uncertain) and ``score_samples``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import numbers
import os
import sys
import threading
import warnings

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import Bunch, check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data
from torch import nn

from . import _streaming
from ._farfield import squash
from ._validation import check_bool, check_number, pixel_range_rule
from .nets.classifiers import BACKBONES, default_backbone
from .training.precision import check_precision

__all__ = [
    "BaseUQClassifier",
    "FitContext",
    "RESERVED_BACKBONE_KWARGS",
    "draw_seed",
    "eval_mode",
    "fork_devices",
    "standardization",
    "warn_user",
]

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


def warn_user(message, category=UserWarning):
    """Emit a warning attributed to the first caller outside gan_ova (the user's line, or sklearn's).

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as w:
    ...     warnings.simplefilter("always")
    ...     warn_user("batch_size: too large.")
    >>> str(w[0].message)
    'batch_size: too large.'
    """
    frame, level = sys._getframe(0), 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(_PACKAGE_DIR):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)


def torch_device(device):
    """Validate ``device`` and return a :class:`torch.device`."""
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(f"device: expected 'cpu', 'cuda' or 'cuda:N', got {device!r}.") from exc
    if dev.type not in ("cpu", "cuda"):
        raise ValueError(f"device: expected 'cpu', 'cuda' or 'cuda:N', got {device!r}.")
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device: {device!r} was requested but CUDA is not available on this machine; use device='cpu'.")
    return dev


def standardization(X, eps=1e-8):
    """Per-column ``(mean, scale)`` of ``X`` as float32; a scale <= ``eps`` (a constant column) becomes 1.

    Used for feature vectors (the classifier's inputs) and for the latent
    codes the GAN works on.

    Examples
    --------
    >>> standardization(np.array([[0.0, 5.0], [2.0, 5.0]]))
    (array([1., 5.], dtype=float32), array([1., 1.], dtype=float32))
    """
    mean = X.mean(axis=0)
    scale = X.std(axis=0)
    scale = np.where(scale > eps, scale, 1.0)
    return mean.astype(np.float32), scale.astype(np.float32)


def fork_devices(device):
    """Devices whose RNG ``torch.random.fork_rng`` must save for ``device``."""
    dev = torch.device(device)
    return [dev] if dev.type == "cuda" else []


def draw_seed(random_state):
    """One int seed in ``[0, 2**31 - 1)`` drawn from ``random_state`` (for a torch generator)."""
    return int(check_random_state(random_state).randint(0, 2**31 - 1))


@contextlib.contextmanager
def eval_mode(module):
    """Run the block with ``module`` in evaluation mode and without gradients; its mode is restored after."""
    was_training = module.training
    module.eval()
    try:
        with torch.no_grad():
            yield module
    finally:
        module.train(was_training)


def _check_channels_first(arr):
    """Refuse channels-last images ``(n, H, W, C)``, which would be read as ``C=H`` channels of ``W x C`` pixels.

    A 4-D array whose last axis is 1 or 3 cannot hold valid channels-first
    images (images are at least 4 pixels wide), so it is channels-last.
    """
    if arr.ndim == 4 and arr.shape[-1] in (1, 3) and arr.shape[1] not in (1, 3):
        raise ValueError(
            f"X: got 4-D input of shape {arr.shape}, which looks channels-last (n, H, W, C) with C={arr.shape[-1]}; "
            "gan_ova expects channels-first images (n, C, H, W). Transpose them: X.transpose(0, 3, 1, 2)."
        )


def _pixel_like(X):
    """How the values of ``X`` look like pixels: the ``pixel_scale`` advice, or None if they do not."""
    if X.size == 0:
        return None
    lo, hi = float(X.min()), float(X.max())
    if lo < 0 or hi > 255:
        return None
    if X.dtype == np.uint8 or hi <= 1:
        return ("values in [0, 1]" if X.dtype != np.uint8 else "uint8 values"), ""
    integral = X.dtype.kind in "ui" or bool(np.all(X == np.floor(X)))
    if not integral:
        return None
    if hi <= 16:
        return "integers in 0..16 (like scikit-learn's digits)", " and pixel_scale=16"
    return "integers in 0..255", " and pixel_scale=255"


_VALIDATE_KW = dict(accept_sparse=False, dtype="numeric", ensure_min_samples=1)


def _check_numeric(X):
    if X.dtype.kind not in "uif":
        raise ValueError(f"X: expected numeric values, got dtype {X.dtype}.")


def _warn_if_flat_images(X):
    """UserWarning when 2-D ``X`` without ``image_shape`` looks like flattened images.

    The column count is ``H*H`` (grey) or ``3*H*H`` (colour) with ``H >= 8``
    and every value looks like a pixel (see :func:`_pixel_like`).
    """
    n_cols = X.shape[1]
    shape = None
    for channels in (1, 3):
        if n_cols % channels == 0:
            side = math.isqrt(n_cols // channels)
            if side >= 8 and side * side * channels == n_cols:
                shape = (channels, side, side)
    if shape is None:
        return
    pixels = _pixel_like(X)
    if pixels is None:
        return
    what, scale_hint = pixels
    warn_user(
        f"X: {n_cols} columns, all {what}, look like flattened {shape[1]}x{shape[2]} "
        f"{'grey' if shape[0] == 1 else 'colour'} images, but without image_shape they are fitted as "
        "feature vectors (no autoencoder, MLP backbone). If each row is an image, pass "
        f"image_shape={shape}{scale_hint} (or pass the images unflattened, (n, C, H, W)); if they are "
        "feature vectors, ignore this warning."
    )


#: ``backbone_kwargs`` keys that the estimators set themselves.
RESERVED_BACKBONE_KWARGS = ("input_shape", "n_classes", "dropout")


@dataclasses.dataclass
class FitContext:
    """What one fit knows once its inputs are checked: handed to :meth:`BaseUQClassifier._fit_nets`.

    Attributes
    ----------
    Xf : ndarray or ImageSource
        The checked inputs (images in [0, 1] or raw feature vectors); for a
        torch Dataset, a :class:`gan_ova._streaming.ImageSource` that reads
        the images by index.
    Xc : ndarray or ImageSource
        Classifier-space inputs (standardized vectors); set inside the forked RNG.
    y_idx : ndarray of int
        Class indices.
    counts : ndarray
        Examples per class.
    tr, va : ndarray or None
        Training and validation indices (``va`` None without validation).
    image_shape : tuple or None
    input_shape : tuple
        ``image_shape``, or ``(n_features,)`` for vectors.
    module_cls : type
        The backbone class.
    bs : int
        The batch size this fit uses.
    device : torch.device
    seeds : dict
        ``split``, ``predict`` (int) and ``torch`` (list of int) seeds.
    stage : str or None
        Name of the net being trained, for progress output.
    """

    Xf: np.ndarray
    y_idx: np.ndarray
    counts: np.ndarray
    tr: np.ndarray
    va: np.ndarray | None
    image_shape: tuple | None
    input_shape: tuple
    module_cls: type
    bs: int
    device: torch.device
    seeds: dict
    Xc: np.ndarray | None = None
    stage: str | None = None

    @property
    def K(self):
        """Number of classes."""
        return len(self.counts)


class BaseUQClassifier(ClassifierMixin, BaseEstimator):
    """Base class: parameter and input validation, the fit skeleton and the prediction API.

    :meth:`fit` runs one skeleton for every estimator: validate the
    parameters, check ``X`` and ``y``, encode the labels, draw the seeds,
    split off the validation data, choose the batch size, then -- inside a
    forked torch RNG -- scale the inputs and call ``_fit_nets(ctx)`` with a
    :class:`FitContext`; finally set the common fitted attributes. On any
    error the estimator is left as it was. Subclasses implement

    * ``_validate_params()`` (returning the torch device; call
      :meth:`_validate_common_params`),
    * ``_fit_nets(ctx)``, which trains the nets and sets their own fitted
      attributes,
    * ``_uncertainty_dict(Xc)`` returning at least ``proba``, ``aleatoric``,
      ``epistemic`` and ``p_in`` for classifier-space inputs ``Xc``,

    and may override ``_seed_order`` / ``_n_torch_seeds()`` (which seeds the
    fit draws from ``random_state``, in order), ``_warn_ignored_params()``
    and ``_after_fit(ctx)``.
    """

    #: The seeds a fit draws from ``random_state``, in this order; ``"torch"`` stands for ``_n_torch_seeds()`` seeds.
    _seed_order = ("split", "predict", "torch")

    # ------------------------------------------------------------------
    # parameters
    # ------------------------------------------------------------------
    def _validate_common_params(self):
        check_number("lr", self.lr, low=0, low_open=True)
        for name in ("batch_size", "max_epochs"):
            check_number(name, getattr(self, name), low=1, integer=True)
        check_number("verbose", self.verbose, low=0, integer=True)
        check_number("validation_fraction", self.validation_fraction, low=0, high=0.9)
        backbone = self.backbone
        if not (isinstance(backbone, str) and (backbone == "auto" or backbone in BACKBONES)) and not (
            isinstance(backbone, type) and issubclass(backbone, nn.Module)
        ):
            raise ValueError(
                f"backbone: expected 'auto', one of {sorted(BACKBONES)} or a torch.nn.Module class, got {backbone!r}."
            )
        if self.backbone_kwargs is not None and not isinstance(self.backbone_kwargs, dict):
            raise ValueError(f"backbone_kwargs: expected a dict or None, got {self.backbone_kwargs!r}.")
        reserved = sorted(k for k in (self.backbone_kwargs or {}) if k in RESERVED_BACKBONE_KWARGS)
        if reserved:
            raise ValueError(
                f"backbone_kwargs: expected none of {list(RESERVED_BACKBONE_KWARGS)} (set by the estimator), "
                f"got {self.backbone_kwargs!r}."
            )
        if self.pixel_scale != "auto":
            check_number("pixel_scale", self.pixel_scale, low=0, low_open=True, allow=("auto",))
        if self.image_shape is not None:
            shp = self.image_shape
            if (
                not isinstance(shp, (tuple, list))
                or len(shp) != 3
                or not all(isinstance(s, numbers.Integral) and not isinstance(s, bool) and s > 0 for s in shp)
            ):
                raise ValueError(f"image_shape: expected a tuple (C, H, W) of positive ints, got {shp!r}.")
            if shp[1] < 4 or shp[2] < 4:
                raise ValueError(f"image_shape: expected images of at least 4x4 pixels, got {tuple(shp)}.")
        device = torch_device(self.device)
        check_precision(self.precision, device)
        check_bool("compile", self.compile)
        return device

    def _backbone_class(self, input_shape, image_mode):
        name = self.backbone
        if name == "auto":
            name = default_backbone(input_shape)
        if isinstance(name, str):
            if name in ("lenet", "lenet5", "resnet") and not image_mode:
                raise ValueError(
                    f"backbone: {name!r} needs images, but X holds feature vectors; use 'mlp' or pass image_shape."
                )
            return BACKBONES[name]
        return name

    # ------------------------------------------------------------------
    # inputs
    # ------------------------------------------------------------------
    #: Whether ``fit`` and the predict-type methods accept a ``torch.utils.data.Dataset`` (see :mod:`gan_ova._streaming`).
    _accepts_datasets = False

    def _loader_kwargs(self, device=None):
        """``num_workers`` / ``pin_memory`` of the DataLoaders (pinning only for CUDA, where it helps)."""
        device = torch.device(self.device if device is None else device)
        return {
            "num_workers": int(getattr(self, "num_workers", 0)),
            "pin_memory": bool(getattr(self, "pin_memory", False)) and device.type == "cuda",
        }

    def _check_dataset_accepted(self, X):
        if not self._accepts_datasets:
            raise TypeError(
                f"X: {type(self).__name__} accepts arrays (images (n, C, H, W), flat rows or feature vectors), "
                f"got {type(X).__name__}, a torch {'DataLoader' if isinstance(X, torch.utils.data.DataLoader) else 'Dataset'}; "
                "streaming from a Dataset is supported by GANShieldedOvAClassifier. Load the data into a numpy "
                "array to use this estimator."
            )

    def _fit_inputs(self, X, y):
        """Check ``X`` and ``y`` at fit: ``(Xf, y, image_shape, meta)``.

        ``Xf`` holds images scaled to [0, 1] (shape ``(n,) + image_shape``) or
        raw feature vectors (standardize them with :meth:`_fit_input_scaler`);
        ``meta`` has ``uint8`` (the input dtype) and ``ndim`` (2, 3 or 4).
        For a torch Dataset ``Xf`` is a :class:`~gan_ova._streaming.ImageSource`
        that reads the images on demand, and the labels come from the dataset.
        """
        if _streaming.is_dataset_input(X):
            self._check_dataset_accepted(X)
            source, y, image_shape, meta = _streaming.check_fit_dataset(self, X, y, self._loader_kwargs())
            self.n_features_in_ = int(np.prod(image_shape))
            self.__dict__.pop("feature_names_in_", None)
            return source, y, image_shape, meta
        if y is None:
            raise ValueError(
                "y: expected array-like labels of shape (n_samples,) with array X, got None (the estimator "
                "requires y to be passed, but the target y is None); y=None is accepted only when X is a "
                "torch.utils.data.Dataset whose items carry the labels."
            )
        X, nd_shape, input_ndim = self._flatten_images(X, fit=True)
        X, y = validate_data(self, X, y, reset=True, **_VALIDATE_KW)
        _check_numeric(X)
        meta = {"uint8": bool(X.dtype == np.uint8), "ndim": input_ndim}
        if nd_shape is None and self.image_shape is None:
            _warn_if_flat_images(X)
        image_shape = self._fit_image_shape(nd_shape, X.shape[1])
        if image_shape is None:
            return X.astype(np.float32), y, None, meta
        return self._unit_pixels(X, image_shape, meta["uint8"]), y, image_shape, meta

    def _predict_inputs(self, X):
        """Check ``X`` at predict time and return it in classifier space.

        Images scaled to [0, 1] with the fitted shape, or feature vectors
        standardized (and squashed, with the far field) as in fit; for a torch
        Dataset, an :class:`~gan_ova._streaming.ImageSource` read in batches.
        """
        if _streaming.is_dataset_input(X):
            self._check_dataset_accepted(X)
            return _streaming.check_predict_dataset(self, X, self._loader_kwargs())
        arr, nd_shape, _ = self._flatten_images(X, fit=False)
        if nd_shape is not None:
            if self.image_shape_ is None:
                raise ValueError(f"X: this model was fitted on feature vectors; got images of shape {tuple(nd_shape)}.")
            if tuple(nd_shape) != tuple(self.image_shape_):
                raise ValueError(
                    f"X: expected images of shape {tuple(self.image_shape_)} (as in fit), got {tuple(nd_shape)}."
                )
        X = validate_data(self, arr, reset=False, **_VALIDATE_KW)
        _check_numeric(X)
        if self.image_shape_ is not None:
            return self._unit_pixels(X, tuple(self.image_shape_), bool(X.dtype == np.uint8))
        Xf = (X.astype(np.float32) - self.input_mean_) / self.input_scale_
        if getattr(self, "input_squash_", None) is not None:
            Xf = squash(Xf, self.input_squash_)
        return Xf

    def _flatten_images(self, X, *, fit):
        """``(X, nd_shape, ndim)``: 3-D/4-D image arrays flattened to rows, with their per-image shape.

        DataFrames and sparse matrices pass through (``nd_shape`` None); at
        predict time a lone image without the batch axis is refused.
        """
        if hasattr(X, "iloc") or hasattr(X, "tocsr"):
            return X, None, 2
        arr = X if isinstance(X, np.ndarray) else np.asarray(X)
        _check_channels_first(arr)
        if not fit:
            self._check_not_a_single_image(arr)
        if arr.ndim > 4:
            raise ValueError(
                "X: expected 2-D (n_samples, n_features), 3-D (n, H, W) or 4-D (n, C, H, W) input, "
                f"got {arr.ndim}-D with shape {arr.shape}."
            )
        if arr.ndim not in (3, 4):
            return arr, None, 2
        nd_shape = (1,) + arr.shape[1:] if arr.ndim == 3 else arr.shape[1:]
        return arr.reshape(arr.shape[0], int(np.prod(arr.shape[1:]))), nd_shape, arr.ndim

    def _fit_image_shape(self, nd_shape, n_features):
        """The image shape of this fit (from the array, or ``image_shape`` for flat rows), or None for vectors."""
        if nd_shape is not None:
            if self.image_shape is not None and tuple(self.image_shape) != tuple(nd_shape):
                raise ValueError(
                    f"image_shape: {tuple(self.image_shape)} does not match the shape of the images in X "
                    f"{tuple(nd_shape)}."
                )
            image_shape = tuple(int(s) for s in nd_shape)
        elif self.image_shape is not None:
            image_shape = tuple(int(s) for s in self.image_shape)
            if int(np.prod(image_shape)) != n_features:
                raise ValueError(
                    f"image_shape: {image_shape} needs {int(np.prod(image_shape))} features per row, "
                    f"but X has {n_features}."
                )
        else:
            return None
        if image_shape[1] < 4 or image_shape[2] < 4:
            raise ValueError(f"X: expected images of at least 4x4 pixels, got shape {image_shape}.")
        return image_shape

    def _unit_pixels(self, X, image_shape, is_uint8):
        """Rows of pixels as float32 images in [0, 1] of shape ``(n,) + image_shape`` (ValueError if out of range)."""
        scale = self._pixel_divisor(is_uint8)
        # one new float32 array (never a view of the caller's X), divided in place
        Xf = X.astype(np.float32).reshape((-1,) + image_shape)
        if scale != 1.0:
            Xf /= np.float32(scale)
        lo, hi = (float(Xf.min()), float(Xf.max())) if Xf.size else (0.0, 0.0)
        if lo < -1e-6 or hi > 1 + 1e-6:
            how = pixel_range_rule(self.pixel_scale)
            raise ValueError(
                f"X: pixel values span [{lo * scale:g}, {hi * scale:g}]; {how}. Pass uint8 images, "
                "rescale X, or set pixel_scale to the maximum pixel value."
            )
        if lo < 0.0 or hi > 1.0:  # round-off within the tolerance
            np.clip(Xf, 0.0, 1.0, out=Xf)
        return Xf

    def _check_not_a_single_image(self, arr):
        """At predict time: a lone image of the fitted shape, without the batch axis, is an error that says so."""
        shape = getattr(self, "image_shape_", None)
        if shape is None:
            return
        shape = tuple(shape)
        single = (arr.ndim == 3 and arr.shape == shape and shape[0] != 1) or (
            arr.ndim == 2 and shape[0] == 1 and arr.shape == shape[1:]
        )
        if single:
            raise ValueError(
                f"X: got one image of shape {arr.shape}, but predict-type methods expect a batch of images, "
                f"shape (n_samples, {', '.join(str(s) for s in shape)}); add the batch axis: X[None] "
                "(or X[np.newaxis])."
            )

    def _pixel_divisor(self, is_uint8):
        if self.pixel_scale == "auto":
            return 255.0 if is_uint8 else 1.0
        return float(self.pixel_scale)

    def _fit_input_scaler(self, Xf, image_shape, rows=None):
        """Standardize feature vectors (no-op for images); sets ``input_mean_``/``input_scale_``."""
        if image_shape is not None:
            self.input_mean_ = self.input_scale_ = None
            return Xf
        self.input_mean_, self.input_scale_ = standardization(Xf if rows is None else Xf[rows])
        return ((Xf - self.input_mean_) / self.input_scale_).astype(np.float32)

    def _encode_labels(self, y, n_samples):
        """Check targets; return ``(classes, y_idx, counts)``."""
        check_classification_targets(y)
        encoder = LabelEncoder().fit(y)
        classes = encoder.classes_
        if len(classes) < 2:
            raise ValueError(
                f"y: needs at least 2 classes, got 1 class ({classes[0]!r}); a classifier has nothing to separate."
            )
        y_idx = encoder.transform(y).astype(np.int64)
        counts = np.bincount(y_idx, minlength=len(classes))
        if counts.min() < 2:
            rare = [classes[i] for i in np.flatnonzero(counts < 2)]
            raise ValueError(f"y: every class needs at least 2 examples; class(es) {rare} have 1.")
        return classes, y_idx, counts

    def _effective_batch_size(self, n_train, n_samples):
        """``batch_size``, shrunk (with a UserWarning) to the ``n_train`` training samples if larger.

        The ``batch_size`` parameter itself is left untouched (scikit-learn's
        convention); the fit uses the returned value.
        """
        if self.batch_size <= n_train:
            return int(self.batch_size)
        held_out = (
            f" ({n_samples} samples minus the validation_fraction={self.validation_fraction!r} held out)"
            if n_train < n_samples
            else ""
        )
        warn_user(
            f"batch_size: {self.batch_size} is larger than the number of training samples, {n_train}{held_out}; "
            f"this fit uses batches of {n_train} instead. Pass batch_size <= {n_train} to silence this warning."
        )
        return int(n_train)

    def _split(self, y_idx, seed):
        """Stratified train/validation indices (validation None when the fraction is 0)."""
        n, K = len(y_idx), int(y_idx.max()) + 1
        n_val = int(round(self.validation_fraction * n))
        if self.validation_fraction > 0 and n_val >= 1 and n - n_val >= 2:
            strat = y_idx if (n_val >= K and n - n_val >= K) else None
            tr, va = train_test_split(np.arange(n), test_size=n_val, random_state=seed, stratify=strat)
            return np.sort(tr), np.sort(va)
        return np.arange(n), None

    def fit(self, X, y=None):
        """Fit the model; on any error the estimator is left as it was before the call.

        Parameters
        ----------
        X : array-like of shape (n_samples, C, H, W), (n_samples, H, W) or (n_samples, n_features)
            Images (uint8, or floats in [0, 1]; see ``pixel_scale``), flat
            images with ``image_shape`` set, or feature vectors.
        y : array-like of shape (n_samples,)
            Class labels (ints, strings, ...); at least two classes and two
            examples per class. Required (None is an error).

        Returns
        -------
        self
        """
        saved = dict(self.__dict__)
        try:
            return self._fit(X, y)
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(saved)
            raise


    def _net_params(self, *, lr, max_epochs, batch_size, train_split, callbacks, device, drop_last, prefixed=None):
        """Keyword arguments every skorch net of a fit shares (Adam, shuffled batches, progress output, precision).

        ``prefixed`` maps a prefix (``"module"``, ``"generator"``, ...) to a
        dict of keyword arguments passed as ``<prefix>__<key>``.
        """
        params = {
            f"{prefix}__{key}": value
            for prefix, kwargs in (prefixed or {}).items()
            for key, value in kwargs.items()
        }
        params.update(
            optimizer=torch.optim.Adam,
            lr=lr,
            max_epochs=max_epochs,
            batch_size=batch_size,
            iterator_train__shuffle=True,
            iterator_train__drop_last=drop_last,
            train_split=train_split,
            callbacks=callbacks,
            device=str(device),
            verbose=self.verbose,
            precision=self.precision,
            compile=self.compile,
        )
        loader = self._loader_kwargs(device)
        for iterator in ("iterator_train", "iterator_valid"):
            params.update({f"{iterator}__{key}": value for key, value in loader.items()})
        return params

    # ------------------------------------------------------------------
    # the fit skeleton
    # ------------------------------------------------------------------
    def _n_torch_seeds(self):
        return 1

    def _warn_ignored_params(self):
        """UserWarnings for parameters that this combination of parameters ignores (none by default)."""

    def _draw_seeds(self):
        """The fit's seeds from ``random_state``, drawn in the order ``_seed_order``."""
        n_torch = self._n_torch_seeds()
        values = check_random_state(self.random_state).randint(0, 2**31 - 1, size=len(self._seed_order) - 1 + n_torch)
        seeds, pos = {}, 0
        for name in self._seed_order:
            take = n_torch if name == "torch" else 1
            chunk = [int(v) for v in values[pos : pos + take]]
            seeds[name] = chunk if name == "torch" else chunk[0]
            pos += take
        return seeds

    def _fit(self, X, y):
        device = self._validate_params()
        self._warn_ignored_params()
        Xf, y, image_shape, input_meta = self._fit_inputs(X, y)
        classes, y_idx, counts = self._encode_labels(y, len(Xf))
        seeds = self._draw_seeds()
        tr, va = self._split(y_idx, seeds["split"])
        input_shape = tuple(image_shape if image_shape is not None else (Xf.shape[1],))
        ctx = FitContext(
            Xf=Xf,
            y_idx=y_idx,
            counts=counts,
            tr=tr,
            va=va,
            image_shape=image_shape,
            input_shape=input_shape,
            module_cls=self._backbone_class(input_shape, image_shape is not None),
            bs=self._effective_batch_size(len(tr), len(Xf)),
            device=device,
            seeds=seeds,
        )
        with torch.random.fork_rng(devices=fork_devices(device)):
            torch.manual_seed(seeds["torch"][0])
            ctx.Xc = self._fit_input_scaler(Xf, image_shape, rows=tr)
            self._fit_nets(ctx)
        self.classes_ = classes
        self.image_shape_ = image_shape
        self.input_is_uint8_ = input_meta["uint8"]
        self.input_ndim_ = input_meta["ndim"]
        self.class_prior_ = counts / counts.sum()
        self.random_seed_ = seeds["predict"]
        self._after_fit(ctx)
        self._lock()  # created now, so that predicting leaves __dict__ unchanged
        return self

    def _after_fit(self, ctx):
        """Hook run once the common fitted attributes are set (nothing by default)."""

    # ------------------------------------------------------------------
    # prediction API
    # ------------------------------------------------------------------
    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_predict_lock", None)
        return state

    def _lock(self):
        lock = self.__dict__.get("_predict_lock")
        if lock is None:
            lock = self.__dict__.setdefault("_predict_lock", threading.Lock())
        return lock

    def _uncertainty(self, X):
        check_is_fitted(self)
        return self._uncertainty_dict(self._predict_inputs(X))

    def predict_proba(self, X):
        """Class probabilities.

        Parameters
        ----------
        X : array-like
            Same format as in :meth:`fit`.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Rows sum to 1; columns follow ``classes_``.
        """
        return self._uncertainty(X)["proba"]

    def predict(self, X):
        """Most probable class label (from ``classes_``).

        Parameters
        ----------
        X : array-like
            Same format as in :meth:`fit`.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    def predict_uncertainty(self, X):
        """Aleatoric and epistemic uncertainty per example (higher = more uncertain).

        Parameters
        ----------
        X : array-like
            Same format as in :meth:`fit`.

        Returns
        -------
        result : sklearn.utils.Bunch
            ``aleatoric`` (the misclassification score) and ``epistemic`` (the
            out-of-distribution score), each of shape (n_samples,) in [0, 1],
            plus ``p_in`` (``1 - epistemic``), ``proba`` and any
            model-specific fields documented by the subclass.
        """
        return Bunch(**self._uncertainty(X))

    def score_samples(self, X):
        """In-distribution score ``1 - epistemic`` (higher = more typical).

        The sign follows scikit-learn's outlier detectors: low scores are
        outliers.

        Parameters
        ----------
        X : array-like

        Returns
        -------
        scores : ndarray of shape (n_samples,)
        """
        return self._uncertainty(X)["p_in"]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = False
        tags.input_tags.allow_nan = False
        return tags
