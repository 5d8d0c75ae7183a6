"""Shield diagnostics: pure measures on constructed cases, the estimator method, the history, the plot."""

import numpy as np
import pytest
from sklearn.datasets import make_blobs

from gan_ova import GANShieldedOvAClassifier
from gan_ova.diagnostics import distance_ratio, nearest_distances, radius_ratio

SMALL_IMG = dict(cae_max_epochs=2, max_epochs=2, batch_size=32, latent_dim=8, generator_hidden=(32,),
                 critic_hidden=(32,), noise_dim=8, random_state=0)


def test_nearest_distances_excludes_self_and_matches_brute_force():
    rng = np.random.RandomState(0)
    a, b = rng.normal(size=(50, 3)), rng.normal(size=(20, 3))
    full = np.linalg.norm(a[:, None] - b[None], axis=2)
    np.testing.assert_allclose(nearest_distances(a, b, batch_size=7), full.min(1))
    own = np.linalg.norm(a[:, None] - a[None], axis=2) + np.diag(np.full(50, np.inf))
    np.testing.assert_allclose(nearest_distances(a, batch_size=7), own.min(1))
    with pytest.raises(ValueError, match="a: expected at least 2 rows"):
        nearest_distances([[0.0, 1.0]])


def test_shield_on_the_boundary_has_ratio_one_and_far_shields_more():
    # real codes on a grid with spacing 1; shields exactly one spacing outside the grid
    g = np.stack(np.meshgrid(np.arange(6.0), np.arange(6.0)), -1).reshape(-1, 2)
    boundary = np.c_[np.arange(6.0), np.full(6, 6.0)]
    ratio, dist, spacing = distance_ratio(g, boundary)
    assert ratio == pytest.approx(1.0)
    np.testing.assert_allclose(spacing, 1.0)
    far = np.c_[np.arange(6.0), np.full(6, 15.0)]  # ten spacings out
    assert distance_ratio(g, far)[0] == pytest.approx(10.0)
    # radius ratio: shields on a circle twice the class radius
    t = np.linspace(0, 2 * np.pi, 32, endpoint=False)
    circle = np.c_[np.cos(t), np.sin(t)]
    assert radius_ratio(circle, 2 * circle) == pytest.approx(2.0)


@pytest.fixture(scope="module")
def fitted_digits(digits200):
    X, y = digits200
    return GANShieldedOvAClassifier(**SMALL_IMG).fit(X, y), X, y


def test_shield_diagnostics_on_images(fitted_digits):
    clf, X, y = fitted_digits
    d = clf.shield_diagnostics(X, y, n_per_class=32)
    K = len(clf.classes_)
    for key in ("distance_ratio", "radius_ratio", "own_head_p", "real_head_p", "reconstruction_head_p"):
        assert d[key].shape == (K,) and np.all(np.isfinite(d[key])), key
    for key in ("own_head_p", "real_head_p", "reconstruction_head_p"):
        assert np.all((d[key] >= 0) & (d[key] <= 1))
    assert d.shield_codes.shape == (32 * K, clf.latent_mean_.shape[0])
    assert d.real_codes.shape == (len(X), clf.latent_mean_.shape[0])
    assert len(d.shield_distances) == K and len(d.shield_distances[0]) == 32
    # deterministic for a seed, other shields for another seed; predictions untouched
    before = clf.predict_proba(X[:20])
    again = clf.shield_diagnostics(X, y, n_per_class=32)
    np.testing.assert_array_equal(d.distance_ratio, again.distance_ratio)
    other = clf.shield_diagnostics(X, y, n_per_class=32, random_state=1)
    assert not np.array_equal(d.shield_codes, other.shield_codes)
    np.testing.assert_array_equal(before, clf.predict_proba(X[:20]))


def test_shield_diagnostics_errors(fitted_digits):
    clf, X, y = fitted_digits
    with pytest.raises(ValueError, match=r"y: expected labels from classes_ .*got \[7\]"):
        clf.shield_diagnostics(X[:3], [0, 1, 7])
    with pytest.raises(ValueError, match="y: expected a 1-D array of 3 labels"):
        clf.shield_diagnostics(X[:3], [0, 1])
    with pytest.raises(ValueError, match="n_per_class"):
        clf.shield_diagnostics(X, y, n_per_class=0)


def test_history_records_shield_statistics_per_epoch(fitted_digits):
    clf, _, _ = fitted_digits
    h = clf.shielding_net_.history
    K = len(clf.classes_)
    for key in ("shield_ratio_per_class", "shield_p_per_class", "recon_p_per_class"):
        assert all(len(row) == K for row in h[:, key])
    assert len(h[:, "shield_ratio"]) == clf.max_epochs
    # the training data held for the diagnostics is released after fit
    assert dict(clf.shielding_net_.callbacks_)["shield_diagnostics"].data_ is None


def test_vector_models_reconstruction_is_the_input():
    X, y = make_blobs(n_samples=120, centers=[[-4, 0], [4, 0]], random_state=0)
    clf = GANShieldedOvAClassifier(max_epochs=2, batch_size=32, generator_hidden=(16,), critic_hidden=(16,),
                                   noise_dim=4, random_state=0).fit(X, y)
    d = clf.shield_diagnostics(X, y, n_per_class=16)
    np.testing.assert_allclose(d.reconstruction_head_p, d.real_head_p)


