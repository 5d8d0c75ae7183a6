"""The skorch nets behind :class:`~gan_ova.GANShieldedOvAClassifier`.

* :class:`AutoencoderNet` -- stage 1, the conditional autoencoder, trained
  with binary cross-entropy on the reconstruction logits and a step decay of
  the learning rate (x0.1 at 25% and 50% of training).
* :class:`ShieldingNet` -- stage 2, one :class:`skorch.NeuralNet` holding three
  modules (the OvA classifier ``module_``, ``generator_`` and ``critic_``), the
  frozen decoder ``decoder_`` and three optimizers. Its ``train_step`` runs
  the schedule per real batch: ``n_critic`` critic steps, one generator step,
  ``n_classifier_steps`` classifier steps on the same real batch and one
  fresh generated batch.

Both nets record their losses in the skorch history; the shielding net's
per-batch ``critic_loss``, ``wasserstein``, ``generator_loss``,
``regularizer`` and ``classifier_loss`` are averaged per epoch and shown in
the epoch log.
"""

from __future__ import annotations

import json

import numpy as np
import torch
import torch.nn.functional as F
from skorch import NeuralNet
from skorch.callbacks import Callback, EpochScoring
from skorch.dataset import unpack_data
from skorch.utils import to_tensor
from torch import nn

from .losses import angular_regularizer, critic_loss, far_negative_loss, generator_loss, ova_classifier_loss
from .nets.classifiers import set_mc_dropout
from .uncertainty import class_probabilities

__all__ = [
    "AutoencoderNet",
    "ShieldingNet",
    "ShieldDecoder",
    "LinearLRDecay",
    "BestClassifierState",
    "EpochMeans",
    "ShieldDiagnostics",
    "NonFiniteLossError",
]


class NonFiniteLossError(FloatingPointError):
    """A training loss became NaN or infinite."""


def _check_finite(value, stage, what, net):
    if not torch.isfinite(value).all():
        epoch = len(net.history)
        batch = len(net.history[-1, "batches"]) if len(net.history) else 0
        raise NonFiniteLossError(
            f"{stage}: the {what} became {float(value)} at epoch {epoch}, batch {batch + 1}. "
            "Training diverged; lower the learning rate(s) (e.g. divide lr by 10), "
            "check the inputs for extreme values, or lower the loss weights."
        )


class ShieldDecoder(nn.Module):
    """Frozen map from (standardized) latent codes to classifier inputs.

    ``x~ = sigmoid(D(z * scale + mean, y))`` for images; for vector data the
    autoencoder is the identity and ``x~ = z * scale + mean``.

    Parameters
    ----------
    cae : torch.nn.Module or None
        A fitted conditional autoencoder with a ``decode(z, y_onehot)`` method
        returning image logits; None for the identity.
    mean, scale : array-like of shape (latent_dim,)
        The latent standardization to undo (zeros and ones to leave codes as
        they are).

    Examples
    --------
    >>> import torch
    >>> dec = ShieldDecoder(None, mean=[1.0, 2.0], scale=[2.0, 2.0])
    >>> dec(torch.zeros(1, 2), torch.eye(2)[:1])
    tensor([[1., 2.]])
    """

    def __init__(self, cae, mean, scale):
        super().__init__()
        self.cae = cae
        self.register_buffer("mean", torch.as_tensor(np.asarray(mean), dtype=torch.float32))
        self.register_buffer("scale", torch.as_tensor(np.asarray(scale), dtype=torch.float32))
        for p in self.parameters():
            p.requires_grad_(False)
        self.eval()

    def train(self, mode=True):
        # Frozen: always in evaluation mode (normalization statistics fixed).
        return super().train(False)

    def forward(self, z, y_onehot):
        z = z * self.scale + self.mean
        if self.cae is None:
            return z
        return torch.sigmoid(self.cae.decode(z, y_onehot))


