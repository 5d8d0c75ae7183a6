"""The fast 2x2 max-pooling gives exactly what nn.MaxPool2d(2) gives: outputs, gradients, ties."""

import pickle

import pytest
import torch
import torch.nn.functional as F

from gan_ova.nets import LeNet, LeNet5, MaxPool2x2, max_pool2x2
from gan_ova.nets._pool import _fast_path_ok


def _pair(x, g):
    xa = x.detach().clone().requires_grad_(True)
    xb = x.detach().clone().requires_grad_(True)
    a, b = max_pool2x2(xa), F.max_pool2d(xb, 2)
    a.backward(g)
    b.backward(g)
    return a, b, xa.grad, xb.grad


@pytest.mark.parametrize("shape", [(4, 3, 24, 24), (2, 5, 8, 8), (3, 2, 7, 9), (1, 1, 2, 2), (2, 1, 3, 2)])
@pytest.mark.parametrize("kind", ["normal", "relu", "ties", "constant"])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_outputs_and_gradients_equal_max_pool2d(shape, kind, dtype):
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(*shape, generator=gen, dtype=dtype)
    if kind == "relu":  # many zero ties, as after the ReLU of a LeNet block
        x = x.clamp_min(0)
    elif kind == "ties":  # positive ties too
        x = torch.round(x * 2) / 2
    elif kind == "constant":  # every window a four-way tie
        x = torch.ones_like(x)
    assert _fast_path_ok(x)
    g = torch.randn(shape[0], shape[1], shape[2] // 2, shape[3] // 2, generator=gen, dtype=dtype)
    a, b, ga, gb = _pair(x, g)
    assert torch.equal(a, b)
    assert torch.equal(ga, gb)


def test_first_maximum_in_row_major_order_takes_the_gradient():
    # all four equal: max_pool2d's index is the top-left corner
    x = torch.tensor([[[[1.0, 1.0], [1.0, 1.0]]]], requires_grad=True)
    max_pool2x2(x).sum().backward()
    assert x.grad.tolist() == [[[[1.0, 0.0], [0.0, 0.0]]]]
    # bottom row ties: the bottom-left corner
    x = torch.tensor([[[[0.0, 1.0], [2.0, 2.0]]]], requires_grad=True)
    max_pool2x2(x).sum().backward()
    assert x.grad.tolist() == [[[[0.0, 0.0], [1.0, 0.0]]]]


def test_odd_sizes_drop_the_last_row_and_column():
    x = torch.arange(15.0).reshape(1, 1, 3, 5).requires_grad_(True)
    out = max_pool2x2(x)
    assert out.tolist() == [[[[6.0, 8.0]]]]
    out.sum().backward()
    assert x.grad[0, 0, 2].abs().sum() == 0 and x.grad[0, 0, :, 4].abs().sum() == 0


def test_nan_propagates_in_the_forward_pass():
    x = torch.tensor([[[[0.0, float("nan")], [1.0, 2.0]]]])
    assert torch.isnan(max_pool2x2(x)).all()


def test_double_backward_matches_max_pool2d():
    gen = torch.Generator().manual_seed(1)
    x0 = torch.randn(2, 3, 6, 6, generator=gen, dtype=torch.float64)
    grads = []
    for fn in (max_pool2x2, lambda t: F.max_pool2d(t, 2)):
        x = x0.clone().requires_grad_(True)
        (g,) = torch.autograd.grad((fn(x) ** 3).sum(), x, create_graph=True)
        (h,) = torch.autograd.grad((g**2).sum(), x)
        grads.append(h)
    assert torch.equal(*grads)


def test_gradcheck():
    x = torch.randn(1, 2, 4, 6, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(max_pool2x2, (x,))


def test_other_layouts_fall_back_to_max_pool2d():
    x = torch.rand(2, 3, 8, 8).to(memory_format=torch.channels_last)
    assert not _fast_path_ok(x)
    assert torch.equal(max_pool2x2(x), F.max_pool2d(x, 2))
    x3 = torch.rand(3, 8, 8)  # unbatched: max_pool2d handles it
    assert not _fast_path_ok(x3)
    assert torch.equal(max_pool2x2(x3), F.max_pool2d(x3, 2))
    xi = torch.randint(0, 9, (1, 2, 4, 4), dtype=torch.int64)  # integers: not a float type
    assert not _fast_path_ok(xi)


def test_module_is_a_max_pool2d_and_pickles():
    pool = MaxPool2x2()
    assert isinstance(pool, torch.nn.MaxPool2d) and pool.kernel_size == 2 and pool.stride == 2
    blob = pickle.dumps(pool)
    assert b"_pool" not in blob  # pickles name the public path, gan_ova.nets.MaxPool2x2
    again = pickle.loads(blob)
    x = torch.rand(2, 3, 6, 6)
    assert torch.equal(again(x), F.max_pool2d(x, 2))


@pytest.mark.parametrize("net_cls", [LeNet, LeNet5])
@pytest.mark.parametrize("shape", [(1, 28, 28), (1, 8, 8)])
def test_lenets_train_exactly_as_with_max_pool2d(net_cls, shape):
    torch.manual_seed(0)
    net = net_cls(input_shape=shape, n_classes=4)
    ref = net_cls(input_shape=shape, n_classes=4)
    ref.load_state_dict(net.state_dict())
    for i, m in enumerate(ref.features):
        if isinstance(m, MaxPool2x2):
            ref.features[i] = torch.nn.MaxPool2d(2)
    assert sum(isinstance(m, MaxPool2x2) for m in net.features) == 2
    x = torch.rand(16, *shape)
    for model in (net, ref):
        model(x).square().sum().backward()
    assert torch.equal(net(x), ref(x))
    for p, q in zip(net.parameters(), ref.parameters()):
        assert torch.equal(p.grad, q.grad)


def test_compiled_lenet_uses_max_pool2d_and_matches_eager():
    torch.manual_seed(0)
    net = LeNet(input_shape=(1, 28, 28), n_classes=3).eval()
    x = torch.rand(4, 1, 28, 28)
    compiled = torch.compile(net, backend="eager")  # dynamo tracing, no code generation: fast
    torch.testing.assert_close(compiled(x), net(x), rtol=0, atol=0)
