"""Classifier backbones. Each maps its input to ``n_classes`` logits.

Every backbone takes the keyword arguments ``input_shape`` (``(C, H, W)`` for
images, ``(n_features,)`` for vectors), ``n_classes`` and ``dropout`` (the
MC-dropout rate, 0 disables it). A user-supplied ``torch.nn.Module`` class
passed as ``backbone`` must accept the same keywords.
"""

from __future__ import annotations

import torch
from torch import nn

from ._pool import MaxPool2x2

__all__ = ["LeNet", "LeNet5", "ResNetLN", "MLP", "BACKBONES", "default_backbone", "set_mc_dropout"]


def _drop(p):
    return nn.Dropout(p) if p > 0 else nn.Identity()


def _conv_features(c, h, w, width, width2, pad):
    """LeNet's two conv (5x5) - ReLU - max-pool blocks, and the length of their flattened output.

    The poolings are :class:`~gan_ova.nets.MaxPool2x2`: ``nn.MaxPool2d(2)``
    with the same results and a faster CPU path.
    """
    features = nn.Sequential(
        nn.Conv2d(c, width, 5, padding=pad),
        nn.ReLU(),
        MaxPool2x2(),
        nn.Conv2d(width, width2, 5, padding=pad),
        nn.ReLU(),
        MaxPool2x2(),
    )
    with torch.no_grad():
        n_flat = features(torch.zeros(1, c, h, w)).numel()
    return features, n_flat


class LeNet(nn.Module):
    """LeNet-style CNN for small grey (or colour) images, e.g. 28x28 or 32x32.

    conv(20, 5x5) -> ReLU -> maxpool -> conv(50, 5x5) -> ReLU -> maxpool ->
    FC(500) -> ReLU -> dropout -> FC(n_classes), the classic LeNet layout.
    Images smaller than 16x16 (e.g. scikit-learn's 8x8 digits) get "same"
    padding so that both poolings fit.

    Parameters
    ----------
    input_shape : tuple (C, H, W)
    n_classes : int
    dropout : float, default=0.0
    width : int, default=20
        Channels of the first convolution; the second has ``2.5 * width``.
    hidden : int, default=500

    Examples
    --------
    >>> import torch
    >>> LeNet(input_shape=(1, 28, 28), n_classes=5)(torch.rand(2, 1, 28, 28)).shape
    torch.Size([2, 5])
    """

    def __init__(self, input_shape, n_classes, dropout=0.0, width=20, hidden=500):
        super().__init__()
        c, h, w = input_shape
        pad = 2 if min(h, w) < 16 else 0
        width2 = int(round(2.5 * width))
        self.features, n_flat = _conv_features(c, h, w, width, width2, pad)
        self.head = nn.Sequential(
            nn.Flatten(),
            _drop(dropout),
            nn.Linear(n_flat, hidden),
            nn.ReLU(),
            _drop(dropout),
            nn.Linear(hidden, n_classes),
        )

    def forward(self, x):
        return self.head(self.features(x))


class LeNet5(nn.Module):
    """LeNet-5 (LeCun et al., 1998), the classifier of the UQGAN reference for MNIST-size images.

    conv(6, 5x5) -> ReLU -> maxpool -> conv(16, 5x5) -> ReLU -> maxpool ->
    FC(120) -> ReLU -> FC(84) -> ReLU -> FC(n_classes), with dropout before
    each FC layer when ``dropout > 0``. About a quarter of :class:`LeNet`'s
    compute on 28x28 images. Images smaller than 16x16 get "same" padding,
    as in :class:`LeNet`.

    Parameters
    ----------
    input_shape : tuple (C, H, W)
        Shape of one image.
    n_classes : int
        Number of outputs (one logit per class).
    dropout : float, default=0.0
        Dropout rate before each fully connected layer (kept on at test time
        for MC dropout).

    Examples
    --------
    >>> import torch
    >>> LeNet5(input_shape=(1, 28, 28), n_classes=5)(torch.rand(2, 1, 28, 28)).shape
    torch.Size([2, 5])
    """

    def __init__(self, input_shape, n_classes, dropout=0.0):
        super().__init__()
        c, h, w = input_shape
        pad = 2 if min(h, w) < 16 else 0
        self.features, n_flat = _conv_features(c, h, w, 6, 16, pad)
        self.head = nn.Sequential(
            nn.Flatten(),
            _drop(dropout),
            nn.Linear(n_flat, 120),
            nn.ReLU(),
            _drop(dropout),
            nn.Linear(120, 84),
            nn.ReLU(),
            _drop(dropout),
            nn.Linear(84, n_classes),
        )

    def forward(self, x):
        return self.head(self.features(x))


class _ResBlockLN(nn.Module):
    def __init__(self, c_in, c_out, stride):
        super().__init__()
        self.norm1 = nn.GroupNorm(1, c_in)  # LayerNorm over (C, H, W)
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1)
        self.norm2 = nn.GroupNorm(1, c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, padding=1)
        self.skip = (
            nn.Identity() if stride == 1 and c_in == c_out else nn.Conv2d(c_in, c_out, 1, stride=stride)
        )

    def forward(self, x):
        h = self.conv1(torch.relu(self.norm1(x)))
        h = self.conv2(torch.relu(self.norm2(h)))
        return self.skip(x) + h


