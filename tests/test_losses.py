import math

import numpy as np
import pytest
import torch

from gan_ova.losses import (
    angular_regularizer,
    class_weight_matrix,
    critic_loss,
    generator_loss,
    gradient_penalty,
    ova_classifier_loss,
)


def _sp(x):
    return math.log1p(math.exp(x))


def test_ova_loss_hand_computed():
    logits = torch.tensor([[2.0, -1.0, 0.5], [0.0, 1.0, -2.0]])
    y = torch.tensor([0, 1])
    fake = torch.tensor([[0.3, 0.0, 0.0], [0.0, -0.7, 0.0]])
    w = class_weight_matrix([10, 20, 40])
    lam = 0.6
    pos = (_sp(-2.0) + _sp(-1.0)) / 2
    # row 0 (y=0): heads 1, 2 with w[0,1]=2, w[0,2]=4; row 1 (y=1): heads 0, 2 with w[1,0]=0.5, w[1,2]=2
    neg = (2 * _sp(-1.0) + 4 * _sp(0.5) + 0.5 * _sp(0.0) + 2 * _sp(-2.0)) / 4
    gen = (_sp(0.3) + _sp(-0.7)) / 2
    expected = pos + lam * neg + (1 - lam) * gen
    got = float(ova_classifier_loss(logits, y, fake, w, lam))
    assert got == pytest.approx(expected, rel=1e-6)
    # without generated examples the last term disappears
    assert float(ova_classifier_loss(logits, y, None, w, lam)) == pytest.approx(pos + lam * neg, rel=1e-6)


def test_generated_example_is_negative_for_own_head_only():
    logits = torch.zeros(2, 3)
    y = torch.tensor([0, 2])
    fake = torch.zeros(2, 3, requires_grad=True)
    ova_classifier_loss(logits, y, fake, None, 0.6).backward()
    g = fake.grad
    assert g[0, 0] > 0 and g[1, 2] > 0
    assert g[0, 1] == 0 and g[0, 2] == 0 and g[1, 0] == 0 and g[1, 1] == 0


def test_class_weights():
    w = class_weight_matrix([1, 3])
    np.testing.assert_allclose(w.numpy(), [[1, 3], [1 / 3, 1]])


def test_gradient_penalty_zero_for_unit_gradient():
    critic = lambda z, y: (z * torch.tensor([0.6, 0.8])).sum(1, keepdim=True)  # |grad| = 1
    z = torch.randn(8, 2)
    assert float(gradient_penalty(critic, z, z + 1, torch.ones(8, 1))) == pytest.approx(0.0, abs=1e-10)


def test_gradient_penalty_constructed_norm():
    critic = lambda z, y: 3.0 * z.sum(1, keepdim=True)  # |grad| = 3 * sqrt(4) = 6
    z = torch.randn(5, 4)
    assert float(gradient_penalty(critic, z, -z, torch.ones(5, 1))) == pytest.approx(25.0, rel=1e-6)


def test_gradient_penalty_reaches_critic_parameters():
    lin = torch.nn.Linear(3, 1)
    critic = lambda z, y: lin(z) ** 2
    gp = gradient_penalty(critic, torch.randn(6, 3), torch.randn(6, 3), torch.ones(6, 1))
    gp.backward()
    assert lin.weight.grad is not None and torch.isfinite(lin.weight.grad).all()


def test_critic_loss_value():
    critic = lambda z, y: z[:, :1]
    loss, w = critic_loss(critic, torch.full((4, 1), 2.0), torch.zeros(4, 1), torch.ones(4, 1), lambda_gp=10)
    # mean C(fake) - mean C(real) = -2; gradient norm 1 -> no penalty
    assert float(loss) == pytest.approx(-2.0)
    assert w == pytest.approx(2.0)


def _ring(n, r=1.0):
    a = torch.linspace(0, 2 * math.pi, n + 1)[:-1]
    return torch.stack([torch.cos(a), torch.sin(a)], 1) * r


def test_angular_regularizer_spread_lower_than_clumped():
    anchor = torch.zeros(1, 2)
    y1 = torch.zeros(1, dtype=torch.long)
    spread = _ring(8)
    clumped = torch.tensor([[1.0, 0.0]]) + 0.05 * torch.randn(8, 2)
    y8 = torch.zeros(8, dtype=torch.long)
    assert float(angular_regularizer(spread, y8, anchor, y1)) < float(angular_regularizer(clumped, y8, anchor, y1))


def test_angular_regularizer_hand_computed():
    # two generated points at right angles around one anchor: -log(1/2 + 1e-6)
    g = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    r = angular_regularizer(g, torch.zeros(2, dtype=torch.long), torch.zeros(1, 2), torch.zeros(1, dtype=torch.long))
    assert float(r) == pytest.approx(-math.log(0.5 + 1e-6), rel=1e-5)


def test_angular_regularizer_averages_classes_and_skips_singletons():
    g = torch.tensor([[1.0, 0.0], [0.0, 1.0], [5.0, 5.0]])
    yg = torch.tensor([0, 0, 1])  # class 1 has one generated code: skipped
    real = torch.zeros(2, 2)
    yr = torch.tensor([0, 1])
    assert float(angular_regularizer(g, yg, real, yr)) == pytest.approx(-math.log(0.5 + 1e-6), rel=1e-5)
    # nothing qualifies: zero (and differentiable)
    z = torch.randn(1, 2, requires_grad=True)
    r = angular_regularizer(z, torch.zeros(1, dtype=torch.long), real, yr)
    assert float(r) == 0.0
    r.backward()


def test_angular_regularizer_gradient_is_finite_for_identical_codes():
    g = torch.ones(4, 3, requires_grad=True)
    r = angular_regularizer(g, torch.zeros(4, dtype=torch.long), torch.zeros(2, 3), torch.zeros(2, dtype=torch.long))
    r.backward()
    assert torch.isfinite(r) and torch.isfinite(g.grad).all()


def test_generator_loss_terms():
    c = torch.tensor([[1.0], [3.0]])
    logit = torch.tensor([0.0, 0.0])
    reg = torch.tensor(0.5)
    got = float(generator_loss(c, logit, lambda_cl=2.0, reg=reg, lambda_reg=4.0))
    assert got == pytest.approx(-2.0 + 2.0 * math.log(2) + 2.0, rel=1e-6)
