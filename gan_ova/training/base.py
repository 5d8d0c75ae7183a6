"""Mechanics shared by the training nets: divergence checks, Ctrl-C handling, GAN-net plumbing, logits."""

from __future__ import annotations

import contextlib

import numpy as np
import torch
from skorch.callbacks import EpochScoring

from ..losses import critic_loss
from ..nets.classifiers import set_mc_dropout
from ..uncertainty import class_probabilities
from .callbacks import BestClassifierState, EpochMeans
from .distributed import DataParallelMixin
from .precision import PrecisionMixin, autocast_context

__all__ = [
    "NonFiniteLossError",
    "check_finite",
    "InterruptibleMixin",
    "GANNetMixin",
    "initialize_gan_optimizers",
    "module_logits",
    "ova_val_accuracy",
]


class NonFiniteLossError(FloatingPointError):
    """A training loss became NaN or infinite."""


def check_finite(value, stage, what, net):
    """Raise :class:`NonFiniteLossError` naming ``stage``, the loss and the batch unless ``value`` is finite.

    Parameters
    ----------
    value : torch.Tensor
        The (detached) loss to check; every element must be finite.
    stage : str
        Name of the training stage, the start of the error message (e.g.
        ``"stage 2 (shielding GAN)"``).
    what : str
        Name of the loss in the message (e.g. ``"critic loss"``).
    net : skorch.NeuralNet
        The net being trained; its history gives the epoch and batch number
        in the message.

    Raises
    ------
    NonFiniteLossError
        If any element of ``value`` is NaN or infinite.
    """
    if not torch.isfinite(value).all():
        epoch = len(net.history)
        batch = len(net.history[-1, "batches"]) if len(net.history) else 0
        raise NonFiniteLossError(
            f"{stage}: the {what} became {float(value)} at epoch {epoch}, batch {batch + 1}. "
            "Training diverged; lower the learning rate(s) (e.g. divide lr by 10), "
            "check the inputs for extreme values, or lower the loss weights."
        )


class InterruptibleMixin:
    """Record a Ctrl-C during training in ``interrupted_`` (skorch's ``partial_fit`` then ends training).

    The flag tells the estimator whether a net finished its epochs or was
    stopped early by the user.
    """

    def fit_loop(self, *args, **kwargs):
        self.interrupted_ = False
        try:
            return super().fit_loop(*args, **kwargs)
        except KeyboardInterrupt:
            self.interrupted_ = True
            raise