class LinearLRDecay(Callback):
    """Decay the learning rate of every optimizer of a net linearly, per batch.

    From each optimizer's initial rate to ``final_lr`` over ``max_epochs``
    epochs of training batches.

    Parameters
    ----------
    final_lr : float, default=1e-5
    """

    def __init__(self, final_lr=1e-5):
        self.final_lr = final_lr

    def initialize(self):
        self.step_ = 0
        self.total_ = None
        self.initial_lrs_ = None
        return self

    def on_train_begin(self, net, **kwargs):
        if self.initial_lrs_ is None:  # kept when training resumes from a checkpoint
            self.initial_lrs_ = {
                name: [g["lr"] for g in getattr(net, name + "_").param_groups] for name in net._optimizers
            }

    def on_epoch_begin(self, net, dataset_train=None, **kwargs):
        if self.total_ is None:
            n = len(dataset_train)
            bs = net.get_params_for("iterator_train").get("batch_size", net.batch_size)
            drop_last = net.get_params_for("iterator_train").get("drop_last", False)
            per_epoch = n // bs if drop_last else -(-n // bs)
            self.total_ = max(per_epoch * net.max_epochs, 1)

    def on_batch_begin(self, net, training=False, **kwargs):
        if not training:
            return
        frac = min(self.step_ / max(self.total_ - 1, 1), 1.0)
        for name, lrs in self.initial_lrs_.items():
            for group, lr0 in zip(getattr(net, name + "_").param_groups, lrs):
                group["lr"] = lr0 + (self.final_lr - lr0) * frac
        self.step_ += 1


class BestClassifierState(Callback):
    """Keep the classifier weights with the best validation accuracy.

    After each epoch whose ``valid_acc`` equals or beats the best so far the
    classifier's state is copied (in memory; ties go to the later epoch); at
    the end of training it is restored. The history
    gets ``valid_acc_best`` flags. Without validation data nothing happens.
    """

    def initialize(self):
        self.best_score_ = -np.inf
        self.best_epoch_ = None
        self.best_state_ = None
        return self

    def on_epoch_end(self, net, **kwargs):
        if "valid_acc" not in net.history[-1]:
            return
        score = net.history[-1, "valid_acc"]
        is_best = score >= self.best_score_  # ties: prefer the later, longer-trained state
        net.history.record("valid_acc_best", bool(is_best))
        if is_best:
            self.best_score_ = score
            self.best_epoch_ = len(net.history)
            self.best_state_ = {k: v.detach().cpu().clone() for k, v in net.module_.state_dict().items()}

    def on_train_end(self, net, **kwargs):
        if self.best_state_ is not None:
            net.module_.load_state_dict(self.best_state_)
        # The copy is only needed during training; do not carry it in pickles.
        self.best_state_ = None


class EpochCheckpoint(Callback):
    """Write the complete stage-2 training state to ``path`` after every epoch.

    The file holds the state dicts of the classifier, generator, critic and
    their optimizers, the history, the learning-rate schedule position, the
    best-validation state and the RNG states -- everything needed to continue
    training exactly where it stopped (see :func:`restore_training_state`).
    It is written to a temporary file and renamed, so a crash while writing
    never leaves a broken checkpoint. ``extra`` (a dict of plain values) is
    stored alongside, e.g. a fingerprint of the data and parameters.
    """

    def __init__(self, path, extra=None):
        self.path = path
        self.extra = extra

    def on_epoch_end(self, net, **kwargs):
        save_training_state(net, self.path, self.extra)


def _callback(net, name):
    return dict(net.callbacks_)[name]


def save_training_state(net, path, extra=None):
    """Save a :class:`ShieldingNet`'s full training state (see :class:`EpochCheckpoint`)."""
    lr = _callback(net, "lr_decay")
    best = _callback(net, "best_classifier")
    state = {
        "modules": {name: getattr(net, name + "_").state_dict() for name in ("module", "generator", "critic")},
        "optimizers": {name: getattr(net, name + "_").state_dict() for name in net._optimizers},
        "history": json.loads(json.dumps(list(net.history), default=float)),  # plain types only
        "lr_decay": {"step": lr.step_, "total": lr.total_, "initial_lrs": lr.initial_lrs_},
        "best": {"score": best.best_score_, "epoch": best.best_epoch_, "state": best.best_state_},
        "rng": torch.get_rng_state(),
        "cuda_rng": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None,
        "extra": extra or {},
    }
    _atomic_torch_save(state, path)


def _atomic_torch_save(obj, path):
    """``torch.save`` to a temporary file, then rename: never a half-written file at ``path``."""
    import os

    tmp = f"{path}.tmp"
    torch.save(obj, tmp)
    os.replace(tmp, path)


