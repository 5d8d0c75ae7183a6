"""Smoke tests for every network: output shape, no NaN, every parameter gets a gradient."""

import pytest
import torch

from gan_ova.nets import (
    MLP,
    ConvCAE,
    Critic,
    Generator,
    LeNet,
    LeNet5,
    ResidualCAE,
    ResNetLN,
    default_backbone,
    set_mc_dropout,
)


def _all_params_have_grad(module):
    for name, p in module.named_parameters():
        assert p.grad is not None, f"{name} received no gradient"
        assert torch.isfinite(p.grad).all(), f"{name} has a non-finite gradient"


@pytest.mark.parametrize(
    "cls, shape",
    [(LeNet, (1, 28, 28)), (LeNet, (1, 8, 8)), (LeNet, (3, 32, 32)), (LeNet5, (1, 28, 28)), (LeNet5, (1, 8, 8)),
     (LeNet5, (3, 32, 32)), (ResNetLN, (3, 32, 32)), (ResNetLN, (1, 28, 28)), (MLP, (5,)), (MLP, (1, 8, 8))],
)
def test_classifier_backbones(cls, shape):
    kw = {"width": 8} if cls is ResNetLN else {}
    net = cls(input_shape=shape, n_classes=4, dropout=0.5, **kw)
    x = torch.rand(3, *shape)
    out = net(x)
    assert out.shape == (3, 4) and torch.isfinite(out).all()
    out.sum().backward()
    _all_params_have_grad(net)


def test_lenet5_is_the_reference_architecture():
    """LeNet-5: conv 6 and 16 channels, FC 120 and 84; about a sixth of LeNet's weights on 28x28."""
    net = LeNet5(input_shape=(1, 28, 28), n_classes=5)
    convs = [m for m in net.modules() if isinstance(m, torch.nn.Conv2d)]
    fcs = [m for m in net.modules() if isinstance(m, torch.nn.Linear)]
    assert [c.out_channels for c in convs] == [6, 16]
    assert [f.out_features for f in fcs] == [120, 84, 5]
    n5 = sum(p.numel() for p in net.parameters())
    n = sum(p.numel() for p in LeNet(input_shape=(1, 28, 28), n_classes=5).parameters())
    assert n5 < n / 6
    # MC dropout: dropout layers before every FC layer when asked for
    drops = [m for m in LeNet5((1, 28, 28), 5, dropout=0.5).modules() if isinstance(m, torch.nn.Dropout)]
    assert len(drops) == 3


@pytest.mark.parametrize("cls, shape", [(ConvCAE, (1, 28, 28)), (ConvCAE, (1, 8, 8)), (ConvCAE, (3, 30, 30)), (ResidualCAE, (3, 32, 32))])
def test_autoencoders(cls, shape):
    kw = {"width": 8} if cls is ResidualCAE else {}
    cae = cls(shape, n_classes=3, latent_dim=6, **kw)
    x, y = torch.rand(4, *shape), torch.eye(3)[[0, 1, 2, 0]]
    z = cae.encode(x, y)
    assert z.shape == (4, 6)
    out = cae(x, y)
    assert out.shape == (4, *shape) and torch.isfinite(out).all()
    torch.nn.functional.binary_cross_entropy_with_logits(out, x).backward()
    _all_params_have_grad(cae)


def test_decoder_depends_on_label():
    cae = ConvCAE((1, 8, 8), n_classes=2, latent_dim=4).eval()
    z = torch.randn(1, 4)
    assert not torch.allclose(cae.decode(z, torch.tensor([[1.0, 0.0]])), cae.decode(z, torch.tensor([[0.0, 1.0]])))


def test_generator_and_critic():
    g = Generator(n_classes=3, latent_dim=5, noise_dim=7, hidden=(16, 8))
    c = Critic(n_classes=3, latent_dim=5, hidden=(16, 16))
    y = torch.eye(3)[[0, 1, 2, 1]]
    z = g(torch.rand(4, 7), y)
    assert z.shape == (4, 5)
    out = c(z, y)
    assert out.shape == (4, 1) and torch.isfinite(out).all()
    out.sum().backward()
    _all_params_have_grad(g)
    _all_params_have_grad(c)


def test_generator_init():
    g = Generator(n_classes=2, latent_dim=3)
    for m in g.modules():
        if isinstance(m, torch.nn.Linear):
            assert float(m.bias.abs().max()) == 0.0
            assert abs(float(m.weight.std()) - 0.02) < 0.005


def test_default_backbone_and_mc_dropout():
    assert default_backbone((1, 28, 28)) == "lenet"
    assert default_backbone((3, 64, 64)) == "resnet"
    assert default_backbone((10,)) == "mlp"
    net = MLP(input_shape=(4,), n_classes=2, dropout=0.5).eval()
    x = torch.rand(2, 4)
    assert torch.equal(net(x), net(x))
    assert set_mc_dropout(net, True) == 2
    outs = [net(x) for _ in range(5)]
    assert any(not torch.equal(outs[0], o) for o in outs[1:])
    set_mc_dropout(net, False)
    assert torch.equal(net(x), net(x))
