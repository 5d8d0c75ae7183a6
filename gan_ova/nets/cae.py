"""Conditional autoencoders: ``E(x, y) -> z`` and ``D(z, y) -> image logits``.

The one-hot label enters the encoder as ``K`` constant feature maps stacked on
the image channels, and the decoder as ``K`` extra inputs of its first layer.
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["ConvCAE", "ResidualCAE", "stack_label_maps"]


def stack_label_maps(x, y_onehot):
    """Append ``K`` constant feature maps holding the one-hot label to ``x``.

    Parameters
    ----------
    x : torch.Tensor of shape (N, C, H, W)
        Images (or feature maps).
    y_onehot : torch.Tensor of shape (N, K)
        One-hot labels; map ``k`` of example ``i`` is filled with
        ``y_onehot[i, k]``.

    Returns
    -------
    stacked : torch.Tensor of shape (N, C + K, H, W)
        ``x`` with the label maps appended along the channels, in ``x``'s
        dtype.

    Examples
    --------
    >>> import torch
    >>> stack_label_maps(torch.zeros(2, 1, 4, 4), torch.eye(2)).shape
    torch.Size([2, 3, 4, 4])
    """
    n, _, h, w = x.shape
    maps = y_onehot[:, :, None, None].to(x.dtype).expand(n, y_onehot.shape[1], h, w)
    return torch.cat([x, maps], dim=1)


def _ceil4(n):
    return (n + 3) // 4


class _CAEBase(nn.Module):
    """Shared plumbing: ``forward(x, y_onehot)`` reconstructs ``x`` (logits).

    Subclasses build ``enc_conv`` (on the image with the label maps stacked),
    ``enc_fc``, ``dec_fc`` (to ``self._grid`` features) and ``dec_conv``.
    """

    def __init__(self, image_shape, n_classes, latent_dim, width):
        super().__init__()
        _, h, w = image_shape
        self.image_shape = tuple(image_shape)
        self.n_classes = n_classes
        self.latent_dim = latent_dim
        self._grid = (2 * width, _ceil4(h), _ceil4(w))

    def _encoder_fc(self):
        """The linear layer from ``enc_conv``'s flattened output to the latent code."""
        c, h, w = self.image_shape
        with torch.no_grad():
            n_flat = self.enc_conv(torch.zeros(1, c + self.n_classes, h, w)).numel()
        return nn.Linear(n_flat, self.latent_dim)

    def forward(self, x, y_onehot):
        return self.decode(self.encode(x, y_onehot), y_onehot)

    def encode(self, x, y_onehot):
        """Latent code ``E(x, y)`` of shape (N, latent_dim).

        Parameters
        ----------
        x : torch.Tensor of shape (N, C, H, W)
            Images.
        y_onehot : torch.Tensor of shape (N, n_classes)
            Their one-hot labels.

        Returns
        -------
        z : torch.Tensor of shape (N, latent_dim)
            The latent codes.
        """
        h = self.enc_conv(stack_label_maps(x, y_onehot))
        return self.enc_fc(h.flatten(1))

    def decode(self, z, y_onehot):
        """Image logits ``D(z, y)`` of shape (N, C, H, W); images are their sigmoid.

        Parameters
        ----------
        z : torch.Tensor of shape (N, latent_dim)
            Latent codes.
        y_onehot : torch.Tensor of shape (N, n_classes)
            The one-hot labels to decode them as.

        Returns
        -------
        logits : torch.Tensor of shape (N, C, H, W)
            Image logits (the images are their sigmoid).
        """
        h = self.dec_fc(torch.cat([z, y_onehot.to(z.dtype)], dim=1))
        return self._crop(self.dec_conv(h.view(-1, *self._grid)))

    def _crop(self, out):
        return out[:, :, : self.image_shape[1], : self.image_shape[2]]


