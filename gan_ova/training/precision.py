"""Mixed precision (torch autocast, gradient scaling) and in-place torch.compile for the training nets.

``precision="32"`` runs everything in float32 with no autocast context at all
(the forward passes are plain calls), so the default path is exactly the
code path of a net without this mixin. ``"bf16"`` runs the modules' forward
passes under ``torch.autocast(device_type, dtype=torch.bfloat16)``;
``"16-mixed"`` under float16 autocast, with one :class:`torch.amp.GradScaler`
per optimizer (CUDA only). Module outputs are cast back to float32 before any
loss, so losses, their reductions, the WGAN-GP gradient norm and everything
the estimators return stay float32/float64; weights and optimizer states
stay float32 (autocast casts copies of the weights per operation).
"""

from __future__ import annotations

import contextlib

import torch
from skorch.dataset import unpack_data

__all__ = ["PRECISIONS", "PrecisionMixin", "autocast_context", "check_precision"]

#: The accepted values of the ``precision`` parameter.
PRECISIONS = ("32", "bf16", "16-mixed")

_DTYPES = {"bf16": torch.bfloat16, "16-mixed": torch.float16}


def check_precision(precision, device):
    """Raise a ValueError unless ``precision`` is one of :data:`PRECISIONS` and usable on ``device``.

    ``"16-mixed"`` needs a CUDA device (float16 autocast on a CPU is slow or
    unsupported for many operations, and a silent fallback would train in
    another precision than the one asked for); ``"bf16"`` on CUDA needs a GPU
    with bfloat16 support.

    Parameters
    ----------
    precision : str
    device : torch.device

    Examples
    --------
    >>> check_precision("fp16", torch.device("cpu"))
    Traceback (most recent call last):
    ...
    ValueError: precision: expected one of ['32', 'bf16', '16-mixed'], got 'fp16'.
    """
    if not (isinstance(precision, str) and precision in PRECISIONS):
        raise ValueError(f"precision: expected one of {list(PRECISIONS)}, got {precision!r}.")
    device = torch.device(device)
    if precision == "16-mixed" and device.type != "cuda":
        raise ValueError(
            f"precision: '16-mixed' (float16 autocast with gradient scaling) needs a CUDA device, got "
            f"device={str(device)!r}; on a CPU use precision='bf16' (or '32')."
        )
    if precision == "bf16" and device.type == "cuda" and not torch.cuda.is_bf16_supported():
        raise ValueError(
            f"precision: 'bf16' needs a GPU with bfloat16 support, and {str(device)!r} has none; "
            "use precision='16-mixed' (or '32')."
        )


def autocast_context(device, precision):
    """The autocast context of ``precision`` on ``device``: a ``contextlib.nullcontext`` for ``"32"``.

    Parameters
    ----------
    device : str or torch.device
        The device whose type (``"cpu"``, ``"cuda"``) autocast applies to.
    precision : {"32", "bf16", "16-mixed"}
        ``"32"``: no autocast; ``"bf16"``: bfloat16; ``"16-mixed"``: float16.

    Returns
    -------
    context : contextlib.nullcontext or torch.autocast

    Examples
    --------
    >>> autocast_context("cpu", "32")  # doctest: +ELLIPSIS
    <contextlib.nullcontext object at ...>
    >>> with autocast_context("cpu", "bf16"):
    ...     torch.nn.Linear(2, 2)(torch.ones(1, 2)).dtype
    torch.bfloat16
    """
    if precision == "32":
        return contextlib.nullcontext()
    return torch.autocast(torch.device(device).type, dtype=_DTYPES[precision])


def _sync_gradients(net, optimizer_name):
    """Average over the ranks the gradients that ``<optimizer_name>_`` will step, in a data-parallel fit.

    Called right after ``backward`` -- with a gradient scaler before unscaling, so that every rank's
    scaler sees the same (averaged) gradients and skips or takes the same steps. A no-op for nets
    without :class:`~gan_ova.training.distributed.DataParallelMixin` and outside a data-parallel fit.
    """
    sync = getattr(net, "sync_optimizer_gradients", None)
    if sync is not None:
        sync(optimizer_name)