def load_training_state(path):
    """Read a checkpoint written by :func:`save_training_state` (``weights_only=True``: no code runs)."""
    return torch.load(path, map_location="cpu", weights_only=True)


def restore_training_state(net, state):
    """Put a freshly initialized :class:`ShieldingNet` back into a checkpointed state.

    Returns the number of epochs already trained.
    """
    from skorch.history import History

    for name, sd in state["modules"].items():
        getattr(net, name + "_").load_state_dict(sd)
    for name, sd in state["optimizers"].items():
        getattr(net, name + "_").load_state_dict(sd)
    net.history_ = History(state["history"])
    lr = _callback(net, "lr_decay")
    lr.step_, lr.total_, lr.initial_lrs_ = state["lr_decay"]["step"], state["lr_decay"]["total"], state["lr_decay"]["initial_lrs"]
    best = _callback(net, "best_classifier")
    best.best_score_, best.best_epoch_, best.best_state_ = state["best"]["score"], state["best"]["epoch"], state["best"]["state"]
    torch.set_rng_state(state["rng"])
    if state.get("cuda_rng") is not None and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda_rng"])
    return len(net.history)


class EpochMeans(Callback):
    """Average per-batch history entries into per-epoch entries (shown by PrintLog)."""

    def __init__(self, keys):
        self.keys = keys

    def on_epoch_end(self, net, **kwargs):
        batches = net.history[-1, "batches"]
        for key in self.keys:
            vals = [b[key] for b in batches if key in b]
            if vals:
                net.history.record(key, float(np.mean(vals)))


class ShieldDiagnostics(Callback):
    """Record where the shields sit after every stage-2 epoch (see :mod:`gan_ova.diagnostics`).

    At the start of training it keeps up to ``max_per_class`` training
    examples per class (a fixed random subset; released at the end of
    training, so it never reaches a pickle). After each epoch it draws
    ``n_per_class`` fresh shields per class and records, per class,
    ``shield_ratio_per_class`` (distance ratio), ``shield_p_per_class``
    (own-head probability of the shields) and ``recon_p_per_class``
    (own-head probability of the reconstructions of real examples), plus
    their summaries ``shield_ratio`` (median over classes), ``shield_p`` and
    ``recon_p`` (means), which the epoch log shows.

    Parameters
    ----------
    n_per_class : int, default=128
    max_per_class : int, default=500
    """

    per_class_keys = ("shield_ratio_per_class", "shield_p_per_class", "recon_p_per_class")

    def __init__(self, n_per_class=128, max_per_class=500):
        self.n_per_class = n_per_class
        self.max_per_class = max_per_class

    def initialize(self):
        self.data_ = None
        return self

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        if not isinstance(X, dict) or "z" not in X or y is None:
            self.data_ = None
            return
        y = np.asarray(y)
        rng = np.random.RandomState(0)
        keep = np.sort(np.concatenate([
            rng.permutation(np.flatnonzero(y == k))[: self.max_per_class] for k in np.unique(y)
        ]))
        self.data_ = (np.asarray(X["x"])[keep], np.asarray(X["z"])[keep], y[keep])

    def on_epoch_end(self, net, **kwargs):
        if self.data_ is None:
            return
        x, z, y = self.data_
        stats = net.shield_statistics(x, z, y, n_per_class=self.n_per_class, seed=len(net.history))
        h = net.history
        h.record("shield_ratio_per_class", [float(v) for v in stats["distance_ratio"]])
        h.record("shield_p_per_class", [float(v) for v in stats["own_head_p"]])
        h.record("recon_p_per_class", [float(v) for v in stats["reconstruction_head_p"]])
        h.record("shield_ratio", float(np.nanmedian(stats["distance_ratio"])))
        h.record("shield_p", float(np.nanmean(stats["own_head_p"])))
        h.record("recon_p", float(np.nanmean(stats["reconstruction_head_p"])))

    def on_train_end(self, net, **kwargs):
        self.data_ = None