class ConvCAE(_CAEBase):
    """Small convolutional cAE (the reference's 28x28 grey architecture).

    Encoder: conv(32, stride 2) -> conv(64, stride 2) -> FC to ``latent_dim``.
    Decoder: FC to ``64 x ceil(H/4) x ceil(W/4)`` -> two stride-2 transposed
    convolutions -> crop to ``H x W``. Works for any ``H, W >= 4``.

    Parameters
    ----------
    image_shape : tuple (C, H, W)
    n_classes : int
    latent_dim : int, default=32
    width : int, default=32
        Channels of the first convolution (the second has ``2 * width``).

    Examples
    --------
    >>> import torch
    >>> cae = ConvCAE((1, 28, 28), n_classes=5)
    >>> cae(torch.rand(3, 1, 28, 28), torch.eye(5)[:3]).shape
    torch.Size([3, 1, 28, 28])
    """

    def __init__(self, image_shape, n_classes, latent_dim=32, width=32):
        super().__init__(image_shape, n_classes, latent_dim, width)
        c = self.image_shape[0]
        _, h4, w4 = self._grid
        self.enc_conv = nn.Sequential(
            nn.Conv2d(c + n_classes, width, 4, stride=2, padding=1),
            nn.LeakyReLU(0.2),
            nn.Conv2d(width, 2 * width, 4, stride=2, padding=1),
            nn.BatchNorm2d(2 * width),
            nn.LeakyReLU(0.2),
        )
        self.enc_fc = self._encoder_fc()
        self.dec_fc = nn.Sequential(
            nn.Linear(latent_dim + n_classes, 2 * width * h4 * w4),
            nn.BatchNorm1d(2 * width * h4 * w4),
            nn.ReLU(),
        )
        self.dec_conv = nn.Sequential(
            nn.ConvTranspose2d(2 * width, width, 4, stride=2, padding=1),
            nn.BatchNorm2d(width),
            nn.ReLU(),
            nn.ConvTranspose2d(width, c, 4, stride=2, padding=1),
        )


class _ResBlock(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.body = nn.Sequential(
            nn.BatchNorm2d(channels),
            nn.ReLU(),
            nn.Conv2d(channels, channels, 3, padding=1),
            nn.BatchNorm2d(channels),
            nn.ReLU(),
            nn.Conv2d(channels, channels, 3, padding=1),
        )

    def forward(self, x):
        return x + self.body(x)


class ResidualCAE(_CAEBase):
    """Residual cAE for 32x32 / 64x64 colour images (latent_dim 128 by default).

    Encoder: conv -> [res block, stride-2 conv] x 2 -> res block -> FC.
    Decoder: FC -> res block -> [transposed conv x2, res block] x 2 -> conv.

    Parameters
    ----------
    image_shape : tuple (C, H, W)
    n_classes : int
    latent_dim : int, default=128
    width : int, default=64

    Examples
    --------
    >>> import torch
    >>> cae = ResidualCAE((3, 32, 32), n_classes=4, width=16)
    >>> cae(torch.rand(2, 3, 32, 32), torch.eye(4)[:2]).shape
    torch.Size([2, 3, 32, 32])
    """

    def __init__(self, image_shape, n_classes, latent_dim=128, width=64):
        super().__init__(image_shape, n_classes, latent_dim, width)
        c = self.image_shape[0]
        _, h4, w4 = self._grid
        self.enc_conv = nn.Sequential(
            nn.Conv2d(c + n_classes, width, 3, padding=1),
            _ResBlock(width),
            nn.Conv2d(width, width, 4, stride=2, padding=1),
            _ResBlock(width),
            nn.Conv2d(width, 2 * width, 4, stride=2, padding=1),
            _ResBlock(2 * width),
            nn.BatchNorm2d(2 * width),
            nn.ReLU(),
        )
        self.enc_fc = self._encoder_fc()
        self.dec_fc = nn.Linear(latent_dim + n_classes, 2 * width * h4 * w4)
        self.dec_conv = nn.Sequential(
            _ResBlock(2 * width),
            nn.ConvTranspose2d(2 * width, width, 4, stride=2, padding=1),
            _ResBlock(width),
            nn.ConvTranspose2d(width, width, 4, stride=2, padding=1),
            _ResBlock(width),
            nn.BatchNorm2d(width),
            nn.ReLU(),
            nn.Conv2d(width, c, 3, padding=1),
        )