class PrecisionMixin:
    """The ``precision`` switch and in-place ``torch.compile`` for a :class:`skorch.NeuralNet`.

    Mix in before :class:`skorch.NeuralNet`. Adds the parameter
    ``precision`` (``"32"``, ``"bf16"`` or ``"16-mixed"``; see
    :mod:`gan_ova.training.precision`) and changes what skorch's ``compile``
    parameter does: the modules named in :attr:`compiled_modules` are
    compiled *in place* with :meth:`torch.nn.Module.compile` (arguments from
    ``compile__*``), so ``module_`` stays the original module (its
    ``state_dict`` keys, class and methods unchanged: no ``_orig_mod.``
    prefix) and only its ``__call__`` runs the compiled graph. The criterion
    is never compiled. ``predict`` and validation go through :meth:`infer`,
    which runs under autocast and returns float32.

    Parameters
    ----------
    *args
        Positional arguments of the net.
    precision : {"32", "bf16", "16-mixed"}, default="32"
        Autocast dtype of the forward passes; ``"16-mixed"`` also scales the
        losses with one :class:`torch.amp.GradScaler` per optimizer
        (``grad_scalers_``).
    **kwargs
        Keyword arguments of the net.
    """

    #: Names of the modules that ``compile=True`` compiles.
    compiled_modules = ("module",)
    #: Class-level default, for nets pickled before the parameter existed.
    precision = "32"

    def __init__(self, *args, precision="32", **kwargs):
        self.precision = precision
        super().__init__(*args, **kwargs)

    # -- compile --------------------------------------------------------
    def torch_compile(self, module, name):
        """Compile ``module`` in place if ``compile=True`` and ``name`` is in :attr:`compiled_modules`.

        Overrides :meth:`skorch.NeuralNet.torch_compile`, which would return
        a wrapper (``torch._dynamo.OptimizedModule``) whose ``state_dict``
        keys start with ``_orig_mod.``.

        Parameters
        ----------
        module : torch.nn.Module
            The initialized module (or criterion).
        name : str
            Its name in the net (``"module"``, ``"generator"``, ...).

        Returns
        -------
        module : torch.nn.Module
            The same object, its ``__call__`` compiled if it was selected.
        """
        if not self.compile or name not in self.compiled_modules or not isinstance(module, torch.nn.Module):
            return module
        if getattr(module, "_compiled_call_impl", None) is None:
            module.compile(**self.get_params_for("compile"))
        return module

    # -- autocast -------------------------------------------------------
    def autocast(self):
        """The autocast context of this net (``contextlib.nullcontext`` for ``precision="32"``).

        Returns
        -------
        context : contextlib.nullcontext or torch.autocast
            See :func:`autocast_context`.
        """
        return autocast_context(self.device, self.precision)

    def amp_forward(self, fn, *args, **kwargs):
        """``fn(*args, **kwargs)`` under autocast, returned as float32 (a plain call for ``"32"``).

        Parameters
        ----------
        fn : callable
            A forward pass (a module, or a function of modules) returning one
            tensor.
        *args, **kwargs
            Its arguments.

        Returns
        -------
        out : torch.Tensor
            ``fn``'s output; cast to float32 unless ``precision="32"`` (then
            returned as is), so that losses are computed in float32.
        """
        if self.precision == "32":
            return fn(*args, **kwargs)
        with self.autocast():
            out = fn(*args, **kwargs)
        return out.float()

    def infer(self, x, **fit_params):
        if self.precision == "32":
            return super().infer(x, **fit_params)
        return self.amp_forward(super().infer, x, **fit_params)

    # -- gradient scaling -----------------------------------------------
    def _initialize_optimizer(self, reason=None):
        # skorch's wrapper around initialize_optimizer (which GAN nets override): one scaler per optimizer
        super()._initialize_optimizer(reason=reason)
        self.grad_scalers_ = {}
        if self.precision == "16-mixed":
            dev = torch.device(self.device).type
            self.grad_scalers_ = {name: torch.amp.GradScaler(dev) for name in self._optimizers}
        return self

    def grad_scaler(self, optimizer_name):
        """The :class:`torch.amp.GradScaler` of an optimizer, or None (no scaling).

        Parameters
        ----------
        optimizer_name : str
            ``"optimizer"``, ``"generator_optimizer"``, ``"critic_optimizer"``.

        Returns
        -------
        scaler : torch.amp.GradScaler or None
            Set with ``precision="16-mixed"`` only.
        """
        return getattr(self, "grad_scalers_", {}).get(optimizer_name)

    def backward_step(self, loss, optimizer_name, before_step=None):
        """``zero_grad``, ``backward``, ``step`` of optimizer ``<optimizer_name>_`` on ``loss``.

        With a gradient scaler the loss is scaled before ``backward``, the
        gradients are unscaled before ``before_step`` (so callbacks such as
        gradient clipping see the true gradients) and the scaler steps (it
        skips the step if a gradient is not finite) and updates its scale.

        Parameters
        ----------
        loss : torch.Tensor
            The scalar loss, with its graph.
        optimizer_name : str
            The optimizer to step (``"optimizer"``, ``"generator_optimizer"``,
            ``"critic_optimizer"``); its own scaler, if any, is used.
        before_step : callable or None, default=None
            Called after ``backward`` (and unscaling) and before ``step``.
        """
        optimizer = getattr(self, optimizer_name + "_")
        scaler = self.grad_scaler(optimizer_name)
        optimizer.zero_grad()
        if scaler is None:
            loss.backward()
            _sync_gradients(self, optimizer_name)
            if before_step is not None:
                before_step()
            optimizer.step()
            return
        scaler.scale(loss).backward()
        _sync_gradients(self, optimizer_name)
        scaler.unscale_(optimizer)
        if before_step is not None:
            before_step()
        scaler.step(optimizer)
        scaler.update()

    def train_step_single(self, batch, **fit_params):
        scaler = self.grad_scaler("optimizer")
        if scaler is None:
            step = super().train_step_single(batch, **fit_params)
            _sync_gradients(self, "optimizer")
            return step
        # skorch's train_step_single, with the loss scaled for backward and the gradients unscaled
        # after it (skorch's on_grad_computed callbacks, e.g. gradient clipping, see true gradients)
        self._set_training(True)
        Xi, yi = unpack_data(batch)
        y_pred = self.infer(Xi, **fit_params)
        loss = self.get_loss(y_pred, yi, X=Xi, training=True)
        scaler.scale(loss).backward()
        _sync_gradients(self, "optimizer")
        scaler.unscale_(self.optimizer_)
        return {"loss": loss, "y_pred": y_pred}

    def _step_optimizer(self, step_fn):
        if self.grad_scaler("optimizer") is None:
            return super()._step_optimizer(step_fn)
        # a GradScaler cannot step with a closure: compute the step, then step and update each scaler
        step_fn()
        for name in self._optimizers:
            scaler = self.grad_scaler(name)
            scaler.step(getattr(self, name + "_"))
            scaler.update()
        return None
