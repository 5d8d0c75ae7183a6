"""Baseline uncertainty-aware classifiers, with the same inputs and API as the UQGAN model.

Every baseline is a scikit-learn classifier deriving from
:class:`~gan_ova._base.BaseUQClassifier`: it accepts images ``(n, C, H, W)`` /
``(n, H, W)``, flat images with ``image_shape`` or feature vectors, trains its
network(s) with skorch, keeps the classifier state with the best validation
accuracy, and offers ``predict_proba``, ``predict``, ``predict_uncertainty``
(``aleatoric``, ``epistemic``, ``p_in = 1 - epistemic``, ``proba``; higher =
more uncertain, all in [0, 1]) and ``score_samples``.

* :class:`SoftmaxClassifier` -- one softmax net; max-softmax or entropy score.
* :class:`OvAClassifier` -- the one-vs-all net of the UQGAN model without the
  GAN; same test-time formulas (:func:`gan_ova.uncertainty.ova_uncertainty`).
* :class:`MCDropoutClassifier` -- softmax net with dropout kept on at test
  time; mutual information as epistemic uncertainty.
* :class:`DeepEnsembleClassifier` -- several softmax nets from different
  seeds; mutual information as epistemic uncertainty.
* :class:`ConfidentClassifier` -- Lee et al. (2018): one unconditional GAN
  shields the whole data set; the classifier is pushed towards the uniform
  distribution on generated samples.

With ``K`` classes, softmax probabilities ``p`` and the normalized entropy
``H(p) / log K``, the scores are:

============================  ==========================  =====================================
model                         aleatoric                   epistemic
============================  ==========================  =====================================
Softmax, ``max_softmax``      ``H(p) / log K``            ``1 - max_k p_k``
Softmax, ``entropy``          ``H(p) / log K``            ``H(p) / log K``
OvA                           ``H(P(.|x)) / log K``       ``1 - P_in(x)`` (see uncertainty.py)
MC dropout, deep ensemble     ``H(mean p) / log K``       ``(H(mean p) - mean H(p)) / log K``
Confident classifier          ``H(p) / log K``            ``1 - max_k p_k``
============================  ==========================  =====================================
"""

from __future__ import annotations

import types

import numpy as np
import torch
import torch.nn.functional as F
from scipy.special import expit
from scipy.special import softmax as _softmax
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted
from skorch import NeuralNet
from skorch.callbacks import EpochScoring
from skorch.dataset import Dataset, unpack_data
from skorch.helper import predefined_split
from skorch.utils import to_tensor
from torch import nn

from ._base import BaseUQClassifier, fork_devices
from ._validation import check_hidden, check_number
from ._progress import PlainPrintLog, verbose_callbacks
from .losses import class_weight_matrix, critic_loss, ova_classifier_loss
from .nets.classifiers import set_mc_dropout
from .nets.gan import Critic, Generator
from .training import BestClassifierState, EpochMeans, _check_finite, _ova_val_accuracy, initialize_gan_optimizers
from .uncertainty import _normalized_entropy, ova_uncertainty

__all__ = [
    "ConfidentClassifier",
    "DeepEnsembleClassifier",
    "MCDropoutClassifier",
    "OvAClassifier",
    "SoftmaxClassifier",
    "mutual_information_scores",
    "softmax_scores",
]

_RESERVED_BACKBONE_KWARGS = ("input_shape", "n_classes", "dropout")


# ----------------------------------------------------------------------
# test-time formulas
# ----------------------------------------------------------------------
def softmax_scores(proba, epistemic_score="max_softmax"):
    """Uncertainties of a single softmax output.

    Parameters
    ----------
    proba : array-like of shape (n_samples, n_classes)
        Softmax probabilities (rows sum to 1).
    epistemic_score : {"max_softmax", "entropy"}, default="max_softmax"
        Epistemic score: ``1 - max_k p_k`` or the normalized entropy.

    Returns
    -------
    result : dict
        ``proba``, ``aleatoric = H(p) / log K``, ``epistemic`` and
        ``p_in = 1 - epistemic``.

    Examples
    --------
    >>> import numpy as np
    >>> r = softmax_scores(np.array([[0.5, 0.5], [1.0, 0.0]]))
    >>> r["aleatoric"], r["epistemic"]
    (array([1., 0.]), array([0.5, 0. ]))
    """
    proba = np.asarray(proba, dtype=np.float64)
    aleatoric = _normalized_entropy(proba) + 0.0  # + 0.0: no negative zeros
    if epistemic_score == "entropy":
        epistemic = aleatoric.copy()
    else:
        epistemic = np.clip(1.0 - proba.max(axis=1), 0.0, 1.0) + 0.0
    return {"proba": proba, "aleatoric": aleatoric, "epistemic": epistemic, "p_in": 1.0 - epistemic}


