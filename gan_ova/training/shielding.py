"""Stage 2: the shielding GAN trained jointly with the one-vs-all classifier."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from skorch import NeuralNet
from skorch.dataset import unpack_data
from skorch.utils import to_tensor
from torch import nn

from ..diagnostics import distance_ratio, radius_ratio
from ..losses import angular_regularizer, class_weight_matrix, far_negative_loss, generator_loss, ova_classifier_loss
from .base import GANNetMixin, InterruptibleMixin, check_finite, module_logits, ova_val_accuracy
from .callbacks import LinearLRDecay, ShieldDiagnostics

__all__ = ["ShieldingNet"]


class ShieldingNet(InterruptibleMixin, GANNetMixin, NeuralNet):
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
    *args
        Further positional arguments of :class:`skorch.NeuralNet` (after
        ``module``).
    decoder : ShieldDecoder
        The frozen map from latent codes to classifier inputs that the
        generated codes pass through.
    class_counts : array-like of shape (n_classes,)
        Training counts, for the real-negative weights ``w[y, k] = n_k / n_y``
        and the priors used for validation accuracy.
    lambda_cl : float, default=2.0
        Weight of the generator's classifier term (generated codes should be
        rejected by their own head).
    lambda_reg : float, default=32.0
        Weight of the generator's angular regularizer (spread of the
        generated codes around the real ones); 0 disables it.
    lambda_real : float, default=0.6
        Balance of the classifier's negatives: weight of the real negatives
        (examples of the other classes); the generated negatives get
        ``1 - lambda_real`` (see :func:`~gan_ova.losses.ova_classifier_loss`).
    n_critic : int, default=5
        Critic steps per real batch.
    n_classifier_steps : int, default=5
        Classifier steps per real batch.
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
    shield_residuals : bool, default=False
        Carry each real image's decoding residual over to the shield generated
        for it: the shield paired with real example ``i`` (same class, same
        batch position) is ``clip(D(z~_i, y_i) + x_i - D(z_i, y_i), 0, 1)``,
        i.e. the real image edited by the latent step ``z_i -> z~_i``. Shields
        then carry the fine detail the decoder cannot reproduce, like real
        images, and "looks decoded" no longer gives them away. No effect for
        feature vectors (identity autoencoder, zero residual).
    **kwargs
        Keyword arguments of :class:`~gan_ova.training.GANNetMixin` (see there):
        ``generator`` and ``critic`` (torch.nn.Module class or instance,
        required; they work on latent codes), ``n_classes`` (int, required),
        ``lambda_gp``, ``noise_dim``, ``generator_optimizer``,
        ``critic_optimizer``, ``generator_lr`` and ``critic_lr``; the rest
        goes to :class:`skorch.NeuralNet` (``lr`` is the classifier's;
        ``criterion`` defaults to ``BCEWithLogitsLoss``).
    """

    cuda_dependent_attributes_ = ["decoder"]
    compiled_modules = ("module", "generator", "decoder")

    def __init__(
        self,
        module,
        *args,
        decoder,
        class_counts,
        lambda_cl=2.0,
        lambda_reg=32.0,
        lambda_real=0.6,
        n_critic=5,
        n_classifier_steps=5,
        far_sampler=None,
        reconstruction_positives=False,
        shield_residuals=False,
        **kwargs,
    ):
        kwargs.setdefault("criterion", nn.BCEWithLogitsLoss)
        kwargs.setdefault("callbacks__print_log__keys_ignored", list(ShieldDiagnostics.per_class_keys))
        self.decoder = decoder
        self.class_counts = class_counts
        self.lambda_cl = lambda_cl
        self.lambda_reg = lambda_reg
        self.lambda_real = lambda_real
        self.n_classifier_steps = n_classifier_steps
        self.far_sampler = far_sampler
        self.reconstruction_positives = reconstruction_positives
        self.shield_residuals = shield_residuals
        super().__init__(module, *args, n_critic=n_critic, **kwargs)

    batch_keys = ("critic_loss", "wasserstein", "generator_loss", "regularizer", "classifier_loss", "far_loss")

    @property
    def priors(self):
        counts = np.asarray(self.class_counts, dtype=np.float64)
        return counts / counts.sum()

    val_accuracy = staticmethod(ova_val_accuracy)

    @property
    def _default_callbacks(self):
        return super()._default_callbacks + [
            ("lr_decay", LinearLRDecay()),
            ("shield_diagnostics", ShieldDiagnostics()),
        ]

    # -- initialization -------------------------------------------------
    def initialize_module(self):
        super().initialize_module()
        self.decoder_ = self.decoder
        self.weights_ = class_weight_matrix(self.class_counts)
        return self

    def _set_training(self, training=True):
        super()._set_training(training)
        self.decoder_.eval()

    # -- forward --------------------------------------------------------
    def infer(self, x, **fit_params):
        if isinstance(x, dict):
            x = x["x"]
        return self.amp_forward(self.module_, to_tensor(x, device=self.device), **fit_params)

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
                return self.amp_forward(G, torch.rand(len(onehot), self.noise_dim, device=self.device), onehot)
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
        fwd = self.amp_forward  # a plain call with precision="32"
        rows = torch.arange(n, device=self.device)

        stage = "stage 2 (shielding GAN)"

        # 1) critic steps on the same real batch and one generated batch
        loss_c, wdist = self.critic_steps(z, self._fake_batch(onehot), onehot, stage)

        # the real images' decoding residuals (None unless shield_residuals)
        residual = self._residuals(x, z, onehot)

        # 2) one generator step: look like class y to the critic, be rejected by head y
        with self.frozen(C, f):
            z_gen = fwd(G, torch.rand(n, self.noise_dim, device=self.device), onehot)
            logits_own = fwd(lambda zg: f(self._shield_images(zg, onehot, residual)), z_gen)[rows, y]
            reg = angular_regularizer(z_gen, y, z, y) if self.lambda_reg else None
            loss_g = generator_loss(fwd(C, z_gen, onehot), logits_own, self.lambda_cl, reg, self.lambda_reg)
            check_finite(loss_g.detach(), stage, "generator loss", self)
            self.backward_step(loss_g, "generator_optimizer")

        # 3) classifier steps on the real batch (plus, optionally, its autoencoder
        #    reconstructions as positives), one generated batch and (optionally)
        #    far-field negatives for every head, in one forward pass over
        #    [real | generated | reconstructions | far negatives].
        x_all, with_rec = self._classifier_inputs(x, z, onehot, residual)
        for _ in range(self.n_classifier_steps):
            logits = fwd(f, x_all)
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
            self.classifier_step(loss, batch, stage)

        self.record_batch(
            critic_loss=loss_c,
            wasserstein=wdist,
            generator_loss=loss_g,
            regularizer=reg if reg is not None else 0.0,
            classifier_loss=loss,
            **({"far_loss": far} if self.far_sampler is not None else {}),
        )
        return {"loss": loss.detach(), "y_pred": logits_real.detach()}

    def _residuals(self, x, z, onehot):
        """``x - D(z, y)`` of the real batch (no gradients), or None without ``shield_residuals``."""
        # getattr: nets pickled before the parameter existed
        if not (getattr(self, "shield_residuals", False) and self.decoder_.cae is not None):
            return None
        with torch.no_grad():
            return x - self.amp_forward(self.decoder_, z, onehot).to(x.dtype)

    def _shield_images(self, z_gen, onehot, residual):
        """Decoded shields, with the paired real images' residuals added and clipped to [0, 1] if given."""
        img = self.decoder_(z_gen, onehot)
        if residual is None:
            return img
        return (img + residual.to(img.dtype)).clamp(0.0, 1.0)

    def _classifier_inputs(self, x, z, onehot, residual=None):
        """The classifier steps' batch ``[real | generated | reconstructions | far]`` (no gradients)."""
        n, dec, fwd = len(x), self.decoder_, self.amp_forward
        with torch.no_grad():
            parts = [x, fwd(self._shield_images, self._fake_batch(onehot), onehot, residual).to(x.dtype)]
            with_rec = bool(self.reconstruction_positives) and dec.cae is not None
            if with_rec:
                # the reconstructions; x - residual when shield_residuals computed them already
                parts.append(fwd(dec, z, onehot).to(x.dtype) if residual is None else x - residual)
            if self.far_sampler is not None:
                parts.append(self.far_sampler.sample(n * self.far_sampler.per_real, device=self.device).to(x.dtype))
            return torch.cat(parts), with_rec

    def shield_statistics(self, x, z, y, n_per_class=256, seed=0, batch_size=512):
        """Where the shields sit, per class (see :mod:`gan_ova.diagnostics`).

        Parameters
        ----------
        x : ndarray of shape (n, ...) or ImageSource
            Classifier inputs of real examples (a streamed source is read
            by slices and ``take``).
        z : array-like of shape (n, latent_dim)
            Their (standardized) codes, the space the GAN works in.
        y : array-like of shape (n,)
            Their class indices.
        n_per_class : int, default=256
            Fresh shields drawn per class (generator in eval mode, noise from
            a private generator seeded with ``seed``: the global RNG is not
            touched).
        seed : int, default=0
            Seed of the shields' noise (the same seed gives the same shields
            for the same generator).
        batch_size : int, default=512
            Rows per forward pass of the generator, decoder and classifier.

        Returns
        -------
        stats : dict
            ``distance_ratio``, ``radius_ratio``, ``own_head_p``,
            ``real_head_p``, ``reconstruction_head_p`` (arrays of shape
            (n_classes,), NaN for a class with fewer than 2 examples), and
            ``shield_codes`` / ``shield_labels`` / ``shield_distances`` /
            ``real_spacings`` for plots.
        """
        K, dev = self.n_classes, self.device
        G, f, dec = self.generator_, self.module_, self.decoder_
        modes = (G.training, f.training)
        G.eval()
        f.eval()
        y = np.asarray(y, dtype=np.int64)
        ys = np.repeat(np.arange(K), n_per_class)
        noise = torch.rand(len(ys), self.noise_dim, generator=torch.Generator().manual_seed(int(seed)))

        def batched(fn, *arrays):
            return torch.cat([fn(*(a[i : i + batch_size] for a in arrays)) for i in range(0, len(arrays[0]), batch_size)])

        try:
            with torch.no_grad():
                onehot_s = F.one_hot(torch.as_tensor(ys, device=dev), K).float()
                z_s = batched(lambda nz, oh: G(nz.to(dev), oh), noise, onehot_s)
                if getattr(self, "shield_residuals", False) and dec.cae is not None:
                    # pair every shield with a real example of its class, as in training
                    pair = _paired_examples(y, ys, seed)
                    xp = torch.as_tensor(x[pair] if isinstance(x, np.ndarray) else x.take(pair)[:], device=dev)
                    zp = torch.as_tensor(np.asarray(z, dtype=np.float32)[pair], device=dev)
                    res = xp - batched(dec, zp, onehot_s)
                    shields = batched(self._shield_images, z_s, onehot_s, res)
                else:
                    shields = batched(dec, z_s, onehot_s)
                p_shield = self._own_head_p(shields, ys, batch_size)
                p_real = self._own_head_p(x, y, batch_size)
                if dec.cae is not None:
                    zt = torch.as_tensor(np.asarray(z, dtype=np.float32), device=dev)
                    oh = F.one_hot(torch.as_tensor(y, device=dev), K).float()
                    p_rec = self._own_head_p(batched(dec, zt, oh), y, batch_size)
                else:
                    p_rec = p_real  # identity autoencoder: the reconstruction is the input
        finally:
            G.train(modes[0])
            f.train(modes[1])
        return _per_class_statistics(np.asarray(z), y, z_s.cpu().numpy(), ys, p_shield, p_real, p_rec, K)

    def _own_head_p(self, inputs, labels, batch_size):
        """``p_{y_i}(x_i)``: each input's probability under its own class's OvA head (float64 numpy)."""
        out = []
        for i in range(0, len(labels), batch_size):
            logits = self.module_(torch.as_tensor(inputs[i : i + batch_size], device=self.device))
            lab = torch.as_tensor(labels[i : i + batch_size], device=self.device)
            out.append(torch.sigmoid(logits.gather(1, lab[:, None]))[:, 0].double().cpu())
        return torch.cat(out).numpy() if out else np.zeros(0)

    # -- inference helpers ------------------------------------------------
    def ova_logits(self, X, mc_passes=0, batch_size=None):
        """Classifier logits as float64 numpy, shape (n, K) or (mc_passes, n, K).

        Parameters
        ----------
        X : ndarray
            Classifier inputs (an array, not the training dict).
        mc_passes : int, default=0
            0: one deterministic pass (eval mode). ``m > 0``: ``m`` passes
            with dropout on (MC dropout).
        batch_size : int or None, default=None
            Rows per forward pass; None: ``max(self.batch_size, 256)``.

        Returns
        -------
        logits : ndarray of shape (n, n_classes) or (mc_passes, n, n_classes)
            See :func:`~gan_ova.training.module_logits`.
        """
        bs = batch_size or max(self.batch_size, 256)
        return module_logits(self.module_, X, self.device, mc_passes, bs, n_outputs=self.n_classes,
                             precision=self.precision)


def _paired_examples(y, y_shield, seed):
    """For each shield, the index of a real example of its class (drawn with replacement, seeded).

    A class without real examples pairs with example 0 (its statistics are NaN anyway).
    """
    rng = np.random.RandomState(int(seed))
    pair = np.zeros(len(y_shield), dtype=np.int64)
    for k in np.unique(y_shield):
        members, slots = np.flatnonzero(y == k), np.flatnonzero(y_shield == k)
        if len(members):
            pair[slots] = rng.choice(members, size=len(slots), replace=True)
    return pair


def _per_class_statistics(z, y, z_shield, y_shield, p_shield, p_real, p_rec, n_classes):
    """The per-class summaries of :meth:`ShieldingNet.shield_statistics` from codes and head probabilities."""
    stats = {key: np.full(n_classes, np.nan) for key in
             ("distance_ratio", "radius_ratio", "own_head_p", "real_head_p", "reconstruction_head_p")}
    stats["shield_distances"], stats["real_spacings"] = [], []
    for k in range(n_classes):
        real_k, sh_k = z[y == k], z_shield[y_shield == k]
        stats["own_head_p"][k] = p_shield[y_shield == k].mean()
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
    stats["shield_codes"], stats["shield_labels"] = z_shield, y_shield
    return stats
