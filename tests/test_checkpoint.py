"""Checkpoints: a crashed fit resumes and ends with the same model as an uninterrupted one."""

import os

import numpy as np
import pytest

from gan_ova import GANShieldedOvAClassifier
from gan_ova.datasets import make_two_gaussians
from gan_ova.training import AutoencoderNet, ShieldingNet

CFG = dict(generator_hidden=(32,), critic_hidden=(32,), noise_dim=8, latent_dim=8, cae_max_epochs=2, max_epochs=4, batch_size=32, random_state=0)


@pytest.fixture(scope="module")
def data(digits200):
    return digits200


@pytest.fixture(scope="module")
def reference(data):
    X, y = data
    return GANShieldedOvAClassifier(**CFG).fit(X, y)


def _crash_after(monkeypatch, cls, n_calls):
    original = cls.train_step
    calls = {"n": 0}

    def step(self, batch, **kw):
        calls["n"] += 1
        if calls["n"] > n_calls:
            raise RuntimeError("simulated crash")
        return original(self, batch, **kw)

    monkeypatch.setattr(cls, "train_step", step)


@pytest.mark.parametrize("crash_batches", [0, 7, 12])  # before stage 2, during epoch 2, during epoch 3
def test_resume_after_crash_matches_uninterrupted(data, reference, tmp_path, monkeypatch, crash_batches):
    X, y = data
    ckpt = tmp_path / "ckpt"
    with monkeypatch.context() as m:
        _crash_after(m, ShieldingNet, crash_batches)  # 5 batches per epoch
        with pytest.raises(RuntimeError, match="simulated crash"):
            GANShieldedOvAClassifier(checkpoint_dir=str(ckpt), **CFG).fit(X, y)
    assert (ckpt / "stage1.pt").exists()
    assert (ckpt / "stage2.pt").exists() == (crash_batches >= 5)
    resumed = GANShieldedOvAClassifier(checkpoint_dir=str(ckpt), **CFG).fit(X, y)
    np.testing.assert_array_equal(resumed.predict_proba(X), reference.predict_proba(X))
    h_ref, h_res = reference.shielding_net_.history, resumed.shielding_net_.history
    assert len(h_res) == len(h_ref) == 4
    np.testing.assert_allclose(h_res[:, "classifier_loss"], h_ref[:, "classifier_loss"])
    assert resumed.best_epoch_ == reference.best_epoch_


def test_resume_after_crash_in_stage_1_restarts_stage_1(data, reference, tmp_path, monkeypatch):
    X, y = data
    with monkeypatch.context() as m:
        _crash_after(m, AutoencoderNet, 3)
        with pytest.raises(RuntimeError):
            GANShieldedOvAClassifier(checkpoint_dir=str(tmp_path), **CFG).fit(X, y)
    assert not os.listdir(tmp_path)
    resumed = GANShieldedOvAClassifier(checkpoint_dir=str(tmp_path), **CFG).fit(X, y)
    np.testing.assert_array_equal(resumed.predict_proba(X), reference.predict_proba(X))


def test_finished_checkpoint_restores_without_training(data, reference, tmp_path, monkeypatch):
    X, y = data
    GANShieldedOvAClassifier(checkpoint_dir=str(tmp_path), **CFG).fit(X, y)
    _crash_after(monkeypatch, ShieldingNet, 0)  # any training step would fail
    _crash_after(monkeypatch, AutoencoderNet, 0)
    again = GANShieldedOvAClassifier(checkpoint_dir=str(tmp_path), **CFG).fit(X, y)
    np.testing.assert_array_equal(again.predict_proba(X), reference.predict_proba(X))


def test_checkpoint_of_another_fit_is_refused_and_kept(data, tmp_path):
    X, y = data
    GANShieldedOvAClassifier(checkpoint_dir=str(tmp_path), **CFG).fit(X, y)
    before = {f: os.path.getmtime(tmp_path / f) for f in os.listdir(tmp_path)}
    with pytest.raises(ValueError, match="checkpoint_dir.*different fit"):
        GANShieldedOvAClassifier(checkpoint_dir=str(tmp_path), **dict(CFG, lambda_cl=3.0)).fit(X, y)
    with pytest.raises(ValueError, match="checkpoint_dir.*different fit"):
        GANShieldedOvAClassifier(checkpoint_dir=str(tmp_path), **CFG).fit(X[:150], y[:150])
    assert before == {f: os.path.getmtime(tmp_path / f) for f in os.listdir(tmp_path)}


def test_vector_data_checkpoint(tmp_path, monkeypatch):
    X, y = make_two_gaussians(n_samples=160, random_state=0)
    cfg = dict(generator_hidden=(16,), critic_hidden=(16,), noise_dim=4, max_epochs=3, batch_size=32, random_state=0)
    ref = GANShieldedOvAClassifier(**cfg).fit(X, y)
    with monkeypatch.context() as m:
        _crash_after(m, ShieldingNet, 5)
        with pytest.raises(RuntimeError):
            GANShieldedOvAClassifier(checkpoint_dir=str(tmp_path), **cfg).fit(X, y)
    resumed = GANShieldedOvAClassifier(checkpoint_dir=str(tmp_path), **cfg).fit(X, y)
    np.testing.assert_array_equal(resumed.predict_proba(X), ref.predict_proba(X))


def test_bad_checkpoint_dir(data, tmp_path):
    X, y = data
    f = tmp_path / "a_file"
    f.write_text("x")
    with pytest.raises(ValueError, match="checkpoint_dir"):
        GANShieldedOvAClassifier(checkpoint_dir=str(f), **CFG).fit(X, y)
