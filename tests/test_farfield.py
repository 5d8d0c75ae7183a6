"""Far from the data: the epistemic score rises in every direction (issue: far field).

The fits below use several seeds, many directions and several radii, so that no
single lucky point or seed can make them pass.
"""

import numpy as np
import pytest
import torch
from sklearn.datasets import load_breast_cancer, load_wine, make_blobs, make_moons
from sklearn.preprocessing import StandardScaler

from gan_ova import GANShieldedOvAClassifier
from gan_ova._farfield import SQUASH_SCALE, FarFieldSampler, squash, unsquash
from gan_ova.losses import far_negative_loss
from gan_ova.nets.classifiers import MLP

# ----------------------------------------------------------------------
# the pieces
# ----------------------------------------------------------------------


def test_squash_is_bounded_monotone_and_invertible():
    x = np.linspace(-1e4, 1e4, 2001)
    u = squash(x)
    assert np.all(np.abs(u) <= SQUASH_SCALE) and np.all(np.diff(u) >= 0)
    inner = np.linspace(-2, 2, 41)
    np.testing.assert_allclose(unsquash(squash(inner)), inner, atol=1e-6)
    assert np.max(np.abs(squash(inner) - inner)) < 0.04 * 2  # nearly linear over the data
    t = torch.tensor([0.0, 1e9])
    assert torch.allclose(squash(t), torch.tensor([0.0, SQUASH_SCALE]))


def test_sampler_covers_every_direction_beyond_the_data():
    X = np.random.RandomState(0).normal(size=(500, 10)).astype(np.float32)
    s = FarFieldSampler.from_data(X, "squash")
    assert s.data_radius == pytest.approx(np.percentile(np.linalg.norm(X, axis=1), 99), rel=1e-5)
    pts = s.sample(4000, generator=torch.Generator().manual_seed(0)).numpy()
    assert pts.shape == (4000, 10) and np.all(np.abs(pts) <= SQUASH_SCALE)
    raw = unsquash(pts)
    norms = np.linalg.norm(raw, axis=1)
    assert norms.min() >= 1.5 * s.data_radius * (1 - 1e-3)  # never on the data
    assert np.mean(np.abs(pts).max(axis=1) > 0.999 * SQUASH_SCALE) > 0.3  # far beyond: squash saturated
    active = (np.abs(raw) > 1e-9).sum(axis=1)
    assert np.mean(active == 10) > 0.45  # dense directions ...
    assert np.mean(active == 1) > 0.01  # ... and single axes
    signs = np.sign(raw[active == 10])  # dense directions fall in all orthants: both signs everywhere
    assert np.all(np.abs(signs.mean(axis=0)) < 0.2)


def test_sampler_clip_domain_for_images_and_errors():
    X = np.random.RandomState(0).rand(50, 1, 4, 4).astype(np.float32)
    s = FarFieldSampler.from_data(X, "clip")
    pts = s.sample(100).numpy()
    assert pts.shape == (100, 1, 4, 4) and pts.min() >= 0 and pts.max() <= 1
    assert s.per_real == 1
    with pytest.raises(ValueError, match="domain: expected 'squash' or 'clip', got 'box'"):
        FarFieldSampler([0.0], 1.0, domain="box")


def test_far_negative_loss_pushes_every_head_down():
    logits = torch.zeros(4, 3, requires_grad=True)
    loss = far_negative_loss(logits)
    assert float(loss) == pytest.approx(np.log(2), rel=1e-6)
    loss.backward()
    assert torch.all(logits.grad > 0)  # descending lowers every head's logit


def test_mlp_radial_feature():
    m = MLP(input_shape=(3,), n_classes=2, radial=True)
    assert m.net[1].in_features == 4
    x = torch.randn(5, 3)
    assert m(x).shape == (5, 2)


