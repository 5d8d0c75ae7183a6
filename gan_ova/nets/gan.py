"""Latent-space conditional GAN: generator ``G(u, y)`` and critic ``C(z, y)``."""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["Generator", "Critic"]


def _reference_init(module):
    """Linear weights N(0, 0.02), batch-norm weights N(1, 0.02), biases zero (the reference's init)."""
    for m in module.modules():
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, 0.0, 0.02)
            nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm1d):
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)


class Generator(nn.Module):
    """MLP generator on ``concat(onehot(y), u)``, ``u ~ U(0, 1)^noise_dim``.

    Hidden layers ``hidden`` (reference 1024 -> 512 -> 256), each
    Linear + ReLU + BatchNorm1d; a linear output of size ``latent_dim``.
    Initialised as the reference: Linear weights N(0, 0.02), batch-norm
    weights N(1, 0.02), biases zero.

    Parameters
    ----------
    n_classes : int
    latent_dim : int
    noise_dim : int, default=128
    hidden : tuple of int, default=(1024, 512, 256)

    Examples
    --------
    >>> import torch
    >>> g = Generator(n_classes=3, latent_dim=8, noise_dim=16, hidden=(32, 16))
    >>> g(torch.rand(4, 16), torch.eye(3)[[0, 1, 2, 0]]).shape
    torch.Size([4, 8])
    """

    def __init__(self, n_classes, latent_dim, noise_dim=128, hidden=(1024, 512, 256)):
        super().__init__()
        self.noise_dim = noise_dim
        layers, n_in = [], n_classes + noise_dim
        for n_out in hidden:
            layers += [nn.Linear(n_in, n_out), nn.ReLU(), nn.BatchNorm1d(n_out)]
            n_in = n_out
        layers.append(nn.Linear(n_in, latent_dim))
        self.net = nn.Sequential(*layers)
        _reference_init(self)

    def forward(self, u, y_onehot):
        return self.net(torch.cat([y_onehot.to(u.dtype), u], dim=1))


class Critic(nn.Module):
    """MLP critic on ``concat(z, onehot(y))``: ``hidden`` LeakyReLU layers, linear to 1.

    As in the reference: LeakyReLU slope 0.01, every Linear layer initialised
    N(0, 0.02) with zero bias, no input normalisation.

    Parameters
    ----------
    n_classes : int
    latent_dim : int
    hidden : tuple of int, default=(512, 512, 512)
    negative_slope : float, default=0.01
        Slope of the LeakyReLU activations.

    Examples
    --------
    >>> import torch
    >>> Critic(n_classes=3, latent_dim=8, hidden=(16,))(torch.zeros(4, 8), torch.eye(3)[[0, 1, 2, 0]]).shape
    torch.Size([4, 1])
    """

    def __init__(self, n_classes, latent_dim, hidden=(512, 512, 512), negative_slope=0.01):
        super().__init__()
        layers, n_in = [], latent_dim + n_classes
        for n_out in hidden:
            layers += [nn.Linear(n_in, n_out), nn.LeakyReLU(negative_slope)]
            n_in = n_out
        layers.append(nn.Linear(n_in, 1))
        self.net = nn.Sequential(*layers)
        _reference_init(self)

    def forward(self, z, y_onehot):
        return self.net(torch.cat([z, y_onehot.to(z.dtype)], dim=1))
