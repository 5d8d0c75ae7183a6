"""A faster 2x2 max-pooling for CPU training, with exactly the results of ``nn.MaxPool2d(2)``.

PyTorch's CPU ``max_pool2d`` on contiguous (NCHW) tensors computes an index per
output element in its forward pass, and on the small LeNet feature maps of this
package it was the single most expensive forward operation of a training step
(about 14 % of a stage-2 step on Fashion-MNIST, more than the convolutions'
forward; see ``benchmarks/step_cost.py``). A 2x2, stride-2 window can instead be
reduced with two element-wise maxima over strided views, which is several times
faster; the backward pass recovers the index of each maximum by comparison and
hands it to ``max_pool2d``'s own backward kernel (so double backward works as
with ``max_pool2d``).

The results are those of ``torch.nn.functional.max_pool2d(x, 2)``, bit for bit:

* forward: the maximum of four numbers does not depend on the order of
  comparisons (NaN propagates, as in ``max_pool2d``), except for the sign of
  a zero maximum of a window holding both -0.0 and 0.0, which no later
  operation of the network can tell apart;
* backward: each output's gradient goes to exactly one input of its window, the
  first maximum in row-major order, which is the element ``max_pool2d`` records
  (it replaces its running maximum only on a strictly larger value). The one
  exception is a window holding a NaN: its output is NaN in both, but the
  gradient goes to another corner (the estimators reject NaN inputs).

Rows or columns that do not fill a window (odd sizes) are dropped, as with
``ceil_mode=False``, and get zero gradient. The fast path is taken on CPU for
contiguous floating-point 4-D tensors; everything else (CUDA, where cuDNN's
pooling is fast, channels-last or other strided layouts, and code being
compiled by ``torch.compile``) goes to ``max_pool2d``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["MaxPool2x2", "max_pool2x2"]


def _windows(x):
    """The four corners ``(x00, x01, x10, x11)`` of every 2x2 window of the cropped ``x``."""
    n, c, h, w = x.shape
    ho, wo = h // 2, w // 2
    xv = x[:, :, : 2 * ho, : 2 * wo].reshape(n, c, ho, 2, wo, 2)
    return xv[:, :, :, 0, :, 0], xv[:, :, :, 0, :, 1], xv[:, :, :, 1, :, 0], xv[:, :, :, 1, :, 1]


class _MaxPool2x2(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        x00, x01, x10, x11 = _windows(x)
        out = torch.maximum(torch.maximum(x00, x01), torch.maximum(x10, x11))
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad_out):
        x, out = ctx.saved_tensors
        w = x.shape[-1]
        ho, wo = out.shape[-2:]
        x00, x01, x10, _ = _windows(x)
        # max_pool2d's index: the first maximum in row-major order (it replaces its running
        # maximum only on a strictly larger value)
        e00 = x00 == out
        e01 = x01 == out
        row1 = ~(e00 | e01)
        # in row 1, the right corner unless the left one is the maximum (a NaN maximum equals
        # nothing and goes to the last corner)
        col1 = (e01 & ~e00) | (row1 & (x10 != out))
        index = row1.to(torch.int64).mul_(w).add_(col1)
        index += (torch.arange(ho, device=x.device) * (2 * w))[:, None] + torch.arange(wo, device=x.device) * 2
        # the native backward of max_pool2d, given the index (differentiable in grad_out: double backward works)
        return torch.ops.aten.max_pool2d_with_indices_backward(
            grad_out, x, [2, 2], [2, 2], [0, 0], [1, 1], False, index
        )


def _fast_path_ok(x):
    return (
        # under torch.compile the compiler generates its own pooling code from max_pool2d
        not torch.compiler.is_compiling()
        and x.device.type == "cpu"
        and x.dim() == 4
        and x.dtype in (torch.float32, torch.float64)
        and x.is_contiguous()
        and x.shape[-1] >= 2
        and x.shape[-2] >= 2
    )


def max_pool2x2(x):
    """``max_pool2d(x, 2)`` (kernel 2, stride 2, no padding) with a faster CPU path; same results.

    Parameters
    ----------
    x : torch.Tensor of shape (N, C, H, W)

    Returns
    -------
    out : torch.Tensor of shape (N, C, H // 2, W // 2)

    Examples
    --------
    >>> import torch
    >>> x = torch.arange(16.0).reshape(1, 1, 4, 4)
    >>> max_pool2x2(x)
    tensor([[[[ 5.,  7.],
              [13., 15.]]]])
    >>> torch.equal(max_pool2x2(x), torch.nn.functional.max_pool2d(x, 2))
    True
    """
    if not _fast_path_ok(x):
        return F.max_pool2d(x, 2)
    return _MaxPool2x2.apply(x)


class MaxPool2x2(nn.MaxPool2d):
    """``nn.MaxPool2d(2)`` with a faster CPU forward; identical outputs and gradients.

    A subclass of :class:`torch.nn.MaxPool2d` (kernel 2, stride 2), so it
    prints, pickles and loads like one; see :func:`max_pool2x2` for when the
    fast path is taken.

    Examples
    --------
    >>> import torch
    >>> pool = MaxPool2x2()
    >>> x = torch.rand(2, 3, 8, 8)
    >>> torch.equal(pool(x), torch.nn.MaxPool2d(2)(x))
    True
    """

    def __init__(self):
        super().__init__(2)

    def forward(self, x):
        return max_pool2x2(x)


# pickles (joblib, torch.save of whole modules) refer to the public path, so that a fitted model
# does not depend on the private module the class is implemented in
MaxPool2x2.__module__ = "gan_ova.nets"