def mutual_information_scores(member_proba):
    """Uncertainties of several softmax outputs (MC-dropout passes or ensemble members).

    With ``T`` softmax outputs ``p_t`` and their mean ``p``:
    ``aleatoric = H(p) / log K`` (the normalized entropy of the mean, i.e. the
    total predictive uncertainty) and ``epistemic = (H(p) - mean_t H(p_t)) /
    log K``, the normalized mutual information between the prediction and the
    model (the disagreement between passes/members).

    Parameters
    ----------
    member_proba : array-like of shape (T, n_samples, n_classes)

    Returns
    -------
    result : dict
        ``proba`` (the mean), ``aleatoric``, ``epistemic``, ``p_in = 1 -
        epistemic`` and ``expected_entropy`` (``mean_t H(p_t) / log K``).

    Examples
    --------
    >>> import numpy as np
    >>> agree = [[[1.0, 0.0]], [[1.0, 0.0]]]
    >>> disagree = [[[1.0, 0.0]], [[0.0, 1.0]]]
    >>> float(mutual_information_scores(agree)["epistemic"][0])
    0.0
    >>> float(mutual_information_scores(disagree)["epistemic"][0])
    1.0
    """
    p = np.asarray(member_proba, dtype=np.float64)
    mean = p.mean(axis=0)
    total = _normalized_entropy(mean) + 0.0  # + 0.0: no negative zeros
    expected = np.mean([_normalized_entropy(pt) for pt in p], axis=0) + 0.0
    epistemic = np.clip(total - expected, 0.0, 1.0) + 0.0
    return {
        "proba": mean,
        "aleatoric": total,
        "epistemic": epistemic,
        "p_in": 1.0 - epistemic,
        "expected_entropy": expected,
    }


# ----------------------------------------------------------------------
# skorch nets
# ----------------------------------------------------------------------
def _softmax_val_accuracy(net, X, y):
    logits = net.forward(X)  # cached validation outputs
    return float(np.mean(logits.argmax(1).cpu().numpy() == np.asarray(y)))


def _net_logits(net, X, mc_passes=0, batch_size=1024):
    """Logits of ``net.module_`` as float64 numpy: (n, K), or (mc_passes, n, K) with dropout on."""
    f = net.module_
    f.eval()
    passes = []
    with torch.no_grad():
        try:
            if mc_passes:
                set_mc_dropout(f, True)
            for _ in range(max(mc_passes, 1)):
                out = [
                    f(torch.as_tensor(X[i : i + batch_size], device=net.device)).double().cpu()
                    for i in range(0, len(X), batch_size)
                ]
                passes.append(torch.cat(out))
        finally:
            set_mc_dropout(f, False)
    out = torch.stack(passes).numpy()
    return out if mc_passes else out[0]


class SoftmaxNet(NeuralNet):
    """A softmax classifier: cross-entropy, validation accuracy, best state kept.

    ``X`` holds classifier inputs and ``y`` class indices. Adds the callbacks
    ``valid_acc`` (argmax accuracy on the validation data) and
    ``best_classifier`` (:class:`~gan_ova.training.BestClassifierState`). A
    non-finite loss stops training with
    :class:`~gan_ova.training.NonFiniteLossError`.
    """

    stage_name = "softmax classifier"
    val_accuracy = staticmethod(_softmax_val_accuracy)

    def __init__(self, module, *args, **kwargs):
        kwargs.setdefault("criterion", nn.CrossEntropyLoss)
        kwargs.setdefault("predict_nonlinearity", None)
        super().__init__(module, *args, **kwargs)

    @property
    def _default_callbacks(self):
        return super()._default_callbacks + [
            ("valid_acc", EpochScoring(self.val_accuracy, lower_is_better=False, name="valid_acc")),
            ("best_classifier", BestClassifierState()),
        ]

    def get_loss(self, y_pred, y_true, X=None, training=False):
        y_true = to_tensor(y_true, device=self.device).long()
        return super().get_loss(y_pred, y_true, X=X, training=training)

    def train_step_single(self, batch, **fit_params):
        step = super().train_step_single(batch, **fit_params)
        _check_finite(step["loss"].detach(), self.stage_name, "classifier loss", self)
        return step


class OvANet(SoftmaxNet):
    """The plain one-vs-all net: :func:`~gan_ova.losses.ova_classifier_loss` without generated negatives.

    Parameters
    ----------
    module : torch.nn.Module class or instance
    class_counts : array-like of shape (n_classes,)
        Training counts: real-negative weights ``w[y, k] = n_k / n_y`` and the
        priors used for the validation accuracy.
    lambda_real : float, default=0.6
    **kwargs
        Passed to :class:`skorch.NeuralNet`.
    """

    stage_name = "one-vs-all classifier"
    val_accuracy = staticmethod(_ova_val_accuracy)

    def __init__(self, module, *args, class_counts, lambda_real=0.6, **kwargs):
        kwargs.setdefault("criterion", nn.BCEWithLogitsLoss)
        self.class_counts = class_counts
        self.lambda_real = lambda_real
        super().__init__(module, *args, **kwargs)

    @property
    def priors(self):
        counts = np.asarray(self.class_counts, dtype=np.float64)
        return counts / counts.sum()

    def initialize_module(self):
        super().initialize_module()
        self.weights_ = class_weight_matrix(self.class_counts)
        return self

    def get_loss(self, y_pred, y_true, X=None, training=False):
        y_true = to_tensor(y_true, device=self.device).long()
        return ova_classifier_loss(y_pred, y_true, None, self.weights_, self.lambda_real)


