"""Stage 1: the conditional autoencoder net, and the frozen decoder that stage 2 uses."""

from __future__ import annotations

import inspect

import numpy as np
import torch
from skorch import NeuralNet
from skorch.utils import to_tensor
from torch import nn

from .base import InterruptibleMixin, check_finite
from .distributed import DataParallelMixin
from .precision import PrecisionMixin

__all__ = ["AutoencoderNet", "ShieldDecoder"]


class AutoencoderNet(InterruptibleMixin, DataParallelMixin, PrecisionMixin, NeuralNet):
    """Stage 1: the conditional autoencoder as a skorch net.

    ``X`` is a dict ``{"x": images, "y_onehot": labels}`` and ``y`` the images
    themselves; the criterion is ``BCEWithLogitsLoss`` between the decoder's
    logits and the images. A non-finite loss stops training with
    :class:`NonFiniteLossError`. The parameters are those of
    :class:`skorch.NeuralNet`.

    Parameters
    ----------
    module : torch.nn.Module class or instance
        The conditional autoencoder (e.g. :class:`~gan_ova.nets.ConvCAE`):
        ``module(x, y_onehot)`` returns reconstruction logits and
        ``module.encode(x, y_onehot)`` the latent codes.
    criterion : torch loss class or instance
        The reconstruction loss (the estimator passes ``BCEWithLogitsLoss``).
    optimizer : torch optimizer class, default=torch.optim.SGD
        Optimizer of the autoencoder.
    lr : float, default=0.01
        Its learning rate.
    max_epochs : int, default=10
        Training epochs.
    batch_size : int, default=128
        Examples per training batch (``iterator_train__drop_last=True`` drops
        the last, smaller one).
    precision : {"32", "bf16", "16-mixed"}, default="32"
        Autocast dtype of the forward passes (``"16-mixed"`` adds gradient
        scaling); see :class:`~gan_ova.training.PrecisionMixin`, which also
        makes ``compile=True`` compile the autoencoder in place.
    **kwargs
        Prefixed parameters of the components, as in :class:`skorch.NeuralNet`
        (``module__*``, ``optimizer__*``, ``iterator_train__*``,
        ``callbacks__*``, ...).

    Other Parameters
    ----------------
    iterator_train, iterator_valid, dataset, train_split, callbacks, predict_nonlinearity, warm_start, verbose, device, compile, use_caching, torch_load_kwargs
        As in :class:`skorch.NeuralNet` (the estimator sets
        ``predict_nonlinearity=None``, its own ``train_split``, ``callbacks``
        and ``device``).
    """

    def __init__(self, module, *args, precision="32", **kwargs):
        super().__init__(module, *args, precision=precision, **kwargs)

    # introspection (docs, IDEs) shows skorch's parameters plus precision, not (module, *args, **kwargs)
    __init__.__signature__ = inspect.signature(NeuralNet.__init__).replace(parameters=[
        *[q for q in inspect.signature(NeuralNet.__init__).parameters.values() if q.kind != q.VAR_KEYWORD],
        inspect.Parameter("precision", inspect.Parameter.KEYWORD_ONLY, default="32"),
        inspect.Parameter("kwargs", inspect.Parameter.VAR_KEYWORD),
    ])

    def train_step_single(self, batch, **fit_params):
        step = super().train_step_single(batch, **fit_params)
        check_finite(step["loss"].detach(), "stage 1 (autoencoder)", "reconstruction loss", self)
        return step

    def encode(self, x, y_onehot, batch_size=1024):
        """Latent codes ``E(x, y)`` (eval mode, no gradients) as a float32 array.

        Parameters
        ----------
        x : ndarray of shape (n, C, H, W)
            Images (as the autoencoder was trained on).
        y_onehot : ndarray of shape (n, n_classes)
            Their one-hot labels.
        batch_size : int, default=1024
            Rows per forward pass.

        Returns
        -------
        z : ndarray of shape (n, latent_dim)
            The latent codes, float32.
        """
        self.module_.eval()
        out = []
        with torch.no_grad():
            for i in range(0, len(x), batch_size):
                xb = to_tensor(x[i : i + batch_size], device=self.device)
                yb = to_tensor(y_onehot[i : i + batch_size], device=self.device)
                out.append(self.amp_forward(self.module_.encode, xb, yb).cpu())
        return torch.cat(out).numpy().astype(np.float32)


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
