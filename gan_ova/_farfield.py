"""Far-field negatives: make the epistemic score rise away from the data in every direction.

The generated shields cover a shell around each class; beyond it nothing
constrains the one-vs-all heads, and a ReLU network's logits grow linearly
along most rays (Hein et al., CVPR 2019), so some far inputs get confident
predictions. Two measures, applied together:

* **a bounded input domain.** Standardized feature vectors are squashed
  coordinate-wise, ``s(x) = c_j * tanh(x / c_j)`` with ``c_j`` the larger of
  6 standard deviations and twice the largest absolute value of feature ``j``
  in training: almost linear over the data (``|x| <= 2`` moves by at most
  4%), training outliers stay well inside, and every input, however far,
  lands in the box ``prod_j (-c_j, c_j)``. Images are bounded in
  ``[0, 1]`` already.
* **negatives on spheres around the data.** In each classifier step a batch
  of points ``R * v`` is drawn around the centre of the (standardized) data:
  ``R`` log-uniform between ``radius_factor`` times the 99th percentile of the
  training points' norms and ``max_radius_factor * sqrt(d)``, ``v`` a random
  unit direction: dense (a Gaussian direction, like the bulk of all
  directions) for half the points, ``k``-sparse for the other half, with
  ``k`` log-uniform from 1 (a single axis) to ``d``. They are mapped into the bounded
  domain (squashed, or clipped to ``[0, 1]`` for images) and are negatives
  for *every* head: ``per_real`` of them per real example (4 for vectors,
  where they cost next to nothing; 1 for images), with loss weight
  ``weight`` (2). Past the largest radius the squashing has saturated, so
  the covered region extends to infinity.
* **a distance feature** (the MLP backbone, ``radial=True``): the mean
  square of the squashed coordinates is appended to the input, so "far
  from the centre in any direction" is one learnable direction for the
  network instead of 2^d corners of the box to carve out one by one.

Pure torch; nothing here knows about skorch or scikit-learn.
"""

from __future__ import annotations

import math

import numpy as np
import torch

__all__ = ["SQUASH_SCALE", "squash_scales", "squash", "unsquash", "FarFieldSampler"]

#: Half-width ``c`` of the box that standardized feature vectors are squashed into.
SQUASH_SCALE = 6.0


def squash_scales(X, minimum=SQUASH_SCALE, factor=2.0):
    """Per-feature half-widths for :func:`squash`: ``max(minimum, factor * max_i |X_ij|)``.

    Twice the largest absolute standardized value seen in training keeps a
    training outlier (say 12 standard deviations out) clearly inside the
    box, so inputs further out along that feature stay distinguishable.

    Examples
    --------
    >>> import numpy as np
    >>> squash_scales(np.array([[0.5, -12.0], [1.0, 3.0]]))
    array([ 6., 24.], dtype=float32)
    """
    return np.maximum(minimum, factor * np.abs(np.asarray(X, dtype=np.float64)).max(axis=0)).astype(np.float32)


def squash(x, scale=SQUASH_SCALE):
    """Coordinate-wise ``scale * tanh(x / scale)`` for numpy arrays or tensors.

    ``scale`` is a number or one half-width per feature (the last axis).

    Examples
    --------
    >>> import numpy as np
    >>> squash(np.array([0.0, 1.0, 1e6])).round(3)
    array([0.   , 0.991, 6.   ])
    """
    if isinstance(x, torch.Tensor):
        if not isinstance(scale, (int, float)):
            scale = torch.as_tensor(np.asarray(scale), dtype=x.dtype, device=x.device)
        return scale * torch.tanh(x / scale)
    x = np.asarray(x)
    return (scale * np.tanh(x / scale)).astype(x.dtype, copy=False)


def unsquash(u, scale=SQUASH_SCALE, eps=1e-6):
    """Inverse of :func:`squash` (numpy); values at the box's faces map to large finite values.

    Examples
    --------
    >>> import numpy as np
    >>> float(unsquash(squash(np.array([2.5])))[0])  # doctest: +ELLIPSIS
    2.5...
    """
    scale = np.asarray(scale, dtype=np.float64)
    u = np.clip(np.asarray(u, dtype=np.float64) / scale, -1 + eps, 1 - eps)
    return scale * np.arctanh(u)


