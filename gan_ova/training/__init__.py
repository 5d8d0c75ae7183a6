"""The skorch nets behind :class:`~gan_ova.GANShieldedOvAClassifier`, their callbacks and checkpoints.

* :class:`AutoencoderNet` -- stage 1, the conditional autoencoder, trained
  with binary cross-entropy on the reconstruction logits and a step decay of
  the learning rate (x0.1 at 25% and 50% of training).
* :class:`ShieldingNet` -- stage 2, one :class:`skorch.NeuralNet` holding three
  modules (the OvA classifier ``module_``, ``generator_`` and ``critic_``), the
  frozen decoder ``decoder_`` and three optimizers. Its ``train_step`` runs
  the schedule per real batch: ``n_critic`` critic steps, one generator step,
  ``n_classifier_steps`` classifier steps on the same real batch and one
  fresh generated batch.
* :class:`GANNetMixin` -- what the shielding net and the Confident
  Classifier baseline share (generator and critic modules and optimizers,
  critic steps, frozen modules, batch records).
* :class:`PrecisionMixin` -- the ``precision`` switch (autocast, gradient
  scaling) and in-place ``torch.compile`` of every net.

Both nets record their losses in the skorch history; the shielding net's
per-batch ``critic_loss``, ``wasserstein``, ``generator_loss``,
``regularizer`` and ``classifier_loss`` are averaged per epoch and shown in
the epoch log.

Layout: :mod:`~gan_ova.training.base` (shared mechanics),
:mod:`~gan_ova.training.autoencoder` (stage 1),
:mod:`~gan_ova.training.shielding` (stage 2),
:mod:`~gan_ova.training.precision` (mixed precision and compile),
:mod:`~gan_ova.training.callbacks`, :mod:`~gan_ova.training.checkpoint`.
Every name is importable from ``gan_ova.training`` itself.
"""

from .autoencoder import AutoencoderNet, ShieldDecoder
from .base import (
    GANNetMixin,
    InterruptibleMixin,
    NonFiniteLossError,
    check_finite,
    initialize_gan_optimizers,
    module_logits,
    ova_val_accuracy,
)
from .callbacks import BestClassifierState, EpochCheckpoint, EpochMeans, LinearLRDecay, ShieldDiagnostics
from .checkpoint import atomic_torch_save, load_training_state, restore_training_state, save_training_state
from .precision import PRECISIONS, PrecisionMixin, autocast_context, check_precision
from .shielding import ShieldingNet

__all__ = [
    "AutoencoderNet",
    "ShieldingNet",
    "ShieldDecoder",
    "GANNetMixin",
    "InterruptibleMixin",
    "PrecisionMixin",
    "PRECISIONS",
    "autocast_context",
    "check_precision",
    "LinearLRDecay",
    "BestClassifierState",
    "EpochCheckpoint",
    "EpochMeans",
    "ShieldDiagnostics",
    "NonFiniteLossError",
    "check_finite",
    "initialize_gan_optimizers",
    "module_logits",
    "ova_val_accuracy",
    "atomic_torch_save",
    "save_training_state",
    "load_training_state",
    "restore_training_state",
]
