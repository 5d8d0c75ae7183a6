"""The skorch nets of the baselines: softmax, plain one-vs-all, and Lee et al.'s confident classifier."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from skorch import NeuralNet
from skorch.callbacks import EpochScoring
from skorch.dataset import unpack_data
from skorch.utils import to_tensor
from torch import nn

from ..losses import class_weight_matrix, ova_classifier_loss
from ..training import BestClassifierState, GANNetMixin, PrecisionMixin, check_finite, ova_val_accuracy

__all__ = ["SoftmaxNet", "OvANet", "ConfidentNet", "softmax_val_accuracy"]


def softmax_val_accuracy(net, X, y):
    """Validation accuracy of a softmax net (argmax of the cached validation logits)."""
    logits = net.forward(X)  # cached validation outputs
    return float(np.mean(logits.argmax(1).cpu().numpy() == np.asarray(y)))


class SoftmaxNet(PrecisionMixin, NeuralNet):
    """A softmax classifier: cross-entropy, validation accuracy, best state kept.

    ``X`` holds classifier inputs and ``y`` class indices. Adds the callbacks
    ``valid_acc`` (argmax accuracy on the validation data) and
    ``best_classifier`` (:class:`~gan_ova.training.BestClassifierState`). A
    non-finite loss stops training with
    :class:`~gan_ova.training.NonFiniteLossError`.

    Parameters
    ----------
    module : torch.nn.Module class or instance
        The classifier, producing ``n_classes`` logits.
    *args
        Further positional arguments of :class:`skorch.NeuralNet` (after
        ``module``).
    **kwargs
        Passed to :class:`skorch.NeuralNet` (and ``precision`` to
        :class:`~gan_ova.training.PrecisionMixin`); ``criterion`` defaults to
        ``CrossEntropyLoss`` and ``predict_nonlinearity`` to None (predictions
        are logits).
    """

    stage_name = "softmax classifier"
    val_accuracy = staticmethod(softmax_val_accuracy)

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
        check_finite(step["loss"].detach(), self.stage_name, "classifier loss", self)
        return step


class OvANet(SoftmaxNet):
    """The plain one-vs-all net: :func:`~gan_ova.losses.ova_classifier_loss` without generated negatives.

    Parameters
    ----------
    module : torch.nn.Module class or instance
        The classifier, producing ``n_classes`` logits (one per head).
    *args
        Further positional arguments of :class:`skorch.NeuralNet` (after
        ``module``).
    class_counts : array-like of shape (n_classes,)
        Training counts: real-negative weights ``w[y, k] = n_k / n_y`` and the
        priors used for the validation accuracy.
    lambda_real : float, default=0.6
        Weight of the real negatives in the one-vs-all loss.
    **kwargs
        Passed to :class:`skorch.NeuralNet`; ``criterion`` defaults to
        ``BCEWithLogitsLoss`` and ``predict_nonlinearity`` to None.
    """

    stage_name = "one-vs-all classifier"
    val_accuracy = staticmethod(ova_val_accuracy)

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


class ConfidentNet(GANNetMixin, NeuralNet):
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
    module : torch.nn.Module class or instance
        The softmax classifier, producing ``n_classes`` logits.
    *args
        Further positional arguments of :class:`skorch.NeuralNet` (after
        ``module``).
    image_shape : tuple (C, H, W) or None, default=None
        Shape of the image inputs the generator's flat output is reshaped to
        (after a sigmoid); None for feature vectors (output used as is).
    lambda_kl : float, default=1.0
        Weight of the classifier's ``KL(U || p(x~))`` term on generated
        inputs.
    beta : float, default=1.0
        Weight of the generator's ``KL(U || p(x~))`` term.
    n_critic : int, default=1
        Critic steps per real batch.
    **kwargs
        Keyword arguments of :class:`~gan_ova.training.GANNetMixin` (see there):
        ``generator`` and ``critic`` (torch.nn.Module class or instance,
        required; conditioned on a constant one-element label, the critic on
        flattened inputs), ``n_classes`` (int, required), ``lambda_gp``,
        ``noise_dim``, ``generator_optimizer``, ``critic_optimizer`` (Adam,
        betas (0, 0.9)), ``generator_lr`` and ``critic_lr``; the rest goes to
        :class:`skorch.NeuralNet` (``lr`` is the classifier's; ``criterion``
        defaults to ``CrossEntropyLoss``).
    """

    batch_keys = ("critic_loss", "wasserstein", "generator_loss", "kl_fake", "classifier_loss")

    val_accuracy = staticmethod(softmax_val_accuracy)

    def __init__(self, module, *args, image_shape=None, lambda_kl=1.0, beta=1.0, n_critic=1, **kwargs):
        kwargs.setdefault("criterion", nn.CrossEntropyLoss)
        self.image_shape = image_shape
        self.lambda_kl = lambda_kl
        self.beta = beta
        super().__init__(module, *args, n_critic=n_critic, **kwargs)

    def get_loss(self, y_pred, y_true, X=None, training=False):
        y_true = to_tensor(y_true, device=self.device).long()
        return super().get_loss(y_pred, y_true, X=X, training=training)

    def generate(self, n, noise=None):
        """Generated classifier inputs ``x~`` (images in [0, 1] or standardized vectors).

        Parameters
        ----------
        n : int
            Number of inputs to generate.
        noise : torch.Tensor of shape (n, noise_dim) or None, default=None
            The generator's noise; None draws ``U(0, 1)`` noise from the
            global torch RNG.

        Returns
        -------
        x : torch.Tensor of shape (n, C, H, W) or (n, n_features)
            The generated inputs (with gradients to the generator's
            parameters unless called under ``torch.no_grad``).
        """
        if noise is None:
            noise = torch.rand(n, self.noise_dim, device=self.device)
        out = self.amp_forward(self.generator_, noise, torch.ones(n, 1, device=self.device))
        if self.image_shape is None:
            return out
        return torch.sigmoid(out).view(n, *self.image_shape)

    @staticmethod
    def kl_uniform(logits):
        """Batch mean of ``KL(U || softmax(logits)) = -log K - mean_k log p_k``.

        Parameters
        ----------
        logits : torch.Tensor of shape (N, K)
            Classifier logits.

        Returns
        -------
        kl : torch.Tensor
            Scalar, the mean over the batch of the divergence of the
            predicted distribution from the uniform one (0 when uniform).
        """
        k = logits.shape[1]
        return (-F.log_softmax(logits, dim=1).mean(dim=1) - float(np.log(k))).mean()

    def _critic(self, x):
        return self.amp_forward(self.critic_, x.flatten(1), torch.ones(len(x), 1, device=x.device, dtype=x.dtype))

    def train_step(self, batch, **fit_params):
        self._set_training(True)
        Xi, yi = unpack_data(batch)
        x = to_tensor(Xi, device=self.device)
        y = to_tensor(yi, device=self.device).long()
        n = len(y)
        f, C = self.module_, self.critic_
        stage = "confident classifier"
        ones = torch.ones(n, 1, device=self.device)

        # 1) critic steps (WGAN-GP on flattened inputs), a fresh generated batch each step
        def fake():
            with torch.no_grad():
                return self.generate(n).flatten(1)

        loss_c, wdist = self.critic_steps(x.flatten(1), fake, ones, stage)

        # 2) generator step: look real to the critic, low confidence to the classifier
        with self.frozen(C, f):
            x_fake = self.generate(n)
            kl_g = self.kl_uniform(self.amp_forward(f, x_fake))
            loss_g = -self._critic(x_fake).mean() + self.beta * kl_g
            check_finite(loss_g.detach(), stage, "generator loss", self)
            self.backward_step(loss_g, "generator_optimizer")

        # 3) classifier step: cross-entropy on real data, uniform output on generated data
        with torch.no_grad():
            x_fake = self.generate(n)
        logits_real = self.amp_forward(f, x)
        kl_fake = self.kl_uniform(self.amp_forward(f, x_fake))
        loss = F.cross_entropy(logits_real, y) + self.lambda_kl * kl_fake
        self.classifier_step(loss, batch, stage)

        self.record_batch(
            critic_loss=loss_c, wasserstein=wdist, generator_loss=loss_g, kl_fake=kl_fake, classifier_loss=loss
        )
        return {"loss": loss.detach(), "y_pred": logits_real.detach()}