class ConfidentNet(NeuralNet):
    """Lee et al.'s confident classifier: softmax net trained jointly with one unconditional GAN.

    ``module`` is the softmax classifier; ``generator`` maps noise (and a
    constant one-element condition) to a flat input, decoded by
    ``sigmoid(.)`` reshaped to ``image_shape`` for images (identity for
    vectors); ``critic`` scores flattened inputs (WGAN-GP). Per real batch:
    ``n_critic`` critic steps, one generator step with loss
    ``-mean C(x~) + beta * KL(U || p(x~))`` and one classifier step with loss
    ``CE(f(x), y) + lambda_kl * KL(U || p(x~))`` on a fresh generated batch,
    where ``p = softmax(f)`` and ``U`` is the uniform distribution.

    Parameters
    ----------
    module, generator, critic : torch.nn.Module class or instance
    n_classes : int
    image_shape : tuple (C, H, W) or None
    lambda_kl, beta, lambda_gp : float
    n_critic, noise_dim : int
    generator_optimizer, critic_optimizer : torch optimizer class
    generator_lr, critic_lr : float
        Adam, betas (0, 0.9).
    **kwargs
        Passed to :class:`skorch.NeuralNet` (``lr`` is the classifier's).
    """

    batch_keys = ("critic_loss", "wasserstein", "generator_loss", "kl_fake", "classifier_loss")

    def __init__(
        self,
        module,
        *args,
        generator,
        critic,
        n_classes,
        image_shape=None,
        lambda_kl=1.0,
        beta=1.0,
        lambda_gp=10.0,
        n_critic=1,
        noise_dim=128,
        generator_optimizer=torch.optim.Adam,
        critic_optimizer=torch.optim.Adam,
        generator_lr=1e-4,
        critic_lr=1e-4,
        **kwargs,
    ):
        kwargs.setdefault("criterion", nn.CrossEntropyLoss)
        kwargs.setdefault("predict_nonlinearity", None)
        self.generator = generator
        self.critic = critic
        self.n_classes = n_classes
        self.image_shape = image_shape
        self.lambda_kl = lambda_kl
        self.beta = beta
        self.lambda_gp = lambda_gp
        self.n_critic = n_critic
        self.noise_dim = noise_dim
        self.generator_optimizer = generator_optimizer
        self.critic_optimizer = critic_optimizer
        self.generator_lr = generator_lr
        self.critic_lr = critic_lr
        super().__init__(module, *args, **kwargs)

    @property
    def _default_callbacks(self):
        return super()._default_callbacks + [
            ("epoch_means", EpochMeans(self.batch_keys)),
            ("valid_acc", EpochScoring(_softmax_val_accuracy, lower_is_better=False, name="valid_acc")),
            ("best_classifier", BestClassifierState()),
        ]

    def initialize_module(self):
        super().initialize_module()
        self.generator_ = self.initialized_instance(self.generator, self.get_params_for("generator"))
        self.critic_ = self.initialized_instance(self.critic, self.get_params_for("critic"))
        return self

    def initialize_optimizer(self, *args, **kwargs):
        return initialize_gan_optimizers(self)

    def get_loss(self, y_pred, y_true, X=None, training=False):
        y_true = to_tensor(y_true, device=self.device).long()
        return super().get_loss(y_pred, y_true, X=X, training=training)

    def generate(self, n, noise=None):
        """Generated classifier inputs ``x~`` (images in [0, 1] or standardized vectors)."""
        if noise is None:
            noise = torch.rand(n, self.noise_dim, device=self.device)
        out = self.generator_(noise, torch.ones(n, 1, device=self.device))
        if self.image_shape is None:
            return out
        return torch.sigmoid(out).view(n, *self.image_shape)

    @staticmethod
    def kl_uniform(logits):
        """Batch mean of ``KL(U || softmax(logits)) = -log K - mean_k log p_k``."""
        k = logits.shape[1]
        return (-F.log_softmax(logits, dim=1).mean(dim=1) - float(np.log(k))).mean()

    def _critic(self, x):
        return self.critic_(x.flatten(1), torch.ones(len(x), 1, device=x.device, dtype=x.dtype))

    def train_step(self, batch, **fit_params):
        self._set_training(True)
        Xi, yi = unpack_data(batch)
        x = to_tensor(Xi, device=self.device)
        y = to_tensor(yi, device=self.device).long()
        n = len(y)
        f, C = self.module_, self.critic_
        stage = "confident classifier"
        ones = torch.ones(n, 1, device=self.device)

        # 1) critic steps (WGAN-GP on flattened inputs)
        for _ in range(self.n_critic):
            with torch.no_grad():
                x_fake = self.generate(n)
            loss_c, wdist = critic_loss(C, x.flatten(1), x_fake.flatten(1), ones, self.lambda_gp)
            _check_finite(loss_c.detach(), stage, "critic loss", self)
            self.critic_optimizer_.zero_grad()
            loss_c.backward()
            self.critic_optimizer_.step()

        # 2) generator step: look real to the critic, low confidence to the classifier
        frozen = list(C.parameters()) + list(f.parameters())
        for p in frozen:
            p.requires_grad_(False)
        try:
            x_fake = self.generate(n)
            kl_g = self.kl_uniform(f(x_fake))
            loss_g = -self._critic(x_fake).mean() + self.beta * kl_g
            _check_finite(loss_g.detach(), stage, "generator loss", self)
            self.generator_optimizer_.zero_grad()
            loss_g.backward()
            self.generator_optimizer_.step()
        finally:
            for p in frozen:
                p.requires_grad_(True)

        # 3) classifier step: cross-entropy on real data, uniform output on generated data
        with torch.no_grad():
            x_fake = self.generate(n)
        logits_real = f(x)
        kl_fake = self.kl_uniform(f(x_fake))
        loss = F.cross_entropy(logits_real, y) + self.lambda_kl * kl_fake
        _check_finite(loss.detach(), stage, "classifier loss", self)
        self.optimizer_.zero_grad()
        loss.backward()
        self.notify("on_grad_computed", named_parameters=list(f.named_parameters()), batch=batch, training=True)
        self.optimizer_.step()

        h = self.history
        h.record_batch("critic_loss", float(loss_c.detach()))
        h.record_batch("wasserstein", wdist)
        h.record_batch("generator_loss", float(loss_g.detach()))
        h.record_batch("kl_fake", float(kl_fake.detach()))
        h.record_batch("classifier_loss", float(loss.detach()))
        return {"loss": loss.detach(), "y_pred": logits_real.detach()}