class FarFieldSampler:
    """Draw far-field negatives around the training data (see the module docstring).

    Parameters
    ----------
    center : array-like of shape (d,) or (C, H, W)
        Centre of the training data in the space the points are drawn in
        (zeros for standardized vectors, the mean image for images).
    data_radius : float
        99th percentile of the training points' distances to ``center``.
    domain : {"squash", "clip"}
        ``"squash"``: map points with :func:`squash` (feature vectors);
        ``"clip"``: clip to ``[0, 1]`` (images).
    radius_factor : float, default=1.5
        Smallest radius, in units of ``data_radius``.
    max_radius_factor : float, default=100.0
        Largest radius, in units of ``sqrt(d)`` (a coordinate-wise distance of
        about this many standard deviations: the squashing has saturated).
    per_real : int or None, default=None
        Far negatives per real example of a batch; None: 4 for ``"squash"``,
        1 for ``"clip"``.
    weight : float, default=2.0
        Weight of :func:`gan_ova.losses.far_negative_loss` in the classifier
        loss.
    squash_scale : float or array of shape (d,), default=SQUASH_SCALE
        Half-widths of the squashing for ``"squash"`` (see :func:`squash_scales`).

    Examples
    --------
    >>> import torch
    >>> s = FarFieldSampler(center=[0.0, 0.0], data_radius=2.0)
    >>> x = s.sample(500, generator=torch.Generator().manual_seed(0))
    >>> x.shape, bool(x.abs().max() <= 6.0)
    (torch.Size([500, 2]), True)
    >>> bool((torch.atanh(x / 6.0) * 6.0).norm(dim=1).min() >= 3.0 - 1e-3)  # beyond 1.5 x data_radius
    True
    """

    def __init__(self, center, data_radius, domain="squash", radius_factor=1.5, max_radius_factor=100.0,
                 per_real=None, weight=2.0, squash_scale=SQUASH_SCALE):
        if domain not in ("squash", "clip"):
            raise ValueError(f"domain: expected 'squash' or 'clip', got {domain!r}.")
        self.center = torch.as_tensor(np.asarray(center, dtype=np.float32))
        self.data_radius = float(data_radius)
        self.domain = domain
        d = self.center.numel()
        self.r_lo = max(radius_factor * self.data_radius, 1e-3)
        self.r_hi = max(max_radius_factor * math.sqrt(d), 2.0 * self.r_lo)
        self.per_real = int(per_real if per_real is not None else (4 if domain == "squash" else 1))
        self.weight = float(weight)
        self.squash_scale = squash_scale if np.isscalar(squash_scale) else np.asarray(squash_scale, np.float32)

    @classmethod
    def from_data(cls, X, domain, **kwargs):
        """A sampler centred on the mean of ``X`` (n, ...), radius the 99th percentile of norms."""
        X = np.asarray(X, dtype=np.float32)
        center = X.mean(axis=0) if domain == "clip" else np.zeros(X.shape[1:], dtype=np.float32)
        radius = float(np.percentile(np.linalg.norm((X - center).reshape(len(X), -1), axis=1), 99))
        return cls(center, radius, domain=domain, **kwargs)

    def sample(self, n, device="cpu", generator=None):
        """``n`` far points in the bounded input domain, shape ``(n,) + center.shape``."""
        shape = self.center.shape
        d = self.center.numel()
        g = torch.randn(n, d, generator=generator)
        # Half the points in dense directions (the bulk of all directions); the other half
        # in k-sparse ones, k log-uniform in 1..d, so single axes are as well covered as
        # any other sparsity.
        k = torch.exp(torch.rand(n, generator=generator) * math.log(d + 1)).floor().clamp(1, d)
        k[: n // 2] = d
        ranks = torch.rand(n, d, generator=generator).argsort(dim=1).argsort(dim=1)
        v = g * (ranks < k[:, None])
        v = v / v.norm(dim=1, keepdim=True).clamp_min(1e-12)
        log_r = torch.empty(n, 1).uniform_(math.log(self.r_lo), math.log(self.r_hi), generator=generator)
        x = (self.center.reshape(1, d) + torch.exp(log_r) * v).reshape((n,) + tuple(shape))
        x = squash(x, self.squash_scale) if self.domain == "squash" else x.clamp(0.0, 1.0)
        return x.to(device)
