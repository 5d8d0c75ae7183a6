"""CUDA checks: skipped without a GPU (CI has none); run by ``bash benchmarks/gpu_checks.sh``."""

import numpy as np
import pytest
import torch

from gan_ova import GANShieldedOvAClassifier
from gan_ova.persistence import load_model, save_model
from gan_ova.baselines import DeepEnsembleClassifier

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")

SMALL = dict(generator_hidden=(32,), critic_hidden=(32,), noise_dim=8, cae_max_epochs=2, max_epochs=2, batch_size=32,
             latent_dim=8, random_state=0)


@pytest.fixture(scope="module")
def split(digits200):
    X, y = digits200
    return X[:150], y[:150], X[150:], y[150:]


@pytest.fixture(scope="module")
def cuda_model(split):
    X, y, _, _ = split
    return GANShieldedOvAClassifier(**SMALL, device="cuda").fit(X, y)


def test_fit_and_predict_on_cuda(cuda_model, split):
    _, _, X_te, y_te = split
    net = cuda_model.shielding_net_
    for module in (net.module_, net.generator_, net.critic_):
        assert all(p.device.type == "cuda" for p in module.parameters())
    proba = cuda_model.predict_proba(X_te)
    assert proba.dtype == np.float64 and np.isfinite(proba).all()
    np.testing.assert_allclose(proba.sum(1), 1.0, atol=1e-9)
    u = cuda_model.predict_uncertainty(X_te)
    assert np.all((u.epistemic >= 0) & (u.epistemic <= 1)) and np.all(u.aleatoric >= 0)
    assert cuda_model.score(X_te, y_te) > 0.6
    # the same answer twice (prediction is seeded and in eval mode)
    np.testing.assert_array_equal(proba, cuda_model.predict_proba(X_te))


def test_cuda_model_saved_and_loaded_on_the_cpu(cuda_model, split, tmp_path):
    _, _, X_te, _ = split
    save_model(cuda_model, tmp_path / "m")
    cpu = load_model(tmp_path / "m", device="cpu")
    assert all(p.device.type == "cpu" for p in cpu.shielding_net_.module_.parameters())
    np.testing.assert_allclose(cpu.predict_proba(X_te), cuda_model.predict_proba(X_te), rtol=1e-4, atol=1e-5)
    back = load_model(tmp_path / "m")  # the saved device: CUDA is there
    np.testing.assert_allclose(back.predict_proba(X_te), cuda_model.predict_proba(X_te), rtol=1e-6, atol=1e-7)


def test_shields_and_diagnostics_on_cuda(cuda_model, split):
    X, y, _, _ = split
    shields, labels = cuda_model.sample_out_of_class(6, random_state=0)
    assert shields.shape[0] == 6 * 5 and np.isfinite(shields).all() and set(labels) <= set(cuda_model.classes_)
    d = cuda_model.shield_diagnostics(X, y, random_state=0)
    for name in ("distance_ratio", "own_head_p", "reconstruction_head_p"):
        assert d[name].shape == (5,) and np.isfinite(d[name]).all()


@pytest.mark.parametrize("kw", [{"mc_dropout": 0.5, "mc_samples": 4}, {"dropout": 0.5},
                                {"reconstruction_positives": True, "shield_residuals": True}])
def test_variants_on_cuda(kw, split):
    X, y, X_te, _ = split
    clf = GANShieldedOvAClassifier(**SMALL, **kw, device="cuda").fit(X, y)
    p = clf.predict_proba(X_te)
    assert np.isfinite(p).all()
    np.testing.assert_array_equal(p, clf.predict_proba(X_te))


def test_baseline_on_cuda(split):
    X, y, X_te, y_te = split
    ens = DeepEnsembleClassifier(n_members=2, max_epochs=2, batch_size=32, device="cuda", random_state=0).fit(X, y)
    assert np.isfinite(ens.predict_proba(X_te)).all() and ens.score(X_te, y_te) > 0.5