def test_reconstruction_positives_and_lambda_scaling(digits200):
    X, y = digits200
    on = GANShieldedOvAClassifier(reconstruction_positives=True, **SMALL_IMG).fit(X, y)
    off = GANShieldedOvAClassifier(scale_lambdas=False, **SMALL_IMG).fit(X, y)
    assert on.shielding_net_.reconstruction_positives and not off.shielding_net_.reconstruction_positives
    s = float(np.sqrt(np.mean(on.latent_scale_.astype(np.float64) ** 2)))
    assert on.shielding_net_.lambda_cl == pytest.approx(on.lambda_cl / s, rel=1e-5)
    assert on.shielding_net_.lambda_reg == pytest.approx(on.lambda_reg / s, rel=1e-5)
    assert off.shielding_net_.lambda_cl == off.lambda_cl
    raw = GANShieldedOvAClassifier(standardize_latent=False, **SMALL_IMG).fit(X, y)
    assert raw.shielding_net_.lambda_cl == raw.lambda_cl  # nothing to undo without standardization
    assert not np.allclose(on.predict_proba(X), off.predict_proba(X))
    with pytest.raises(ValueError, match="reconstruction_positives: expected True or False, got 'yes'"):
        GANShieldedOvAClassifier(reconstruction_positives="yes").fit(X, y)


def test_plot_shield_diagnostics(fitted_digits, tmp_path):
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    from gan_ova.plotting import plot_shield_diagnostics

    clf, X, y = fitted_digits
    fig = plot_shield_diagnostics(clf, X, y, n_per_class=32)
    assert len(fig.axes) == 2 * len(clf.classes_)
    assert fig.axes[len(clf.classes_)].get_title().startswith("ratio")
    fig.savefig(tmp_path / "shields.png")
    d = clf.shield_diagnostics(X, y, n_per_class=16)
    fig2 = plot_shield_diagnostics(clf, diagnostics=d, max_classes=2)
    assert len(fig2.axes) == 4
    with pytest.raises(ValueError, match="X, y: expected labelled data"):
        plot_shield_diagnostics(clf)
    import matplotlib.pyplot as plt

    plt.close(fig)
    plt.close(fig2)


def test_shield_residuals_make_latent_edits_of_real_images(digits200):
    import torch

    X, y = digits200
    clf = GANShieldedOvAClassifier(shield_residuals=True, **SMALL_IMG).fit(X, y)
    net = clf.shielding_net_
    assert net.shield_residuals
    x = torch.as_tensor(X[:16])
    y_idx = torch.as_tensor(np.searchsorted(clf.classes_, y[:16]))
    onehot = torch.nn.functional.one_hot(y_idx, len(clf.classes_)).float()
    # a shield at the real example's own code is the real image itself (the residual restores it)
    z = torch.as_tensor(clf.shield_diagnostics(X[:16], y[:16], n_per_class=2).real_codes, dtype=torch.float32)
    res = net._residuals(x, z, onehot)
    torch.testing.assert_close(net._shield_images(z, onehot, res), x, atol=1e-6, rtol=0)
    # elsewhere: the decoded shield plus the residual, clipped to the pixel range
    z2 = z + 0.5
    expect = (net.decoder_(z2, onehot) + x - net.decoder_(z, onehot)).clamp(0, 1)
    torch.testing.assert_close(net._shield_images(z2, onehot, res), expect)
    assert float(net._shield_images(z2, onehot, res).min()) >= 0.0
    assert float(net._shield_images(z2, onehot, res).max()) <= 1.0
    # other shields, other model than without residuals; diagnostics use paired shields
    off = GANShieldedOvAClassifier(**SMALL_IMG).fit(X, y)
    assert not np.allclose(clf.predict_proba(X), off.predict_proba(X))
    d = clf.shield_diagnostics(X, y, n_per_class=32)
    assert np.all(np.isfinite(d.own_head_p))
    # with reconstruction positives too, the reconstructions come from the residuals (x - residual = D(z))
    torch.testing.assert_close(x - res, net.decoder_(z, onehot), atol=1e-6, rtol=0)
    both = GANShieldedOvAClassifier(shield_residuals=True, reconstruction_positives=True, **SMALL_IMG).fit(X, y)
    assert np.all(np.isfinite(both.predict_proba(X)))
    with pytest.raises(ValueError, match="shield_residuals: expected True or False, got 1.5"):
        GANShieldedOvAClassifier(shield_residuals=1.5).fit(X, y)


def test_shield_residuals_do_nothing_for_feature_vectors():
    X, y = make_blobs(n_samples=120, centers=[[-4, 0], [4, 0]], random_state=0)
    kw = dict(max_epochs=2, batch_size=32, generator_hidden=(16,), critic_hidden=(16,), noise_dim=4, random_state=0)
    on = GANShieldedOvAClassifier(shield_residuals=True, **kw).fit(X, y)
    off = GANShieldedOvAClassifier(**kw).fit(X, y)
    np.testing.assert_array_equal(on.predict_proba(X), off.predict_proba(X))