def test_far_field_parameter():
    X, y = make_blobs(n_samples=60, centers=[[-4, 0], [4, 0]], random_state=0)
    small = dict(max_epochs=1, batch_size=16, generator_hidden=(16,), critic_hidden=(16,), noise_dim=4, random_state=0)
    with pytest.raises(ValueError, match="far_field: expected one of \\['auto', 'on', 'off'\\], got 'yes'"):
        GANShieldedOvAClassifier(far_field="yes", **small).fit(X, y)
    on = GANShieldedOvAClassifier(**small).fit(X, y)
    assert on.input_squash_.shape == (2,) and np.all(on.input_squash_ >= SQUASH_SCALE)
    assert on.shielding_net_.far_sampler is not None and on.shielding_net_.module_.radial
    assert "far_loss" in on.shielding_net_.history[-1]
    off = GANShieldedOvAClassifier(far_field="off", **small).fit(X, y)  # the paper's behaviour
    assert off.input_squash_ is None and off.shielding_net_.far_sampler is None
    assert not off.shielding_net_.module_.radial
    # shields of a squashed model come back in the data's units
    Xg, _ = on.sample_out_of_class(5, random_state=0)
    assert np.all(np.isfinite(Xg)) and Xg.shape == (10, 2)


def test_far_field_auto_is_off_for_images_and_on_works(digits200):
    X, y = digits200
    small = dict(cae_max_epochs=1, max_epochs=1, batch_size=32, latent_dim=4, generator_hidden=(16,),
                 critic_hidden=(16,), noise_dim=4, random_state=0)
    auto = GANShieldedOvAClassifier(**small).fit(X, y)
    assert auto.shielding_net_.far_sampler is None and auto.input_squash_ is None
    on = GANShieldedOvAClassifier(far_field="on", **small).fit(X, y)
    assert on.shielding_net_.far_sampler.domain == "clip" and on.input_squash_ is None
    assert np.all(np.isfinite(on.predict_uncertainty(X[:10]).epistemic))


# ----------------------------------------------------------------------
# the far field on real fits: several seeds, directions, radii
# ----------------------------------------------------------------------
DOCTEST = dict(max_epochs=30, batch_size=32, lambda_reg=8.0, generator_lr=1e-3, critic_lr=1e-3,
               generator_hidden=(128,), critic_hidden=(128,))


def _frac_above(clf, X, far):
    threshold = np.percentile(clf.predict_uncertainty(X).epistemic, 95)
    return float(np.mean(clf.predict_uncertainty(far).epistemic > threshold))


def _toy(name):
    if name == "blobs":
        return make_blobs(n_samples=200, centers=[[-4, 0], [4, 0]], random_state=0)
    X, y = make_moons(n_samples=200, noise=0.1, random_state=0)
    return X * 4.0, y


@pytest.mark.slow
@pytest.mark.parametrize("settings", ["doctest", "defaults"])
@pytest.mark.parametrize("toy", ["blobs", "moons"])
@pytest.mark.parametrize("seed", range(5))
@pytest.mark.filterwarnings("ignore:batch_size")  # the defaults' batch of 256 exceeds 160 training points
def test_toy_far_circle_is_flagged(toy, seed, settings):
    """16 points at radius 30 all around: >= 95% above the training points' 95th percentile."""
    X, y = _toy(toy)
    clf = GANShieldedOvAClassifier(random_state=seed, **(DOCTEST if settings == "doctest" else {})).fit(X, y)
    t = np.linspace(0, 2 * np.pi, 16, endpoint=False)
    assert _frac_above(clf, X, 30.0 * np.c_[np.cos(t), np.sin(t)]) >= 0.95


@pytest.mark.slow
@pytest.mark.parametrize("name", ["breast_cancer", "wine"])
@pytest.mark.parametrize("seed", range(3))
def test_tabular_far_rays_are_flagged(name, seed):
    """200 random directions and every axis, at r = 5, 10, 100 (x sqrt(d)): >= 95% flagged."""
    X, y = (load_breast_cancer if name == "breast_cancer" else load_wine)(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    clf = GANShieldedOvAClassifier(batch_size=64, max_epochs=30, random_state=seed).fit(X, y)
    assert clf.score(X, y) >= {"breast_cancer": 0.974, "wine": 0.979}[name]  # within 1 point of the paper setting
    d = X.shape[1]
    rng = np.random.RandomState(1000 + seed)
    v = rng.normal(size=(200, d))
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    axes = np.vstack([np.eye(d), -np.eye(d)])
    for r in (5, 10, 100):
        assert _frac_above(clf, X, v * r * np.sqrt(d)) >= 0.95, f"random directions, r={r}"
        assert _frac_above(clf, X, axes * r * np.sqrt(d)) >= 0.95, f"axes, r={r}"