class ResNetLN(nn.Module):
    """Small pre-activation residual CNN with LayerNorm, for 32x32 / 64x64 colour.

    conv(w) -> 3 stages of two residual blocks (w, 2w, 4w; stride 2 between
    stages) -> LayerNorm -> ReLU -> global average pool -> dropout -> FC.
    LayerNorm (one group GroupNorm) instead of BatchNorm keeps every example's
    output independent of the rest of its batch.

    Parameters
    ----------
    input_shape : tuple (C, H, W)
        Shape of the input images (any ``H, W``: the pooling is global).
    n_classes : int
        Number of output logits.
    dropout : float, default=0.0
        Dropout rate before the final layer (MC dropout); 0 disables it.
    width : int, default=32
        Channels of the first stage; the later stages have ``2 * width`` and
        ``4 * width``.

    Examples
    --------
    >>> import torch
    >>> ResNetLN(input_shape=(3, 32, 32), n_classes=10, width=8)(torch.rand(2, 3, 32, 32)).shape
    torch.Size([2, 10])
    """

    def __init__(self, input_shape, n_classes, dropout=0.0, width=32):
        super().__init__()
        c = input_shape[0]
        self.stem = nn.Conv2d(c, width, 3, padding=1)
        blocks, c_in = [], width
        for i, c_out in enumerate([width, 2 * width, 4 * width]):
            blocks += [_ResBlockLN(c_in, c_out, 1 if i == 0 else 2), _ResBlockLN(c_out, c_out, 1)]
            c_in = c_out
        self.blocks = nn.Sequential(*blocks)
        self.head = nn.Sequential(
            nn.GroupNorm(1, c_in),
            nn.ReLU(),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
            _drop(dropout),
            nn.Linear(c_in, n_classes),
        )

    def forward(self, x):
        return self.head(self.blocks(self.stem(x)))


class MLP(nn.Module):
    """Multi-layer perceptron for feature vectors (tabular or 2-D toy data).

    Parameters
    ----------
    input_shape : tuple (n_features,)
    n_classes : int
    dropout : float, default=0.0
    hidden : tuple of int, default=(128, 128)
    radial : bool, default=False
        Append the mean square of the input coordinates as one more input
        feature: with bounded (squashed) inputs it lets the network make its
        outputs fall with the distance from the data's centre in every
        direction (used with ``far_field``; see :mod:`gan_ova._farfield`).

    Examples
    --------
    >>> import torch
    >>> MLP(input_shape=(2,), n_classes=3)(torch.rand(4, 2)).shape
    torch.Size([4, 3])
    >>> MLP(input_shape=(2,), n_classes=3, radial=True)(torch.rand(4, 2)).shape
    torch.Size([4, 3])
    """

    def __init__(self, input_shape, n_classes, dropout=0.0, hidden=(128, 128), radial=False):
        super().__init__()
        n_in = 1
        for s in input_shape:
            n_in *= s
        self.radial = bool(radial)
        n_in += int(self.radial)
        layers = [nn.Flatten()]
        for n_out in hidden:
            layers += [nn.Linear(n_in, n_out), nn.ReLU(), _drop(dropout)]
            n_in = n_out
        layers.append(nn.Linear(n_in, n_classes))
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        if self.radial:
            x = x.flatten(1)
            x = torch.cat([x, x.pow(2).mean(1, keepdim=True)], dim=1)
        return self.net(x)


BACKBONES = {"lenet": LeNet, "lenet5": LeNet5, "resnet": ResNetLN, "mlp": MLP}


def default_backbone(input_shape):
    """Backbone name chosen from the input shape.

    Vectors -> ``"mlp"``; grey images -> ``"lenet"``; colour images ->
    ``"resnet"``.

    Parameters
    ----------
    input_shape : tuple of int
        ``(C, H, W)`` for images, ``(n_features,)`` for vectors.

    Returns
    -------
    name : str
        A key of ``BACKBONES``: ``"mlp"``, ``"lenet"`` or ``"resnet"``.

    Examples
    --------
    >>> default_backbone((1, 28, 28)), default_backbone((3, 32, 32)), default_backbone((2,))
    ('lenet', 'resnet', 'mlp')
    """
    if len(input_shape) != 3:
        return "mlp"
    return "lenet" if input_shape[0] == 1 else "resnet"


def set_mc_dropout(module, active):
    """Switch the dropout layers of ``module`` to train mode (MC dropout) or eval.

    Other layers keep their mode, so normalization layers stay in eval mode.

    Parameters
    ----------
    module : torch.nn.Module
        The network whose dropout layers (at any depth) to switch.
    active : bool
        True: dropout on (train mode); False: off (eval mode).

    Returns
    -------
    n : int
        Number of dropout layers switched (0: the module has no dropout, and
        MC passes would all be the same).

    Examples
    --------
    >>> m = MLP(input_shape=(2,), n_classes=2, dropout=0.5).eval()
    >>> set_mc_dropout(m, True)  # number of dropout layers switched
    2
    """
    n = 0
    for m in module.modules():
        if isinstance(m, nn.modules.dropout._DropoutNd):
            m.train(active)
            n += 1
    return n