class AutoencoderNet(NeuralNet):
    """Stage 1: the conditional autoencoder as a skorch net.

    ``X`` is a dict ``{"x": images, "y_onehot": labels}`` and ``y`` the images
    themselves; the criterion is ``BCEWithLogitsLoss`` between the decoder's
    logits and the images. A non-finite loss stops training with
    :class:`NonFiniteLossError`.
    """

    def train_step_single(self, batch, **fit_params):
        step = super().train_step_single(batch, **fit_params)
        _check_finite(step["loss"].detach(), "stage 1 (autoencoder)", "reconstruction loss", self)
        return step

    def encode(self, x, y_onehot, batch_size=1024):
        """Latent codes ``E(x, y)`` (eval mode, no gradients) as a float32 array."""
        self.module_.eval()
        out = []
        with torch.no_grad():
            for i in range(0, len(x), batch_size):
                xb = to_tensor(x[i : i + batch_size], device=self.device)
                yb = to_tensor(y_onehot[i : i + batch_size], device=self.device)
                out.append(self.module_.encode(xb, yb).cpu())
        return torch.cat(out).numpy().astype(np.float32)


def initialize_gan_optimizers(net):
    """Create ``optimizer_`` (classifier), ``generator_optimizer_`` and ``critic_optimizer_`` of a GAN net.

    Each gets only its own module's parameters. The generator and critic use
    their own learning rates (``generator_lr`` / ``critic_lr``; skorch would
    otherwise fill in the classifier's ``lr``) unless
    ``<name>_optimizer__lr`` is passed, and Adam betas (0, 0.9) by default.
    Shared by :class:`ShieldingNet` and the Confident Classifier baseline.
    """
    args, kwargs = net.get_params_for_optimizer("optimizer", net.module_.named_parameters())
    net.optimizer_ = net.optimizer(*args, **kwargs)
    for name, lr in (("generator", net.generator_lr), ("critic", net.critic_lr)):
        named = getattr(net, name + "_").named_parameters()
        args, kwargs = net.get_params_for_optimizer(name + "_optimizer", named)
        if "lr" not in net.get_params_for(name + "_optimizer"):
            kwargs["lr"] = lr
        kwargs.setdefault("betas", (0.0, 0.9))
        setattr(net, name + "_optimizer_", getattr(net, name + "_optimizer")(*args, **kwargs))
    return net


def _ova_val_accuracy(net, X, y):
    logits = net.forward(X)  # cached validation outputs
    p = torch.sigmoid(logits).double().numpy()
    pred = class_probabilities(p, net.priors).argmax(1)
    return float(np.mean(pred == np.asarray(y)))


