"""Training losses of the UQGAN method: pure functions on torch tensors.

* :func:`ova_classifier_loss` -- the one-vs-all loss on real examples and on
  generated out-of-class examples (each a negative for its own class's head);
* :func:`gradient_penalty` and :func:`critic_loss` -- WGAN-GP;
* :func:`angular_regularizer` -- the "logcosine" spread of generated codes
  around each real code of their class;
* :func:`generator_loss` -- adversarial + classifier + regularizer terms.

``-log p`` and ``-log(1 - p)`` of a sigmoid are computed from logits with
``softplus`` for numerical stability: ``-log sigmoid(l) = softplus(-l)`` and
``-log(1 - sigmoid(l)) = softplus(l)``.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

__all__ = [
    "class_weight_matrix",
    "ova_classifier_loss",
    "gradient_penalty",
    "critic_loss",
    "angular_regularizer",
    "generator_loss",
    "far_negative_loss",
]


def class_weight_matrix(class_counts):
    """Weights ``w[y, k] = n_k / n_y`` of the OvA loss's real-negative term.

    Parameters
    ----------
    class_counts : array-like of shape (n_classes,)
        Number of training examples per class.

    Returns
    -------
    weights : torch.Tensor of shape (n_classes, n_classes)

    Examples
    --------
    >>> class_weight_matrix([10, 20])
    tensor([[1.0000, 2.0000],
            [0.5000, 1.0000]])
    """
    n = torch.as_tensor(class_counts, dtype=torch.float32)
    return n[None, :] / n[:, None]


def ova_classifier_loss(logits_real, y, logits_fake=None, weights=None, lambda_real=0.6):
    """One-vs-all loss on a batch of real and generated examples.

    ``L = (1/N) sum_i -log p_{y_i}(x_i)
    + lambda_real * mean_{i, k != y_i} w_{y_i,k} (-log(1 - p_k(x_i)))
    + (1 - lambda_real) * (1/N) sum_i -log(1 - p_{y_i}(x~_i))``
    with ``p = sigmoid(logits)``; the generated example ``x~_i`` is
    conditioned on ``y_i`` and is a negative for head ``y_i`` only.

    Parameters
    ----------
    logits_real : Tensor of shape (N, K)
        Classifier logits on real examples.
    y : LongTensor of shape (N,)
        Class indices of the real examples (and the conditioning labels of the
        generated ones).
    logits_fake : Tensor of shape (N, K) or None
        Classifier logits on generated examples; None drops the last term
        (the plain OvA loss without a GAN).
    weights : Tensor of shape (K, K) or None
        ``w[y, k] = n_k / n_y`` (:func:`class_weight_matrix`); ones if None.
    lambda_real : float, default=0.6

    Returns
    -------
    loss : scalar Tensor

    Examples
    --------
    >>> import torch
    >>> logits = torch.zeros(2, 2)  # p = 0.5 everywhere
    >>> y = torch.tensor([0, 1])
    >>> round(float(ova_classifier_loss(logits, y, logits, lambda_real=0.5)), 4)  # 2 * log 2
    1.3863
    """
    n, k = logits_real.shape
    idx = torch.arange(n, device=logits_real.device)
    pos = F.softplus(-logits_real[idx, y]).mean()
    neg_all = F.softplus(logits_real)  # -log(1 - p_k)
    if weights is None:
        w = torch.ones(n, k, device=logits_real.device, dtype=logits_real.dtype)
    else:
        w = weights.to(logits_real.device, logits_real.dtype)[y]
    mask = torch.ones_like(neg_all)
    mask[idx, y] = 0.0
    neg = (w * neg_all * mask).sum() / max(n * (k - 1), 1)
    loss = pos + lambda_real * neg
    if logits_fake is not None:
        fake = F.softplus(logits_fake[idx, y]).mean()
        loss = loss + (1.0 - lambda_real) * fake
    return loss


def gradient_penalty(critic, z_real, z_fake, y_onehot, generator=None, scaler=None):
    """WGAN-GP penalty ``mean (||grad_zhat C(zhat, y)||_2 - 1)^2``.

    ``zhat = e * z_real + (1 - e) * z_fake`` with ``e ~ U(0, 1)`` per sample.

    Parameters
    ----------
    critic : callable ``critic(z, y_onehot) -> (N, 1)``
    z_real, z_fake : Tensor of shape (N, d)
    y_onehot : Tensor of shape (N, K)
    generator : torch.Generator or None
        Source of the interpolation weights.
    scaler : torch.amp.GradScaler or None
        With float16 mixed precision, the critic's gradient scaler: the
        input gradient is computed from the scaled output (no float16
        underflow in the critic's backward) and unscaled before its norm, as
        in PyTorch's "gradient penalty" AMP example.

    Returns
    -------
    penalty : scalar Tensor (differentiable w.r.t. the critic's parameters)

    Examples
    --------
    >>> import torch
    >>> critic = lambda z, y: (2.0 * z).sum(dim=1, keepdim=True)  # gradient norm 2 in 1-D
    >>> z = torch.zeros(4, 1)
    >>> float(gradient_penalty(critic, z, z + 1, torch.ones(4, 1)))
    1.0
    """
    n = z_real.shape[0]
    e = torch.rand(n, 1, device=z_real.device, dtype=z_real.dtype, generator=generator)
    zhat = (e * z_real.detach() + (1.0 - e) * z_fake.detach()).requires_grad_(True)
    out = critic(zhat, y_onehot)
    if scaler is None:
        (grad,) = torch.autograd.grad(out.sum(), zhat, create_graph=True)
    else:
        (grad,) = torch.autograd.grad(scaler.scale(out.sum()), zhat, create_graph=True)
        grad = grad / scaler.get_scale()
    return ((grad.norm(2, dim=1) - 1.0) ** 2).mean()


def critic_loss(critic, z_real, z_fake, y_onehot, lambda_gp=10.0, generator=None, scaler=None):
    """WGAN-GP critic loss ``mean C(z~) - mean C(z) + lambda_gp * GP``.

    Parameters
    ----------
    critic : callable ``critic(z, y_onehot) -> (N, 1)``
    z_real, z_fake : Tensor of shape (N, d)
    y_onehot : Tensor of shape (N, K)
    lambda_gp : float, default=10.0
    generator : torch.Generator or None
    scaler : torch.amp.GradScaler or None
        Passed to :func:`gradient_penalty` (float16 mixed precision).

    Returns
    -------
    loss : scalar Tensor
    wasserstein : float
        ``mean C(z) - mean C(z~)``, the critic's Wasserstein estimate.

    Examples
    --------
    >>> import torch
    >>> critic = lambda z, y: z.sum(dim=1, keepdim=True)  # gradient norm 1: no penalty
    >>> loss, w = critic_loss(critic, torch.ones(3, 1), torch.zeros(3, 1), torch.ones(3, 1))
    >>> float(loss), w
    (-1.0, 1.0)
    """
    c_real = critic(z_real, y_onehot).mean()
    c_fake = critic(z_fake.detach(), y_onehot).mean()
    gp = gradient_penalty(critic, z_real, z_fake, y_onehot, generator=generator, scaler=scaler)
    return c_fake - c_real + lambda_gp * gp, float((c_real - c_fake).detach())


def angular_regularizer(z_fake, y_fake, z_real, y_real, eps=1e-6):
    """Angular spread ("logcosine") of generated codes around real codes.

    For every class ``c`` with at least 2 generated codes in the batch and
    every real code ``z_j`` of class ``c`` as anchor: the unit directions
    ``v_i = (z~_i - z_j) / ||z~_i - z_j||`` to the generated codes of class
    ``c``, their pairwise angles ``theta_ik = arccos(v_i . v_k)`` and the mean
    of ``-log(theta_ik / pi + 1e-6)`` over pairs ``i < k``; averaged over
    anchors, then over classes. Small when the generated codes surround each
    real code in every direction, large when they clump.

    Parameters
    ----------
    z_fake : Tensor of shape (M, d)
    y_fake : LongTensor of shape (M,)
    z_real : Tensor of shape (N, d)
    y_real : LongTensor of shape (N,)
    eps : float, default=1e-6
        Added to ``theta / pi`` inside the log (and keeps ``arccos`` away from
        its infinite slope at +-1).

    Returns
    -------
    R : scalar Tensor (0 when no class qualifies)

    Examples
    --------
    >>> import torch
    >>> anchor = torch.zeros(1, 2)
    >>> spread = torch.tensor([[1.0, 0.0], [-1.0, 0.0]])   # opposite directions
    >>> clumped = torch.tensor([[1.0, 0.0], [1.0, 0.1]])   # almost the same direction
    >>> y2, y1 = torch.zeros(2, dtype=torch.long), torch.zeros(1, dtype=torch.long)
    >>> float(angular_regularizer(spread, y2, anchor, y1)) < float(angular_regularizer(clumped, y2, anchor, y1))
    True
    """
    terms = []
    for c in torch.unique(y_fake):
        g = z_fake[y_fake == c]
        r = z_real[y_real == c]
        m = g.shape[0]
        if m < 2 or r.shape[0] == 0:
            continue
        diff = g[None, :, :] - r[:, None, :]  # (R, M, d)
        v = diff / diff.norm(dim=2, keepdim=True).clamp_min(1e-12)
        cos = v @ v.transpose(1, 2)  # (R, M, M)
        iu = torch.triu_indices(m, m, offset=1, device=cos.device)
        cos_pairs = cos[:, iu[0], iu[1]].clamp(-1.0 + 1e-6, 1.0 - 1e-6)
        theta = torch.arccos(cos_pairs)
        terms.append((-torch.log(theta / math.pi + eps)).mean())
    if not terms:
        return z_fake.sum() * 0.0
    return torch.stack(terms).mean()


def generator_loss(critic_fake, logits_fake_own, lambda_cl, reg=None, lambda_reg=0.0):
    """Generator loss ``-mean C(z~, y) + lambda_cl * mean[-log(1 - p_y(x~))] + lambda_reg * R``.

    Parameters
    ----------
    critic_fake : Tensor of shape (N, 1) or (N,)
        Critic outputs on the generated codes.
    logits_fake_own : Tensor of shape (N,)
        Logit of head ``y_i`` on the decoded generated example ``x~_i``.
    lambda_cl : float
    reg : scalar Tensor or None
        The angular regularizer ``R``.
    lambda_reg : float

    Returns
    -------
    loss : scalar Tensor

    Examples
    --------
    >>> import torch
    >>> float(generator_loss(torch.ones(2, 1), torch.zeros(2), lambda_cl=1.0)) + 1.0  # log 2
    0.6931471824645996
    """
    loss = -critic_fake.mean() + lambda_cl * F.softplus(logits_fake_own).mean()
    if reg is not None and lambda_reg:
        loss = loss + lambda_reg * reg
    return loss


def far_negative_loss(logits_far):
    """Far-field negatives: every head should reject them.

    ``mean_{i, k} -log(1 - p_k(x_far_i))``, added to the classifier loss
    with the weight of :class:`gan_ova._farfield.FarFieldSampler`.

    Parameters
    ----------
    logits_far : Tensor of shape (M, K)

    Returns
    -------
    loss : scalar Tensor

    Examples
    --------
    >>> import torch
    >>> round(float(far_negative_loss(torch.zeros(3, 2))), 4)  # log 2
    0.6931
    """
    return F.softplus(logits_far).mean()