def initialize_gan_optimizers(net):
    """Create ``optimizer_`` (classifier), ``generator_optimizer_`` and ``critic_optimizer_`` of a GAN net.

    Each gets only its own module's parameters. The generator and critic use
    their own learning rates (``generator_lr`` / ``critic_lr``; skorch would
    otherwise fill in the classifier's ``lr``) unless
    ``<name>_optimizer__lr`` is passed, and Adam betas (0, 0.9) by default.
    Shared by :class:`ShieldingNet` and the Confident Classifier baseline.

    Parameters
    ----------
    net : skorch.NeuralNet
        A GAN net (see :class:`GANNetMixin`) whose ``module_``,
        ``generator_`` and ``critic_`` are initialized.

    Returns
    -------
    net : skorch.NeuralNet
        The same net, with ``optimizer_``, ``generator_optimizer_`` and
        ``critic_optimizer_`` set.
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



def ova_val_accuracy(net, X, y):
    """Validation accuracy of an OvA net: argmax of ``P(k|x)`` with the net's class priors.

    The scoring function of the ``valid_acc`` callback (see
    :attr:`GANNetMixin.val_accuracy`).

    Parameters
    ----------
    net : skorch.NeuralNet
        An OvA net with a ``priors`` attribute (class frequencies of shape
        (n_classes,)).
    X : array-like or dict
        The validation inputs; ``net.forward`` returns the logits cached by
        skorch's scoring.
    y : array-like of shape (n,)
        True class indices.

    Returns
    -------
    accuracy : float
        Fraction of examples whose most probable class is ``y``.
    """
    logits = net.forward(X)  # cached validation outputs
    p = torch.sigmoid(logits).double().numpy()
    pred = class_probabilities(p, net.priors).argmax(1)
    return float(np.mean(pred == np.asarray(y)))


def module_logits(module, X, device, mc_passes=0, batch_size=1024, n_outputs=None, precision="32"):
    """Logits of ``module`` on the array ``X`` as float64 numpy, in batches, without gradients.

    Parameters
    ----------
    module : torch.nn.Module
        The network to evaluate; it is put in eval mode.
    X : ndarray or ImageSource
        Inputs in the module's space; an object with a ``batches(batch_size)``
        method (a streamed dataset) is read through it, once per pass.
    device : str or torch.device
        Device the batches are moved to (the module's device).
    mc_passes : int, default=0
        0: one deterministic pass (eval mode), shape (n, K). ``m > 0``: ``m``
        passes with dropout on (MC dropout), shape (m, n, K).
    batch_size : int, default=1024
        Rows per forward pass.
    n_outputs : int or None
        Width of an empty result (``X`` with no rows).
    precision : {"32", "bf16", "16-mixed"}, default="32"
        Autocast dtype of the forward passes (see
        :mod:`gan_ova.training.precision`); the logits are returned as
        float64 whatever the precision.

    Returns
    -------
    logits : ndarray of shape (n, K) or (mc_passes, n, K)
        float64 logits, one pass (``mc_passes=0``) or one slice per MC-dropout
        pass. The module is left in eval mode with dropout off.

    Examples
    --------
    >>> import numpy as np, torch
    >>> lin = torch.nn.Linear(2, 3)
    >>> module_logits(lin, np.zeros((4, 2), dtype=np.float32), "cpu").shape
    (4, 3)
    """
    module.eval()
    passes = []
    with torch.no_grad(), autocast_context(device, precision):
        try:
            if mc_passes:
                set_mc_dropout(module, True)
            for _ in range(max(mc_passes, 1)):
                # a streamed dataset (gan_ova._streaming.ImageSource) is read batch by batch, once per pass
                batches = X.batches(batch_size) if hasattr(X, "batches") else (
                    X[i : i + batch_size] for i in range(0, len(X), batch_size))
                out = [module(torch.as_tensor(xb, device=device)).double().cpu() for xb in batches]
                passes.append(torch.cat(out) if out else torch.zeros(0, n_outputs or 0, dtype=torch.float64))
        finally:
            set_mc_dropout(module, False)
    out = torch.stack(passes).numpy()
    return out if mc_passes else out[0]


class GANNetMixin(DataParallelMixin, PrecisionMixin):
    """What the nets that train a classifier jointly with a WGAN-GP share.

    Mix in before :class:`skorch.NeuralNet`. The generator and critic are
    further skorch modules (``generator__*`` and ``critic__*`` parameters
    work), each with its own Adam optimizer (``generator_optimizer__*``,
    ``critic_optimizer__*``; see :func:`initialize_gan_optimizers`). Adds the
    callbacks ``epoch_means`` (per-epoch means of :attr:`batch_keys`),
    ``valid_acc`` (:attr:`val_accuracy` on the validation data) and
    ``best_classifier``, and helpers for the critic steps, for freezing
    modules and for recording batch losses. The ``precision`` switch and
    ``compile`` come from :class:`~gan_ova.training.PrecisionMixin`: the
    classifier and the generator are compiled, the critic never (its
    gradient penalty needs a double backward, which compiled graphs do not
    support).

    Parameters
    ----------
    module : torch.nn.Module class or instance
        The classifier.
    *args
        Further positional arguments of :class:`skorch.NeuralNet` (after
        ``module``: ``criterion``, ...).
    generator, critic : torch.nn.Module class or instance
        The conditional generator ``G(noise, onehot)`` and critic
        ``C(x, onehot)`` (e.g. :class:`~gan_ova.nets.Generator` and
        :class:`~gan_ova.nets.Critic`), initialized like ``module``.
    n_classes : int
        Number of classes (width of the one-hot conditions).
    lambda_gp : float, default=10.0
        Gradient-penalty weight of the critic loss.
    n_critic : int, default=5
        Critic steps per real batch.
    noise_dim : int, default=128
        Dimension of the generator's uniform noise.
    generator_optimizer, critic_optimizer : torch optimizer class, default=torch.optim.Adam
        Optimizers of the generator and critic (betas (0, 0.9) unless given
        as ``<name>_optimizer__betas``).
    generator_lr, critic_lr : float, default=1e-4
        Their learning rates (``<name>_optimizer__lr`` takes precedence).
    **kwargs
        Passed to :class:`skorch.NeuralNet` (``lr`` is the classifier's;
        ``precision`` to :class:`~gan_ova.training.PrecisionMixin`);
        ``predict_nonlinearity`` defaults to None (predictions are logits).
    """

    batch_keys = ()
    compiled_modules = ("module", "generator")
    #: ``f(net, X, y) -> float``, the validation score of the ``valid_acc`` callback.
    val_accuracy = None

    def __init__(
        self,
        module,
        *args,
        generator,
        critic,
        n_classes,
        lambda_gp=10.0,
        n_critic=5,
        noise_dim=128,
        generator_optimizer=torch.optim.Adam,
        critic_optimizer=torch.optim.Adam,
        generator_lr=1e-4,
        critic_lr=1e-4,
        **kwargs,
    ):
        kwargs.setdefault("predict_nonlinearity", None)
        # Set before NeuralNet.__init__: skorch refuses torch modules as plain
        # attributes once the net exists.
        self.generator = generator
        self.critic = critic
        self.n_classes = n_classes
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
            ("valid_acc", EpochScoring(self.val_accuracy, lower_is_better=False, name="valid_acc")),
            ("best_classifier", BestClassifierState()),
        ]

    def initialize_module(self):
        super().initialize_module()
        self.generator_ = self.initialized_instance(self.generator, self.get_params_for("generator"))
        self.critic_ = self.initialized_instance(self.critic, self.get_params_for("critic"))
        return self

    def initialize_optimizer(self, *args, **kwargs):
        return initialize_gan_optimizers(self)

    @staticmethod
    @contextlib.contextmanager
    def frozen(*modules):
        """Context in which the parameters of ``modules`` get no gradients (restored on exit).

        Parameters
        ----------
        *modules : torch.nn.Module
            The modules to freeze; on exit all their parameters require
            gradients again.

        Yields
        ------
        None
            Control returns to the ``with`` block while the modules are frozen.
        """
        params = [p for m in modules for p in m.parameters()]
        for p in params:
            p.requires_grad_(False)
        try:
            yield
        finally:
            for p in params:
                p.requires_grad_(True)

    def critic_steps(self, real, fake, cond, stage):
        """``n_critic`` WGAN-GP critic steps on ``real`` vs ``fake``; returns the last loss and W estimate.

        Parameters
        ----------
        real : torch.Tensor
            The real batch, as the critic sees it (latent codes or flattened
            inputs).
        fake : torch.Tensor or callable
            A tensor (one generated batch for all steps, as the UQGAN
            reference does) or a callable returning a fresh batch for each
            step.
        cond : torch.Tensor
            The critic's condition for both batches (one-hot labels).
        stage : str
            Name of the training stage for the error message of a non-finite
            loss (see :func:`check_finite`).

        Returns
        -------
        loss : torch.Tensor
            The critic loss (with gradient penalty) of the last step.
        wasserstein : float
            The critic's Wasserstein estimate ``mean C(real) - mean C(fake)``
            in the last step.
        """
        scaler = self.grad_scaler("critic_optimizer")
        critic = self.critic_ if self.precision == "32" else (lambda *a: self.amp_forward(self.critic_, *a))
        for _ in range(self.n_critic):
            fake_k = fake() if callable(fake) else fake
            loss_c, wdist = critic_loss(critic, real, fake_k, cond, self.lambda_gp, scaler=scaler)
            if scaler is None or not np.isfinite(wdist):
                # with gradient scaling, a non-finite penalty of finite critic outputs is a scaled-gradient
                # overflow: the scaler skips that step and lowers its scale
                check_finite(loss_c.detach(), stage, "critic loss", self)
            self.backward_step(loss_c, "critic_optimizer")
        return loss_c, wdist

    def classifier_step(self, loss, batch, stage):
        """One optimizer step of the classifier on ``loss`` (checked finite; ``on_grad_computed`` notified).

        Parameters
        ----------
        loss : torch.Tensor
            The scalar classifier loss, with its graph.
        batch : tuple
            The current training batch, passed on to the callbacks'
            ``on_grad_computed``.
        stage : str
            Name of the training stage for the error message of a non-finite
            loss (see :func:`check_finite`).
        """
        check_finite(loss.detach(), stage, "classifier loss", self)
        self.backward_step(loss, "optimizer", before_step=lambda: self.notify(
            "on_grad_computed", named_parameters=list(self.module_.named_parameters()), batch=batch, training=True))

    def record_batch(self, **values):
        """Record scalar losses (tensors or numbers) of this batch in the history.

        Parameters
        ----------
        **values : torch.Tensor or float
            History key and scalar value of each loss (e.g.
            ``critic_loss=loss_c``); stored as floats.
        """
        for key, value in values.items():
            self.history.record_batch(key, float(value.detach()) if torch.is_tensor(value) else float(value))