# ----------------------------------------------------------------------
# shared estimator plumbing
# ----------------------------------------------------------------------
_INPUT_PARAMS_DOC = """backbone : {"auto", "lenet", "resnet", "mlp"} or torch.nn.Module class, default="auto"
        The classifier network. ``"auto"`` picks ``"lenet"`` for grey images,
        ``"resnet"`` for colour images and ``"mlp"`` for feature vectors. A
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


def _fill_doc(cls):
    cls.__doc__ = (
        cls.__doc__.replace("{input_params}", _INPUT_PARAMS_DOC)
        .replace("{training_params}", _TRAINING_PARAMS_DOC)
        .replace("{attributes}", _ATTRIBUTES_DOC)
    )
    return cls


class _NetBaseline(BaseUQClassifier):
    """Fit skeleton shared by the baselines: validation, split, seeds, input scaling."""

    def _n_torch_seeds(self):
        return 1

    def _validate_params(self):
        device = self._validate_common_params()
        if self.backbone_kwargs:
            bad = sorted(k for k in self.backbone_kwargs if k in _RESERVED_BACKBONE_KWARGS)
            if bad:
                raise ValueError(
                    f"backbone_kwargs: {bad} are set by the estimator; expected none of "
                    f"{list(_RESERVED_BACKBONE_KWARGS)}, got {self.backbone_kwargs!r}."
                )
        self._validate_own_params()
        return device

    def _validate_own_params(self):
        pass

    def _fit(self, X, y):
        device = self._validate_params()
        Xf, y, image_shape, _ = self._prepare_X(X, fit=True, y=y)
        classes, y_idx, counts = self._encode_labels(y, len(Xf))
        rng = check_random_state(self.random_state)
        seeds = [int(s) for s in rng.randint(0, 2**31 - 1, size=2 + self._n_torch_seeds())]
        split_seed, predict_seed, torch_seeds = seeds[0], seeds[1], seeds[2:]
        tr, va = self._split(y_idx, split_seed)
        with torch.random.fork_rng(devices=fork_devices(device)):
            torch.manual_seed(torch_seeds[0])
            Xc = self._fit_input_scaler(Xf, image_shape, rows=tr)
            input_shape = image_shape if image_shape is not None else (Xc.shape[1],)
            ctx = types.SimpleNamespace(
                Xc=Xc,
                y_idx=y_idx,
                tr=tr,
                va=va,
                K=len(classes),
                counts=counts,
                image_shape=image_shape,
                input_shape=tuple(input_shape),
                module_cls=self._backbone_class(input_shape, image_shape is not None),
                bs=self._effective_batch_size(len(tr), len(Xf)),
                device=device,
                torch_seeds=torch_seeds,
            )
            self._fit_nets(ctx)
        self.classes_ = classes
        self.image_shape_ = image_shape
        self.class_prior_ = counts / counts.sum()
        self.random_seed_ = predict_seed
        self._lock()  # created now, so that predicting leaves __dict__ unchanged
        return self

    def _net_kwargs(self, ctx, dropout=0.0, drop_last=False):
        module_kwargs = {f"module__{k}": v for k, v in (self.backbone_kwargs or {}).items()}
        valid = None
        if ctx.va is not None:
            valid = predefined_split(Dataset(ctx.Xc[ctx.va], ctx.y_idx[ctx.va]))
        callbacks = verbose_callbacks(
            self.verbose, getattr(ctx, "stage", type(self).__name__), len(ctx.tr), ctx.bs, drop_last=drop_last
        )
        return dict(
            module=ctx.module_cls,
            module__input_shape=ctx.input_shape,
            module__n_classes=ctx.K,
            module__dropout=float(dropout),
            **module_kwargs,
            optimizer=torch.optim.Adam,
            lr=self.lr,
            max_epochs=self.max_epochs,
            batch_size=ctx.bs,
            iterator_train__shuffle=True,
            iterator_train__drop_last=drop_last,
            train_split=valid,
            callbacks=callbacks,
            callbacks__print_log=PlainPrintLog(),
            device=str(ctx.device),
            verbose=self.verbose,
        )

    @staticmethod
    def _best_epoch(net):
        return dict(net.callbacks_)["best_classifier"].best_epoch_

    def _train_softmax_net(self, ctx, dropout=0.0):
        net = SoftmaxNet(**self._net_kwargs(ctx, dropout=dropout))
        net.fit(ctx.Xc[ctx.tr], ctx.y_idx[ctx.tr])
        return net


# ----------------------------------------------------------------------
# estimators
# ----------------------------------------------------------------------
@_fill_doc
class SoftmaxClassifier(_NetBaseline):
    """Softmax classifier with the max-softmax or entropy uncertainty baseline.

    One network trained with cross-entropy. At test time ``p = softmax(f(x))``
    gives ``aleatoric = H(p) / log K`` and ``epistemic = 1 - max_k p_k``
    (Hendrycks and Gimpel, 2017; ``epistemic_score="max_softmax"``) or the
    normalized entropy ``H(p) / log K`` (``epistemic_score="entropy"``).

    Parameters
    ----------
    {input_params}
    epistemic_score : {"max_softmax", "entropy"}, default="max_softmax"
        Epistemic (out-of-distribution) score. (Not called ``score``, which
        would hide scikit-learn's ``score`` method.)
    {training_params}

    Attributes
    ----------
    {attributes}
    net_ : SoftmaxNet
        The fitted skorch net (``module_`` is the classifier).
    best_epoch_ : int or None
        Epoch whose classifier was kept (None without validation).

    Examples
    --------
    >>> from sklearn.datasets import make_blobs
    >>> from gan_ova.baselines import SoftmaxClassifier
    >>> X, y = make_blobs(n_samples=120, centers=[[-3, 0], [3, 0]], random_state=0)
    >>> clf = SoftmaxClassifier(max_epochs=5, batch_size=48, random_state=0).fit(X, y)
    >>> clf.score(X, y) > 0.95
    True
    >>> u = clf.predict_uncertainty(X[:3])
    >>> u.proba.shape, u.epistemic.shape
    ((3, 2), (3,))
    """

    def __init__(
        self,
        *,
        backbone="auto",
        backbone_kwargs=None,
        image_shape=None,
        pixel_scale="auto",
        epistemic_score="max_softmax",
        lr=1e-3,
        batch_size=256,
        max_epochs=20,
        validation_fraction=0.2,
        device="cpu",
        random_state=None,
        verbose=0,
    ):
        self.backbone = backbone
        self.backbone_kwargs = backbone_kwargs
        self.image_shape = image_shape
        self.pixel_scale = pixel_scale
        self.epistemic_score = epistemic_score
        self.lr = lr
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.validation_fraction = validation_fraction
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    def _validate_own_params(self):
        if self.epistemic_score not in ("max_softmax", "entropy"):
            raise ValueError(
                f"epistemic_score: expected 'max_softmax' or 'entropy', got {self.epistemic_score!r}."
            )

    def _fit_nets(self, ctx):
        self.net_ = self._train_softmax_net(ctx)
        self.best_epoch_ = self._best_epoch(self.net_)

    def _uncertainty_dict(self, Xc):
        return softmax_scores(_softmax(_net_logits(self.net_, Xc), axis=1), self.epistemic_score)


@_fill_doc
class OvAClassifier(_NetBaseline):
    """Plain one-vs-all classifier: the UQGAN model without its GAN.

    ``K`` sigmoid heads trained with
    :func:`~gan_ova.losses.ova_classifier_loss` on real data only (positives
    for the own head, class-count weighted negatives ``w[y, k] = n_k / n_y``
    for the others, weighted by ``lambda_real``). Test time as in
    :class:`~gan_ova.GANShieldedOvAClassifier`
    (:func:`gan_ova.uncertainty.ova_uncertainty`): ``P(k|x)`` from the
    rescaled sigmoids and the class priors, ``aleatoric = H(P(.|x)) / log K``,
    ``epistemic = 1 - P_in(x)``.

    Parameters
    ----------
    {input_params}
    lambda_real : float in [0, 1], default=0.6
        Weight of the negatives in the OvA loss.
    {training_params}

    Attributes
    ----------
    {attributes}
    net_ : OvANet
        The fitted skorch net.
    best_epoch_ : int or None
        Epoch whose classifier was kept (None without validation).

    Examples
    --------
    >>> from sklearn.datasets import make_blobs
    >>> from gan_ova.baselines import OvAClassifier
    >>> X, y = make_blobs(n_samples=120, centers=[[-3, 0], [3, 0]], random_state=0)
    >>> clf = OvAClassifier(max_epochs=5, batch_size=48, random_state=0).fit(X, y)
    >>> clf.score(X, y) > 0.95
    True
    >>> sorted(clf.predict_uncertainty(X[:2]))
    ['aleatoric', 'epistemic', 'ova_proba', 'p_in', 'proba']
    """

    def __init__(
        self,
        *,
        backbone="auto",
        backbone_kwargs=None,
        image_shape=None,
        pixel_scale="auto",
        lambda_real=0.6,
        lr=1e-3,
        batch_size=256,
        max_epochs=20,
        validation_fraction=0.2,
        device="cpu",
        random_state=None,
        verbose=0,
    ):
        self.backbone = backbone
        self.backbone_kwargs = backbone_kwargs
        self.image_shape = image_shape
        self.pixel_scale = pixel_scale
        self.lambda_real = lambda_real
        self.lr = lr
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.validation_fraction = validation_fraction
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    def _validate_own_params(self):
        check_number("lambda_real", self.lambda_real, low=0, high=1)

    def _fit_nets(self, ctx):
        net = OvANet(**self._net_kwargs(ctx), class_counts=ctx.counts, lambda_real=self.lambda_real)
        net.fit(ctx.Xc[ctx.tr], ctx.y_idx[ctx.tr])
        self.net_ = net
        self.best_epoch_ = self._best_epoch(net)

    def _uncertainty_dict(self, Xc):
        return ova_uncertainty(expit(_net_logits(self.net_, Xc)), self.class_prior_)


@_fill_doc
class MCDropoutClassifier(_NetBaseline):
    """Softmax classifier with Monte-Carlo dropout (Gal and Ghahramani, 2016).

    The backbone is built with dropout rate ``dropout``, which stays active at
    test time: ``mc_samples`` stochastic passes give softmax outputs ``p_t``
    and their mean ``p`` (the returned probabilities). ``aleatoric = H(p) /
    log K`` (normalized entropy of the mean) and ``epistemic`` is the
    normalized mutual information ``(H(p) - mean_t H(p_t)) / log K``, the
    disagreement between passes (see :func:`mutual_information_scores`).
    The dropout masks are drawn from a seed fixed at fit, inside a forked
    torch RNG and under a lock, so predictions are deterministic and
    thread-safe (the global torch RNG is untouched).

    Parameters
    ----------
    {input_params}
    dropout : float in (0, 0.99], default=0.5
        Dropout rate, in training and at test time.
    mc_samples : int, default=50
        Stochastic forward passes at test time.
    {training_params}

    Attributes
    ----------
    {attributes}
    net_ : SoftmaxNet
        The fitted skorch net.
    best_epoch_ : int or None
        Epoch whose classifier was kept (None without validation).
    random_seed_ : int
        Seed of the test-time dropout masks.

    Notes
    -----
    Masks are drawn per row position of each call, so the prediction for an
    example is reproducible for the same ``X`` but can change slightly when
    it is passed in a different order or subset (as with
    ``GANShieldedOvAClassifier(mc_dropout > 0)``).

    Examples
    --------
    >>> from sklearn.datasets import make_blobs
    >>> from gan_ova.baselines import MCDropoutClassifier
    >>> X, y = make_blobs(n_samples=120, centers=[[-3, 0], [3, 0]], random_state=0)
    >>> clf = MCDropoutClassifier(mc_samples=10, max_epochs=5, batch_size=48, random_state=0).fit(X, y)
    >>> clf.score(X, y) > 0.95
    True
    >>> bool((clf.predict_proba(X) == clf.predict_proba(X)).all())   # deterministic masks
    True
    """

    def __init__(
        self,
        *,
        backbone="auto",
        backbone_kwargs=None,
        image_shape=None,
        pixel_scale="auto",
        dropout=0.5,
        mc_samples=50,
        lr=1e-3,
        batch_size=256,
        max_epochs=20,
        validation_fraction=0.2,
        device="cpu",
        random_state=None,
        verbose=0,
    ):
        self.backbone = backbone
        self.backbone_kwargs = backbone_kwargs
        self.image_shape = image_shape
        self.pixel_scale = pixel_scale
        self.dropout = dropout
        self.mc_samples = mc_samples
        self.lr = lr
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.validation_fraction = validation_fraction
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    def _validate_own_params(self):
        check_number("dropout", self.dropout, low=0, low_open=True, high=0.99)
        check_number("mc_samples", self.mc_samples, low=1, integer=True)

    def _fit_nets(self, ctx):
        self.net_ = self._train_softmax_net(ctx, dropout=self.dropout)
        self.best_epoch_ = self._best_epoch(self.net_)

    def _uncertainty_dict(self, Xc):
        net = self.net_
        with self._lock(), torch.random.fork_rng(devices=fork_devices(net.device)):
            torch.manual_seed(self.random_seed_)
            logits = _net_logits(net, Xc, mc_passes=self.mc_samples)
        return mutual_information_scores(_softmax(logits, axis=2))


@_fill_doc
class DeepEnsembleClassifier(_NetBaseline):
    """Deep ensemble of softmax classifiers (Lakshminarayanan et al., 2017).

    ``n_members`` networks trained on the same data (and validation split)
    from different seeds (initialization and batch order). Their softmax
    outputs ``p_t`` are averaged into ``p`` (the returned probabilities);
    ``aleatoric = H(p) / log K`` and ``epistemic`` is the normalized mutual
    information ``(H(p) - mean_t H(p_t)) / log K``, the members' disagreement
    (see :func:`mutual_information_scores`).

    Parameters
    ----------
    {input_params}
    n_members : int >= 2, default=5
        Number of networks.
    {training_params}

    Attributes
    ----------
    {attributes}
    nets_ : list of SoftmaxNet
        The fitted members.
    best_epochs_ : list of (int or None)
        Epoch whose classifier was kept, per member.

    Examples
    --------
    >>> from sklearn.datasets import make_blobs
    >>> from gan_ova.baselines import DeepEnsembleClassifier
    >>> X, y = make_blobs(n_samples=120, centers=[[-3, 0], [3, 0]], random_state=0)
    >>> clf = DeepEnsembleClassifier(n_members=2, max_epochs=5, batch_size=48, random_state=0).fit(X, y)
    >>> clf.score(X, y) > 0.95
    True
    >>> len(clf.nets_)
    2
    """

    def __init__(
        self,
        *,
        backbone="auto",
        backbone_kwargs=None,
        image_shape=None,
        pixel_scale="auto",
        n_members=5,
        lr=1e-3,
        batch_size=256,
        max_epochs=20,
        validation_fraction=0.2,
        device="cpu",
        random_state=None,
        verbose=0,
    ):
        self.backbone = backbone
        self.backbone_kwargs = backbone_kwargs
        self.image_shape = image_shape
        self.pixel_scale = pixel_scale
        self.n_members = n_members
        self.lr = lr
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.validation_fraction = validation_fraction
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    def _n_torch_seeds(self):
        return self.n_members

    def _validate_own_params(self):
        check_number("n_members", self.n_members, low=2, integer=True)

    def _fit_nets(self, ctx):
        nets = []
        for i, seed in enumerate(ctx.torch_seeds):
            torch.manual_seed(seed)
            ctx.stage = f"{type(self).__name__} member {i + 1}/{len(ctx.torch_seeds)}"
            nets.append(self._train_softmax_net(ctx))
        self.nets_ = nets
        self.best_epochs_ = [self._best_epoch(net) for net in nets]

    def _uncertainty_dict(self, Xc):
        logits = np.stack([_net_logits(net, Xc) for net in self.nets_])
        return mutual_information_scores(_softmax(logits, axis=2))


@_fill_doc
class ConfidentClassifier(_NetBaseline):
    """Confident classifier (Lee, Lee, Lee and Shin, ICLR 2018): one GAN shields the whole data set.

    A softmax classifier ``f`` is trained jointly with one unconditional
    Wasserstein GAN (gradient penalty) in input space. Per real batch:
    ``n_critic`` critic steps; one generator step with loss
    ``-mean C(x~) + beta * KL(U || p(x~))`` -- generated samples should look
    like the data to the critic while the classifier is unsure of them, so
    they settle on the boundary of the data; one classifier step with loss
    ``CE(f(x), y) + lambda_kl * KL(U || p(x~))`` on a fresh generated batch,
    where ``p = softmax(f)`` and ``U`` is uniform over the classes. Test time
    is the max-softmax baseline: ``aleatoric = H(p) / log K``, ``epistemic =
    1 - max_k p_k``.

    Differences from the original: Lee et al. use a DCGAN (convolutional
    generator and discriminator, standard GAN loss). To stay consistent with
    the rest of this package and cheap on a CPU, the generator is the MLP
    :class:`~gan_ova.nets.gan.Generator` with a constant one-element
    condition (``n_classes=1``), whose output is decoded by
    ``sigmoid(.)`` reshaped to the image shape (for feature vectors it is
    used as is, in standardized units), and the critic is the WGAN-GP MLP
    :class:`~gan_ova.nets.gan.Critic` on flattened inputs.

    Parameters
    ----------
    {input_params}
    lambda_kl : float, default=1.0
        Weight of the KL term in the classifier loss.
    beta : float, default=1.0
        Weight of the KL term in the generator loss.
    noise_dim : int, default=128
        Dimension of the generator's uniform noise.
    generator_hidden : tuple of int, default=(1024, 512, 256)
        Hidden sizes of the generator MLP.
    critic_hidden : tuple of int, default=(512, 512, 512)
        Hidden sizes of the critic MLP.
    lambda_gp : float, default=10.0
        WGAN-GP gradient-penalty weight.
    n_critic : int, default=1
        Critic steps per real batch.
    generator_lr, critic_lr : float, default=1e-4
        Adam learning rates (betas (0, 0.9)) of the generator and critic.
    {training_params}

    Attributes
    ----------
    {attributes}
    net_ : ConfidentNet
        The fitted skorch net: ``module_`` (classifier), ``generator_``,
        ``critic_``; ``history`` holds per-batch and per-epoch losses
        (``critic_loss``, ``wasserstein``, ``generator_loss``, ``kl_fake``,
        ``classifier_loss``).
    best_epoch_ : int or None
        Epoch whose classifier was kept (None without validation).

    Examples
    --------
    >>> from sklearn.datasets import make_blobs
    >>> from gan_ova.baselines import ConfidentClassifier
    >>> X, y = make_blobs(n_samples=120, centers=[[-3, 0], [3, 0]], random_state=0)
    >>> clf = ConfidentClassifier(max_epochs=5, batch_size=48, noise_dim=8, generator_hidden=(32,),
    ...                           critic_hidden=(32,), random_state=0).fit(X, y)
    >>> clf.score(X, y) > 0.95
    True
    >>> clf.sample(4, random_state=0).shape
    (4, 2)
    """

    def __init__(
        self,
        *,
        backbone="auto",
        backbone_kwargs=None,
        image_shape=None,
        pixel_scale="auto",
        lambda_kl=1.0,
        beta=1.0,
        noise_dim=128,
        generator_hidden=(1024, 512, 256),
        critic_hidden=(512, 512, 512),
        lambda_gp=10.0,
        n_critic=1,
        generator_lr=1e-4,
        critic_lr=1e-4,
        lr=1e-3,
        batch_size=256,
        max_epochs=20,
        validation_fraction=0.2,
        device="cpu",
        random_state=None,
        verbose=0,
    ):
        self.backbone = backbone
        self.backbone_kwargs = backbone_kwargs
        self.image_shape = image_shape
        self.pixel_scale = pixel_scale
        self.lambda_kl = lambda_kl
        self.beta = beta
        self.noise_dim = noise_dim
        self.generator_hidden = generator_hidden
        self.critic_hidden = critic_hidden
        self.lambda_gp = lambda_gp
        self.n_critic = n_critic
        self.generator_lr = generator_lr
        self.critic_lr = critic_lr
        self.lr = lr
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.validation_fraction = validation_fraction
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    def _validate_own_params(self):
        for name in ("lambda_kl", "beta", "lambda_gp"):
            check_number(name, getattr(self, name), low=0)
        for name in ("generator_lr", "critic_lr"):
            check_number(name, getattr(self, name), low=0, low_open=True)
        for name in ("noise_dim", "n_critic"):
            check_number(name, getattr(self, name), low=1, integer=True)
        check_hidden("generator_hidden", self.generator_hidden)
        check_hidden("critic_hidden", self.critic_hidden)
        # the generator's BatchNorm needs at least 2 examples per batch
        check_number("batch_size", self.batch_size, low=2, integer=True)

    def _fit_nets(self, ctx):
        n_flat = int(np.prod(ctx.input_shape))
        net = ConfidentNet(
            **self._net_kwargs(ctx, drop_last=True),
            generator=Generator,
            generator__n_classes=1,
            generator__latent_dim=n_flat,
            generator__noise_dim=self.noise_dim,
            generator__hidden=tuple(self.generator_hidden),
            critic=Critic,
            critic__n_classes=1,
            critic__latent_dim=n_flat,
            critic__hidden=tuple(self.critic_hidden),
            n_classes=ctx.K,
            image_shape=ctx.image_shape,
            lambda_kl=self.lambda_kl,
            beta=self.beta,
            lambda_gp=self.lambda_gp,
            n_critic=self.n_critic,
            noise_dim=self.noise_dim,
            generator_lr=self.generator_lr,
            critic_lr=self.critic_lr,
        )
        net.fit(ctx.Xc[ctx.tr], ctx.y_idx[ctx.tr])
        self.net_ = net
        self.best_epoch_ = self._best_epoch(net)

    def _uncertainty_dict(self, Xc):
        return softmax_scores(_softmax(_net_logits(self.net_, Xc), axis=1), "max_softmax")

    def sample(self, n_samples, random_state=None):
        """Draw shielding samples from the fitted generator (in evaluation mode).

        Parameters
        ----------
        n_samples : int
        random_state : int, RandomState instance or None, default=None
            Seeds the generator noise (the global torch RNG is untouched).

        Returns
        -------
        X_gen : ndarray of shape (n_samples, C, H, W) or (n_samples, n_features)
            Images in [0, 1] (classifier space), or feature vectors in the
            units of the training data.
        """
        check_is_fitted(self)
        check_number("n_samples", n_samples, low=1, integer=True)
        seed = int(check_random_state(random_state).randint(0, 2**31 - 1))
        net = self.net_
        noise = torch.rand(n_samples, self.noise_dim, generator=torch.Generator().manual_seed(seed))
        G = net.generator_
        was_training = G.training
        G.eval()
        try:
            with torch.no_grad():
                x = net.generate(n_samples, noise.to(net.device)).cpu().numpy().astype(np.float64)
        finally:
            G.train(was_training)
        if self.image_shape_ is None:
            x = x * self.input_scale_ + self.input_mean_
        return x