class ShieldingNet(NeuralNet):
    """Stage 2: latent conditional GAN trained jointly with the OvA classifier.

    ``X`` is a dict ``{"x": classifier inputs, "z": cached latent codes}`` and
    ``y`` the class indices. ``module`` is the OvA classifier; ``generator``,
    ``critic`` and their optimizers are further skorch components, so
    ``generator__*``, ``critic__*``, ``generator_optimizer__*`` and
    ``critic_optimizer__*`` parameters work as usual. ``decoder`` is the
    frozen :class:`ShieldDecoder`.

    Parameters
    ----------
    module : torch.nn.Module class or instance
        OvA classifier producing ``n_classes`` logits.
    generator, critic : torch.nn.Module class or instance
    decoder : ShieldDecoder
    n_classes : int
    class_counts : array-like of shape (n_classes,)
        Training counts, for the real-negative weights ``w[y, k] = n_k / n_y``
        and the priors used for validation accuracy.
    lambda_cl, lambda_reg, lambda_real, lambda_gp : float
    n_critic, n_classifier_steps : int
    noise_dim : int
    generator_optimizer, critic_optimizer : torch optimizer class
    generator_lr, critic_lr : float
    far_sampler : FarFieldSampler or None, default=None
        Draws ``far_sampler.per_real`` far-field negatives per real example
        once per real batch; they are negatives for every head, with loss
        weight ``far_sampler.weight``. None disables them.
    reconstruction_positives : bool, default=False
        Add the decoder's reconstructions of the real batch (decoded from
        their cached codes) as further positives of their own head
        (``mean_i -log p_{y_i}(D(z_i, y_i))`` added to the classifier loss),
        so that "looks decoded" alone does not give a shield away (no effect
        for feature vectors, whose autoencoder is the identity).
    **kwargs
        Passed to :class:`skorch.NeuralNet` (``lr`` is the classifier's).
    """

    cuda_dependent_attributes_ = ["decoder"]

    def __init__(
        self,
        module,
        *args,
        generator,
        critic,
        decoder,
        n_classes,
        class_counts,
        lambda_cl=2.0,
        lambda_reg=32.0,
        lambda_real=0.6,
        lambda_gp=10.0,
        n_critic=5,
        n_classifier_steps=5,
        noise_dim=128,
        generator_optimizer=torch.optim.Adam,
        critic_optimizer=torch.optim.Adam,
        generator_lr=1e-4,
        critic_lr=1e-4,
        far_sampler=None,
        reconstruction_positives=False,
        **kwargs,
    ):
        kwargs.setdefault("criterion", nn.BCEWithLogitsLoss)
        kwargs.setdefault("predict_nonlinearity", None)
        kwargs.setdefault("callbacks__print_log__keys_ignored", list(ShieldDiagnostics.per_class_keys))
        # Set before NeuralNet.__init__: skorch refuses torch modules as plain
        # attributes once the net exists.
        self.generator = generator
        self.critic = critic
        self.decoder = decoder
        self.n_classes = n_classes
        self.class_counts = class_counts
        self.lambda_cl = lambda_cl
        self.lambda_reg = lambda_reg
        self.lambda_real = lambda_real
        self.lambda_gp = lambda_gp
        self.n_critic = n_critic
        self.n_classifier_steps = n_classifier_steps
        self.noise_dim = noise_dim
        self.generator_optimizer = generator_optimizer
        self.critic_optimizer = critic_optimizer
        self.generator_lr = generator_lr
        self.critic_lr = critic_lr
        self.far_sampler = far_sampler
        self.reconstruction_positives = reconstruction_positives
        super().__init__(module, *args, **kwargs)

    batch_keys = ("critic_loss", "wasserstein", "generator_loss", "regularizer", "classifier_loss", "far_loss")

    @property
    def priors(self):
        counts = np.asarray(self.class_counts, dtype=np.float64)
        return counts / counts.sum()

    @property
    def _default_callbacks(self):
        return super()._default_callbacks + [
            ("epoch_means", EpochMeans(self.batch_keys)),
            ("valid_acc", EpochScoring(_ova_val_accuracy, lower_is_better=False, name="valid_acc")),
            ("best_classifier", BestClassifierState()),
            ("lr_decay", LinearLRDecay()),
            ("shield_diagnostics", ShieldDiagnostics()),
        ]

    # -- initialization -------------------------------------------------
    def initialize_module(self):
        super().initialize_module()
        self.generator_ = self.initialized_instance(self.generator, self.get_params_for("generator"))
        self.critic_ = self.initialized_instance(self.critic, self.get_params_for("critic"))
        self.decoder_ = self.decoder
        self.weights_ = torch.as_tensor(
            np.asarray(self.class_counts, dtype=np.float64)[None, :]
            / np.asarray(self.class_counts, dtype=np.float64)[:, None],
            dtype=torch.float32,
        )
        return self

    def initialize_optimizer(self, *args, **kwargs):
        return initialize_gan_optimizers(self)

    def _set_training(self, training=True):
        super()._set_training(training)
        self.decoder_.eval()

    # -- forward --------------------------------------------------------
    def infer(self, x, **fit_params):
        if isinstance(x, dict):
            x = x["x"]
        return self.module_(to_tensor(x, device=self.device), **fit_params)

    def get_loss(self, y_pred, y_true, X=None, training=False):
        y_true = to_tensor(y_true, device=self.device).long()
        return ova_classifier_loss(y_pred, y_true, None, self.weights_, self.lambda_real)

    # -- training -------------------------------------------------------
    def _fake_batch(self, onehot):
        """A generated batch of codes, made as the reference does: generator in eval mode, no gradients."""
        G = self.generator_
        G.eval()
        try:
            with torch.no_grad():
                return G(torch.rand(len(onehot), self.noise_dim, device=self.device), onehot)
        finally:
            G.train(True)

    def train_step(self, batch, **fit_params):
        self._set_training(True)
        Xi, yi = unpack_data(batch)
        x = to_tensor(Xi["x"], device=self.device)
        z = to_tensor(Xi["z"], device=self.device)
        y = to_tensor(yi, device=self.device).long()
        onehot = F.one_hot(y, self.n_classes).float()
        n = len(y)
        G, C, f, dec = self.generator_, self.critic_, self.module_, self.decoder_
        rows = torch.arange(n, device=self.device)

        # 1) critic steps on the same real batch and one generated batch
        z_fake = self._fake_batch(onehot)
        for _ in range(self.n_critic):
            loss_c, wdist = critic_loss(C, z, z_fake, onehot, self.lambda_gp)
            _check_finite(loss_c.detach(), "stage 2 (shielding GAN)", "critic loss", self)
            self.critic_optimizer_.zero_grad()
            loss_c.backward()
            self.critic_optimizer_.step()

        # 2) one generator step: look like class y to the critic, be rejected by head y
        for p in C.parameters():
            p.requires_grad_(False)
        for p in f.parameters():
            p.requires_grad_(False)
        try:
            z_gen = G(torch.rand(n, self.noise_dim, device=self.device), onehot)
            logits_own = f(dec(z_gen, onehot))[rows, y]
            reg = angular_regularizer(z_gen, y, z, y) if self.lambda_reg else None
            loss_g = generator_loss(C(z_gen, onehot), logits_own, self.lambda_cl, reg, self.lambda_reg)
            _check_finite(loss_g.detach(), "stage 2 (shielding GAN)", "generator loss", self)
            self.generator_optimizer_.zero_grad()
            loss_g.backward()
            self.generator_optimizer_.step()
        finally:
            for p in C.parameters():
                p.requires_grad_(True)
            for p in f.parameters():
                p.requires_grad_(True)

        # 3) classifier steps on the real batch (plus, optionally, its autoencoder
        #    reconstructions as positives), one generated batch and (optionally)
        #    far-field negatives for every head
        # One forward pass over [real | generated | reconstructions | far negatives].
        with torch.no_grad():
            parts = [x, dec(self._fake_batch(onehot), onehot).to(x.dtype)]
            with_rec = bool(self.reconstruction_positives) and dec.cae is not None
            if with_rec:
                parts.append(dec(z, onehot).to(x.dtype))
            if self.far_sampler is not None:
                parts.append(self.far_sampler.sample(n * self.far_sampler.per_real, device=self.device).to(x.dtype))
            x_all = torch.cat(parts)
        for _ in range(self.n_classifier_steps):
            logits = f(x_all)
            logits_real = logits[:n]
            loss = ova_classifier_loss(logits_real, y, logits[n : 2 * n], self.weights_, self.lambda_real)
            if with_rec:
                # reconstructions are positives of their own head only: head y must not reject
                # class-y images for looking decoded (as negatives of the other heads they cost
                # accuracy in our measurements; see the user guide)
                loss = loss + F.softplus(-logits[2 * n : 3 * n][rows, y]).mean()
            if self.far_sampler is not None:
                far = far_negative_loss(logits[(3 if with_rec else 2) * n :])
                loss = loss + self.far_sampler.weight * far
            _check_finite(loss.detach(), "stage 2 (shielding GAN)", "classifier loss", self)
            self.optimizer_.zero_grad()
            loss.backward()
            self.notify(
                "on_grad_computed", named_parameters=list(f.named_parameters()), batch=batch, training=True
            )
            self.optimizer_.step()

        h = self.history
        h.record_batch("critic_loss", float(loss_c.detach()))
        h.record_batch("wasserstein", wdist)
        h.record_batch("generator_loss", float(loss_g.detach()))
        h.record_batch("regularizer", float(reg.detach()) if reg is not None else 0.0)
        h.record_batch("classifier_loss", float(loss.detach()))
        if self.far_sampler is not None:
            h.record_batch("far_loss", float(far.detach()))
        return {"loss": loss.detach(), "y_pred": logits_real.detach()}

    def shield_statistics(self, x, z, y, n_per_class=256, seed=0, batch_size=512):
        """Where the shields sit, per class (see :mod:`gan_ova.diagnostics`).

        Parameters
        ----------
        x : array of classifier inputs of real examples
        z : array of shape (n, latent_dim)
            Their (standardized) codes, the space the GAN works in.
        y : array of shape (n,)
            Their class indices.
        n_per_class : int, default=256
            Fresh shields drawn per class (generator in eval mode, noise from
            a private generator seeded with ``seed``: the global RNG is not
            touched).

        Returns
        -------
        stats : dict
            ``distance_ratio``, ``radius_ratio``, ``own_head_p``,
            ``real_head_p``, ``reconstruction_head_p`` (arrays of shape
            (n_classes,), NaN for a class with fewer than 2 examples), and
            ``shield_codes`` / ``shield_labels`` / ``shield_distances`` /
            ``real_spacings`` for plots.
        """
        from .diagnostics import distance_ratio, radius_ratio

        K, dev = self.n_classes, self.device
        G, f, dec = self.generator_, self.module_, self.decoder_
        modes = (G.training, f.training)
        G.eval()
        f.eval()
        y = np.asarray(y, dtype=np.int64)
        ys = np.repeat(np.arange(K), n_per_class)
        gen = torch.Generator().manual_seed(int(seed))
        noise = torch.rand(len(ys), self.noise_dim, generator=gen)

        def head_p(inputs, labels):
            out = []
            for i in range(0, len(labels), batch_size):
                logits = f(torch.as_tensor(inputs[i : i + batch_size], device=dev))
                lab = torch.as_tensor(labels[i : i + batch_size], device=dev)
                out.append(torch.sigmoid(logits.gather(1, lab[:, None]))[:, 0].double().cpu())
            return torch.cat(out).numpy() if out else np.zeros(0)

        try:
            with torch.no_grad():
                onehot_s = F.one_hot(torch.as_tensor(ys, device=dev), K).float()
                z_s = torch.cat([G(noise[i : i + batch_size].to(dev), onehot_s[i : i + batch_size])
                                 for i in range(0, len(ys), batch_size)])
                x_s = torch.cat([dec(z_s[i : i + batch_size], onehot_s[i : i + batch_size])
                                 for i in range(0, len(ys), batch_size)])
                p_shield = head_p(x_s, ys)
                p_real = head_p(x, y)
                if dec.cae is not None:
                    zt = torch.as_tensor(np.asarray(z, dtype=np.float32), device=dev)
                    oh = F.one_hot(torch.as_tensor(y, device=dev), K).float()
                    x_rec = torch.cat([dec(zt[i : i + batch_size], oh[i : i + batch_size])
                                       for i in range(0, len(y), batch_size)])
                    p_rec = head_p(x_rec, y)
                else:
                    p_rec = p_real  # identity autoencoder: the reconstruction is the input
        finally:
            G.train(modes[0])
            f.train(modes[1])
        z_s = z_s.cpu().numpy()
        stats = {key: np.full(K, np.nan) for key in
                 ("distance_ratio", "radius_ratio", "own_head_p", "real_head_p", "reconstruction_head_p")}
        stats["shield_distances"], stats["real_spacings"] = [], []
        for k in range(K):
            real_k, sh_k = np.asarray(z)[y == k], z_s[ys == k]
            stats["own_head_p"][k] = p_shield[ys == k].mean()
            if (y == k).any():
                stats["real_head_p"][k] = p_real[y == k].mean()
                stats["reconstruction_head_p"][k] = p_rec[y == k].mean()
            if len(real_k) >= 2:
                ratio, d_s, spacing = distance_ratio(real_k, sh_k)
                stats["distance_ratio"][k] = ratio
                stats["radius_ratio"][k] = radius_ratio(real_k, sh_k)
            else:
                d_s, spacing = np.zeros(0), np.zeros(0)
            stats["shield_distances"].append(d_s)
            stats["real_spacings"].append(spacing)
        stats["shield_codes"], stats["shield_labels"] = z_s, ys
        return stats

    # -- inference helpers ------------------------------------------------
    def ova_logits(self, X, mc_passes=0, batch_size=None):
        """Classifier logits as float64 numpy, shape (n, K) or (mc_passes, n, K)."""
        f = self.module_
        f.eval()
        bs = batch_size or max(self.batch_size, 256)
        passes = []
        with torch.no_grad():
            try:
                if mc_passes:
                    set_mc_dropout(f, True)
                for _ in range(max(mc_passes, 1)):
                    out = [
                        f(torch.as_tensor(X[i : i + bs], device=self.device)).double().cpu()
                        for i in range(0, len(X), bs)
                    ]
                    passes.append(torch.cat(out) if out else torch.zeros(0, self.n_classes, dtype=torch.float64))
            finally:
                set_mc_dropout(f, False)
        out = torch.stack(passes).numpy()
        return out if mc_passes else out[0]

