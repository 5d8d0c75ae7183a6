"""What the baseline estimators share: docstring sections and the net-building helpers."""

from __future__ import annotations

from skorch.dataset import Dataset
from skorch.helper import predefined_split

from .._base import BaseUQClassifier
from .._progress import PlainPrintLog, verbose_callbacks
from .nets import SoftmaxNet

__all__ = ["NetBaseline", "fill_doc"]


_INPUT_PARAMS_DOC = """backbone : {"auto", "lenet", "lenet5", "resnet", "mlp"} or torch.nn.Module class, default="auto"
        The classifier network. ``"auto"`` picks ``"lenet"`` for grey images,
        ``"resnet"`` for colour images and ``"mlp"`` for feature vectors;
        ``"lenet5"`` is LeNet-5 (6/16 conv, 120/84 FC). A
        module class must accept the keywords ``input_shape``, ``n_classes``
        and ``dropout``.
    backbone_kwargs : dict or None, default=None
        Extra keyword arguments for the backbone (e.g. ``{"width": 64}``);
        ``input_shape``, ``n_classes`` and ``dropout`` are set by the estimator.
    image_shape : tuple (C, H, W) or None, default=None
        Shape of one image when ``X`` is passed flat ``(n_samples, C*H*W)``.
        Without it a 2-D ``X`` holds feature vectors (with a UserWarning when
        its columns look like flattened images); 4-D ``(n, C, H, W)`` and 3-D
        ``(n, H, W)`` inputs are images. A model fitted on images also
        predicts flat rows ``(n, C*H*W)``.
    pixel_scale : "auto" or float, default="auto"
        Images are divided by it to lie in [0, 1]; ``"auto"``: 255 for uint8,
        1 for floats (which must lie in [0, 1]). Feature vectors are
        standardized internally instead."""

_TRAINING_PARAMS_DOC = """lr : float, default=1e-3
        Classifier learning rate (Adam).
    batch_size : int, default=256
        At least 2 for :class:`ConfidentClassifier` (its generator uses
        BatchNorm). Larger than the number of training samples (after the
        validation split), the fit uses all of them per batch and warns; the
        parameter itself is left unchanged.
    max_epochs : int, default=20
        Passes over the training data.
    validation_fraction : float, default=0.2
        Stratified held-out share of the training data; the classifier state
        with the best validation accuracy is kept. 0 keeps the last state.
    device : str or torch.device, default="cpu"
        ``"cpu"``, ``"cuda"`` or ``"cuda:N"``.
    precision : {"32", "bf16", "16-mixed"}, default="32"
        Precision of the forward passes in training and prediction:
        float32, ``torch.autocast`` with bfloat16, or autocast with float16
        plus gradient scaling (``"16-mixed"``: CUDA only, a ValueError on
        the CPU). Weights, losses and outputs stay float32/float64. See the
        docs, "Scaling up", "Mixed precision and torch.compile".
    compile : bool, default=False
        Compile the classifier (and a GAN's generator; never a WGAN-GP
        critic, whose gradient penalty needs a double backward) in place
        with ``torch.compile``; the first batches pay the compilation.
    random_state : int, RandomState instance or None, default=None
        Seeds the data split, weight initialization, batch order (and any
        test-time randomness). The global torch RNG is left untouched.
    verbose : int, default=0
        0 is silent; 1 or more prints a plan (epochs x batches per epoch), the
        expected duration after the first epoch, skorch's epoch log (ANSI
        colours only on a terminal) and a progress bar over the training
        batches."""

_ATTRIBUTES_DOC = """classes_ : ndarray of shape (n_classes,)
        Class labels.
    n_features_in_ : int
        Number of features (``C*H*W`` for images).
    feature_names_in_ : ndarray of str
        Feature names, when ``X`` was a DataFrame with string column names.
    image_shape_ : tuple or None
        ``(C, H, W)`` of the images, None for feature vectors.
    class_prior_ : ndarray of shape (n_classes,)
        Training class frequencies.
    input_mean_, input_scale_ : ndarray or None
        Standardization of feature vectors (None for images)."""


def fill_doc(cls):
    """Fill the shared parameter and attribute sections into a baseline's docstring."""
    cls.__doc__ = (
        cls.__doc__.replace("{input_params}", _INPUT_PARAMS_DOC)
        .replace("{training_params}", _TRAINING_PARAMS_DOC)
        .replace("{attributes}", _ATTRIBUTES_DOC)
    )
    return cls


class NetBaseline(BaseUQClassifier):
    """A baseline: the shared fit skeleton of :class:`~gan_ova._base.BaseUQClassifier` plus net-building helpers.

    Subclasses implement ``_validate_own_params()``, ``_fit_nets(ctx)`` and
    ``_uncertainty_dict(Xc)``.
    """

    def _validate_params(self):
        device = self._validate_common_params()
        self._validate_own_params()
        return device

    def _validate_own_params(self):
        pass

    def _net_kwargs(self, ctx, dropout=0.0, drop_last=False):
        """Keyword arguments of a baseline's skorch net for the fit described by ``ctx``."""
        valid = None
        if ctx.va is not None:
            valid = predefined_split(Dataset(ctx.Xc[ctx.va], ctx.y_idx[ctx.va]))
        callbacks = verbose_callbacks(
            self.verbose, ctx.stage or type(self).__name__, len(ctx.tr), ctx.bs, drop_last=drop_last
        )
        module_kwargs = {"input_shape": ctx.input_shape, "n_classes": ctx.K, "dropout": float(dropout)}
        module_kwargs.update(self.backbone_kwargs or {})
        return dict(
            module=ctx.module_cls,
            callbacks__print_log=PlainPrintLog(),
            **self._net_params(
                lr=self.lr, max_epochs=self.max_epochs, batch_size=ctx.bs, train_split=valid, callbacks=callbacks,
                device=ctx.device, drop_last=drop_last, prefixed={"module": module_kwargs},
            ),
        )

    @staticmethod
    def _best_epoch(net):
        return dict(net.callbacks_)["best_classifier"].best_epoch_

    def _train_softmax_net(self, ctx, dropout=0.0):
        net = SoftmaxNet(**self._net_kwargs(ctx, dropout=dropout))
        net.fit(ctx.Xc[ctx.tr], ctx.y_idx[ctx.tr])
        return net
