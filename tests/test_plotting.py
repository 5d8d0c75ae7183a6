"""gan_ova.plotting: every figure draws on tiny fitted models, returns the right object and saves."""

import sys

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from sklearn.metrics import roc_auc_score  # noqa: E402

from gan_ova import GANShieldedOvAClassifier  # noqa: E402
from gan_ova import plotting  # noqa: E402
from gan_ova.datasets import load_digits_images, make_noise_images, make_two_gaussians  # noqa: E402
from gan_ova.metrics import expected_calibration_error  # noqa: E402
from gan_ova.plotting import (  # noqa: E402
    plot_fp_roc,
    plot_ood_roc,
    plot_reliability_diagram,
    plot_roc_curves,
    plot_score_histograms,
    plot_shield_grid,
    plot_training_curves,
    plot_uncertainty_map,
)

SMALL = dict(generator_hidden=(32,), critic_hidden=(32,), noise_dim=8, random_state=0)
IMG_SMALL = dict(SMALL, cae_max_epochs=2, max_epochs=2, batch_size=32, latent_dim=8)


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(autouse=True)
def _close_figures(monkeypatch):
    def _no_show(*args, **kwargs):
        raise AssertionError("plotting functions must not call plt.show()")

    monkeypatch.setattr(plt, "show", _no_show)
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def toy():
    X, y = make_two_gaussians(n_samples=160, distance=6.0, random_state=0)
    clf = GANShieldedOvAClassifier(max_epochs=6, batch_size=32, lambda_reg=8.0, generator_lr=1e-3,
                                   critic_lr=1e-3, generator_hidden=(32,), critic_hidden=(32,), noise_dim=8,
                                   random_state=0).fit(X, y)
    return clf, X, y


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits_images()
    X_in, y_in = X[y < 5], y[y < 5]
    clf = GANShieldedOvAClassifier(**IMG_SMALL).fit(X_in[:200], y_in[:200])
    ood = {"digits 5-9": X[y >= 5][:150], "noise": make_noise_images(100, shape=(1, 8, 8), random_state=0)}
    return clf, X_in[200:500], y_in[200:500], ood


def _saved(fig, tmp_path, name="figure.png"):
    path = tmp_path / name
    fig.savefig(path, dpi=50)
    return path.stat().st_size > 0


def _images(fig):
    return [im for ax in fig.axes for im in ax.images]


def _roc_lines(ax):
    return [line for line in ax.get_lines() if line.get_gid() != "chance"]


# ----------------------------------------------------------------------
# optional dependency
# ----------------------------------------------------------------------
def test_missing_matplotlib_gives_install_hint(monkeypatch):
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(ImportError, match=r"plotting needs matplotlib: pip install 'gan-ova\[plot\]'"):
        plot_roc_curves({"a": ([0.1], [0.9])})
    with pytest.raises(ImportError, match="gan-ova"):
        plot_reliability_diagram([0, 1], [[0.9, 0.1], [0.2, 0.8]])


def test_public_names_have_docstrings_with_examples():
    for name in plotting.__all__:
        obj = getattr(plotting, name)
        doc = obj.__doc__
        if isinstance(obj, type):  # a Display: documented class, and every public method with its sections
            for section in ("Parameters", "Attributes", "Examples"):
                assert section in doc, (name, section)
            methods = [m for m in vars(obj) if not m.startswith("_")]
            assert "plot" in methods and any(m.startswith("from_") for m in methods), (name, methods)
            for method in methods:
                for section in ("Parameters", "Returns"):
                    assert section in getattr(obj, method).__doc__, (name, method, section)
        else:
            for section in ("Parameters", "Returns", "Examples"):
                assert section in doc, (name, section)


# ----------------------------------------------------------------------
# uncertainty maps
# ----------------------------------------------------------------------
def test_uncertainty_map_single_kind(toy, tmp_path):
    clf, X, y = toy
    ax = plot_uncertainty_map(clf, X, y, kind="epistemic", resolution=30, n_shields=10)
    assert isinstance(ax, Axes)
    (im,) = ax.images
    assert im.get_array().shape == (30, 30)
    assert im.get_clim() == (0.0, 1.0)
    x0, x1, y0, y1 = im.get_extent()
    assert x0 < X[:, 0].min() and x1 > X[:, 0].max() and y0 < X[:, 1].min() and y1 > X[:, 1].max()
    # the heat map is the model's epistemic uncertainty on the grid
    gx, gy = np.linspace(x0, x1, 30), np.linspace(y0, y1, 30)
    corner = clf.predict_uncertainty(np.array([[gx[0], gy[-1]]], dtype=np.float32)).epistemic[0]
    assert im.get_array()[-1, 0] == pytest.approx(corner, abs=1e-6)
    assert len(ax.figure.axes) == 2  # the Axes and its colour bar
    # two classes of training points + two classes of shields
    assert len(ax.collections) == 4
    n_points = sum(len(c.get_offsets()) for c in ax.collections[:2])
    n_shields = sum(len(c.get_offsets()) for c in ax.collections[2:])
    assert n_points == len(X) and n_shields == 2 * 10
    assert _saved(ax.figure, tmp_path)


def test_uncertainty_map_both_and_options(toy, tmp_path):
    clf, X, y = toy
    fig = plot_uncertainty_map(clf, X, y, kind="both", resolution=20, show_shields=False)
    assert isinstance(fig, Figure)
    assert len(_images(fig)) == 2
    panels = [ax for ax in fig.axes if ax.images]
    assert [len(ax.collections) for ax in panels] == [2, 2]  # no shields
    assert "epistemic" in panels[0].get_title() and "aleatoric" in panels[1].get_title()
    assert _saved(fig, tmp_path)
    # drawing into given Axes
    fig2, axes = plt.subplots(1, 2)
    assert plot_uncertainty_map(clf, X, y, kind="both", resolution=10, ax=axes) is fig2
    _, ax = plt.subplots()
    assert plot_uncertainty_map(clf, X, y, kind="aleatoric", resolution=10, n_shields=3, ax=ax) is ax


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"kind": "total"}, r"kind: expected one of \['epistemic', 'aleatoric', 'both'\], got 'total'"),
        ({"resolution": 1}, "resolution: expected a value >= 2, got 1"),
        ({"resolution": 2.5}, "resolution: expected an int, got 2.5"),
        ({"padding": -0.1}, "padding: expected a value >= 0, got -0.1"),
        ({"n_shields": 0}, "n_shields: expected a value >= 1, got 0"),
        ({"show_shields": "yes"}, "show_shields: expected True or False, got 'yes'"),
    ],
)
def test_uncertainty_map_bad_params(toy, kwargs, match):
    clf, X, y = toy
    with pytest.raises(ValueError, match=match):
        plot_uncertainty_map(clf, X, y, **kwargs)


def test_uncertainty_map_bad_data(toy, digits):
    clf, X, y = toy
    with pytest.raises(ValueError, match="X: expected 2-D feature data"):
        plot_uncertainty_map(clf, np.c_[X, X[:, :1]], y)
    with pytest.raises(ValueError, match="X: expected 2-D feature data"):
        plot_uncertainty_map(clf, X[:, 0], y)
    with pytest.raises(ValueError, match=r"y: expected a 1-D array of 160 labels \(one per row of X\), got shape \(159,\)"):
        plot_uncertainty_map(clf, X, y[:-1])
    with pytest.raises(ValueError, match=rf"y: expected labels from estimator.classes_ \[0, 1\], got {(y + 5)[0]}\."):
        plot_uncertainty_map(clf, X, y + 5)
    X_nan = X.copy()
    X_nan[0, 0] = np.nan
    with pytest.raises(ValueError, match=r"X: expected finite values, got 1 NaN or infinite value\(s\)"):
        plot_uncertainty_map(clf, X_nan, y)
    with pytest.raises(ValueError, match="ax: expected a sequence of two Axes for kind='both', got 1"):
        _, ax = plt.subplots()
        plot_uncertainty_map(clf, X, y, kind="both", ax=ax)
    img, X_img, y_img, _ = digits
    with pytest.raises(ValueError, match="estimator: expected a model fitted on 2-D feature vectors, got one fitted on 64 features"):
        plot_uncertainty_map(img, X_img[:, 0, :2, 0], y_img)


# ----------------------------------------------------------------------
# image grid of real and generated examples
# ----------------------------------------------------------------------
def test_shield_grid(digits, tmp_path):
    clf, X, y, _ = digits
    fig = plot_shield_grid(clf, X, y, n_per_class=3)
    assert isinstance(fig, Figure)
    images = _images(fig)
    assert len(images) == 5 * 2 * 3
    assert all(im.get_array().shape == (8, 8) for im in images)
    labels = [ax.get_ylabel() for ax in fig.axes if ax.get_ylabel()]
    assert labels == [f"class {c}" for c in clf.classes_]
    texts = [t.get_text() for t in fig.texts]
    assert "real" in texts and "generated out-of-class" in texts
    # the generated block shows sample_out_of_class's images for each class
    Xg, yg = clf.sample_out_of_class(3, random_state=0)
    np.testing.assert_allclose(images[3].get_array(), Xg[yg == 0][0, 0], atol=1e-6)
    assert _saved(fig, tmp_path)


def test_shield_grid_input_formats(digits):
    clf, X, y, _ = digits
    ref = [im.get_array() for im in _images(plot_shield_grid(clf, X, y, n_per_class=2))]
    X8 = np.round(X * 255).astype(np.uint8)
    for variant in (X[:, 0], X.reshape(len(X), -1), X8, X8.reshape(len(X8), -1)):
        got = [im.get_array() for im in _images(plot_shield_grid(clf, variant, y, n_per_class=2))]
        assert len(got) == len(ref)
        for a, b in zip(got, ref):
            np.testing.assert_allclose(a, b, atol=1 / 255)
    # fewer real images than n_per_class: the missing slots stay blank
    few = np.r_[np.flatnonzero(y == 0)[:1], np.flatnonzero(y != 0)]
    fig = plt.figure()
    assert plot_shield_grid(clf, X[few], y[few], n_per_class=2, fig=fig) is fig
    assert len(_images(fig)) == 5 * 2 * 2 - 1


class _FakeColourModel:
    """A fitted-looking RGB image model (uint8 pixels) for the colour path."""

    classes_ = np.array(["cat", "dog"])
    image_shape_ = (3, 8, 8)
    pixel_scale = "auto"

    def fit(self, X, y):  # pragma: no cover - only makes it look like an estimator
        return self

    def sample_out_of_class(self, n_per_class, random_state=None):
        rng = np.random.RandomState(0)
        X = rng.randint(0, 256, size=(2 * n_per_class, 3, 8, 8)).astype(np.uint8)
        return X, np.repeat(self.classes_, n_per_class)


def test_shield_grid_rgb():
    model = _FakeColourModel()
    X = np.random.RandomState(1).randint(0, 256, size=(10, 3, 8, 8)).astype(np.uint8)
    y = np.array(["cat", "dog"] * 5)
    fig = plot_shield_grid(model, X, y, n_per_class=4)
    images = _images(fig)
    assert len(images) == 2 * 2 * 4
    assert all(im.get_array().shape == (8, 8, 3) for im in images)
    np.testing.assert_allclose(images[0].get_array(), np.moveaxis(X[0], 0, -1) / 255.0, atol=1e-6)
    assert [ax.get_ylabel() for ax in fig.axes if ax.get_ylabel()] == ["class cat", "class dog"]


def test_shield_grid_bad_input(digits, toy):
    clf, X, y, _ = digits
    with pytest.raises(ValueError, match="n_per_class: expected a value >= 1, got 0"):
        plot_shield_grid(clf, X, y, n_per_class=0)
    with pytest.raises(ValueError, match="X: expected images of shape"):
        plot_shield_grid(clf, X[:, :, :4, :4], y)
    with pytest.raises(ValueError, match=r"X: expected flat rows of 64 values \(images of shape \(1, 8, 8\)\), got 10"):
        plot_shield_grid(clf, X.reshape(len(X), -1)[:, :10], y)
    with pytest.raises(ValueError, match="y: expected labels from estimator.classes_"):
        plot_shield_grid(clf, X, y + 10)
    toy_clf, X2, y2 = toy
    with pytest.raises(ValueError, match="estimator: expected a model fitted on images, got one fitted on feature vectors"):
        plot_shield_grid(toy_clf, X2, y2)


# ----------------------------------------------------------------------
# reliability diagram
# ----------------------------------------------------------------------
def test_reliability_diagram(digits, tmp_path):
    clf, X, y, _ = digits
    proba = clf.predict_proba(X)
    y_idx = np.searchsorted(clf.classes_, y)
    ax = plot_reliability_diagram(y_idx, proba, n_bins=10)
    assert isinstance(ax, Axes)
    assert len(ax.containers[0].patches) == 10
    ece = expected_calibration_error(y_idx, proba, n_bins=10)
    assert f"ECE = {ece:.3f}" in ax.get_title()
    # bar b's height is the accuracy of the examples with confidence in (b/10, (b+1)/10]
    conf, correct = proba.max(1), proba.argmax(1) == y_idx
    heights = [p.get_height() for p in ax.containers[0].patches]
    for b in range(10):
        in_bin = (conf > b / 10) & (conf <= (b + 1) / 10)
        assert heights[b] == pytest.approx(correct[in_bin].mean() if in_bin.any() else 0.0)
    assert sum(h > 0 for h in heights) >= 2
    assert _saved(ax.figure, tmp_path)
    _, ax2 = plt.subplots()
    assert plot_reliability_diagram(y_idx, proba, ax=ax2) is ax2


def test_reliability_diagram_bad_input():
    proba = [[0.9, 0.1], [0.2, 0.8]]
    with pytest.raises(ValueError, match="reliability_bins: n_bins: expected a value >= 1, got 0"):
        plot_reliability_diagram([0, 1], proba, n_bins=0)
    with pytest.raises(ValueError, match="reliability_bins: proba: expected a non-empty 2-D array"):
        plot_reliability_diagram([0, 1], [0.9, 0.2])
    with pytest.raises(ValueError, match=r"reliability_bins: y_true: expected class indices in 0\.\.1 .*got 5"):
        plot_reliability_diagram([0, 5], proba)
    with pytest.raises(ValueError, match=r"reliability_bins: proba: expected the same length as y_true \(3\), got 2"):
        plot_reliability_diagram([0, 1, 1], proba)


# ----------------------------------------------------------------------
# ROC curves
# ----------------------------------------------------------------------
def test_roc_curves(tmp_path):
    rng = np.random.RandomState(0)
    neg, pos = rng.normal(0, 1, 100), rng.normal(1, 1, 80)
    ax = plot_roc_curves({"shifted": (neg, pos), "same": (neg, rng.normal(0, 1, 50))}, title="demo")
    assert isinstance(ax, Axes) and ax.get_title() == "demo"
    assert len(_roc_lines(ax)) == 2
    expected = roc_auc_score(np.r_[np.zeros(100), np.ones(80)], np.r_[neg, pos])
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[0] == f"shifted (AUROC = {expected:.3f})"
    fpr, tpr = _roc_lines(ax)[0].get_data()
    assert fpr[0] == 0 and tpr[-1] == 1 and np.all(np.diff(fpr) >= 0)
    assert _saved(ax.figure, tmp_path)


@pytest.mark.parametrize(
    "scores, match",
    [
        ({}, "scores_by_name"),
        ([([0.1], [0.2])], "scores_by_name"),
        ({"a": [0.1, 0.2, 0.3]}, r"scores_by_name\['a'\]: expected a pair \(scores_negative, scores_positive\), got list of length 3"),
        ({"a": [0.1, 0.2]}, r"scores_by_name\['a'\]\[0\]"),
        ({"a": ([], [0.2])}, r"scores_by_name\['a'\]\[0\]"),
        ({"a": ([0.1], [np.nan])}, r"scores_by_name\['a'\]\[1\]"),
    ],
)
def test_roc_curves_bad_input(scores, match):
    with pytest.raises(ValueError, match=match):
        plot_roc_curves(scores)


def test_ood_roc(digits, tmp_path):
    clf, X, _, ood = digits
    ax = plot_ood_roc(clf, X, ood)
    assert isinstance(ax, Axes)
    lines = _roc_lines(ax)
    assert len(lines) == len(ood) + 1  # one per set plus pooled
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert [s.split(" (")[0] for s in legend] == ["digits 5-9", "noise", "pooled"]
    e_in = clf.predict_uncertainty(X).epistemic
    e_noise = clf.predict_uncertainty(ood["noise"]).epistemic
    expected = roc_auc_score(np.r_[np.zeros(len(e_in)), np.ones(len(e_noise))], np.r_[e_in, e_noise])
    assert f"{expected:.3f}" in legend[1]
    assert _saved(ax.figure, tmp_path)
    # a single set needs no pooled curve; a list of pairs works too
    _, ax2 = plt.subplots()
    assert plot_ood_roc(clf, X, [("noise", ood["noise"])], ax=ax2) is ax2
    assert len(_roc_lines(ax2)) == 1


def test_ood_roc_bad_sets(digits):
    clf, X, _, ood = digits
    with pytest.raises(ValueError, match="ood_sets: expected at least one out-of-distribution set, got none"):
        plot_ood_roc(clf, X, {})
    with pytest.raises(ValueError, match="ood_sets: expected names other than 'pooled'"):
        plot_ood_roc(clf, X, {"pooled": ood["noise"]})
    with pytest.raises(ValueError, match=r"ood_sets: expected a dict name -> X_ood or a list/tuple of \(name, X_ood\) pairs, got ndarray"):
        plot_ood_roc(clf, X, ood["noise"])


def test_fp_roc(digits, toy, tmp_path):
    clf, X, y, _ = digits
    ax = plot_fp_roc(clf, X, y)
    assert isinstance(ax, Axes)
    assert len(_roc_lines(ax)) == 1
    assert "accuracy" in ax.get_title()
    assert _saved(ax.figure, tmp_path)
    with pytest.raises(ValueError, match="y: expected a 1-D array of"):
        plot_fp_roc(clf, X, y[:-1])
    with pytest.raises(ValueError, match="y: expected labels from estimator.classes_"):
        plot_fp_roc(clf, X, y + 10)
    toy_clf, X2, _ = toy
    with pytest.raises(ValueError, match="y: expected both correct and wrong predictions .*got every prediction wrong"):
        plot_fp_roc(toy_clf, X2, 1 - toy_clf.predict(X2))


# ----------------------------------------------------------------------
# score histograms
# ----------------------------------------------------------------------
def test_score_histograms(digits, tmp_path):
    clf, X, _, ood = digits
    ax = plot_score_histograms(clf, X, ood, bins=12)
    assert isinstance(ax, Axes)
    assert len(ax.patches) == 1 + len(ood)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == [f"in-distribution (n={len(X)})", "digits 5-9 (n=150)", "noise (n=100)"]
    assert _saved(ax.figure, tmp_path)
    ax2 = plot_score_histograms(clf, X, None, score="aleatoric")
    assert len(ax2.patches) == 1 and "aleatoric" in ax2.get_xlabel()


def test_score_histograms_bad_input(digits):
    clf, X, _, ood = digits
    with pytest.raises(ValueError, match=r"score: expected one of \['epistemic', 'aleatoric'\], got 'total'"):
        plot_score_histograms(clf, X, ood, score="total")
    with pytest.raises(ValueError, match="bins: expected a value >= 1, got 0"):
        plot_score_histograms(clf, X, ood, bins=0)
    with pytest.raises(ValueError, match=r"ood_sets: expected unique names, got duplicates \['a'\]"):
        plot_score_histograms(clf, X, [("a", ood["noise"]), ("a", ood["noise"])])


# ----------------------------------------------------------------------
# training curves
# ----------------------------------------------------------------------
def _panel_titles(fig):
    return [ax.get_title() for ax in fig.axes if ax.get_title()]


def test_training_curves_image_model(digits, tmp_path):
    clf, *_ = digits
    fig = plot_training_curves(clf)
    assert isinstance(fig, Figure)
    assert _panel_titles(fig) == [
        "stage 1: autoencoder",
        "stage 2: critic",
        "stage 2: generator",
        "stage 2: classifier",
        "validation accuracy",
    ]
    panels = {ax.get_title(): ax for ax in fig.axes if ax.get_title()}
    ae = panels["stage 1: autoencoder"]
    np.testing.assert_allclose(ae.get_lines()[0].get_ydata(), clf.autoencoder_.history[:, "train_loss"])
    acc = panels["validation accuracy"]
    assert any(line.get_label() == f"kept (epoch {clf.best_epoch_})" for line in acc.get_lines())
    assert _saved(fig, tmp_path)


def test_training_curves_vector_model_skips_autoencoder(toy):
    clf, *_ = toy
    fig = plt.figure()
    assert plot_training_curves(clf, fig=fig) is fig
    titles = _panel_titles(fig)
    assert len(titles) == 4 and not any("autoencoder" in t for t in titles)


def test_training_curves_without_history():
    class NoHistory(_FakeColourModel):
        pass

    with pytest.raises(ValueError, match=r"estimator: expected a training history \(autoencoder_, shielding_net_ or net_ .*got none in NoHistory"):
        plot_training_curves(NoHistory())


def test_unfitted_estimator():
    with pytest.raises(Exception, match="not fitted"):
        plot_training_curves(GANShieldedOvAClassifier())


# ----------------------------------------------------------------------
# Display objects: compute (checked numerically on constructed inputs), then draw
# ----------------------------------------------------------------------
class _FakePlaneModel:
    """A fitted-looking 2-D model whose uncertainties are known functions of the input."""

    classes_ = np.array(["a", "b"])
    n_features_in_ = 2

    def predict_uncertainty(self, X):
        from sklearn.utils import Bunch

        X = np.asarray(X, dtype=float)
        proba = np.column_stack([X[:, 0] < 0, X[:, 0] >= 0]).astype(float)
        return Bunch(epistemic=np.clip(np.abs(X[:, 0]) / 10, 0, 1), aleatoric=np.clip(np.abs(X[:, 1]) / 10, 0, 1),
                     proba=proba)

    def sample_out_of_class(self, n_per_class, random_state=None):
        X = np.repeat([[5.0, 5.0], [-5.0, -5.0]], n_per_class, axis=0)
        return X, np.repeat(self.classes_, n_per_class)


def test_uncertainty_map_display_compute_and_draw():
    X = np.array([[-2.0, 0.0], [2.0, 4.0], [0.0, 1.0]])
    y = np.array(["a", "b", "a"])
    display = plotting.UncertaintyMapDisplay.from_estimator(_FakePlaneModel(), X, y, kind="both", resolution=5,
                                                            padding=0.5, n_shields=3)
    # extent 4 x 4 plus half of it on each side
    np.testing.assert_allclose(display.x_grid, np.linspace(-4, 4, 5))
    np.testing.assert_allclose(display.y_grid, np.linspace(-2, 6, 5))
    assert list(display.uncertainty) == ["epistemic", "aleatoric"]
    xx, yy = np.meshgrid(display.x_grid, display.y_grid)
    np.testing.assert_allclose(display.uncertainty["epistemic"], np.abs(xx) / 10, atol=1e-6)
    np.testing.assert_allclose(display.uncertainty["aleatoric"], np.abs(yy) / 10, atol=1e-6)
    assert display.shields[0].shape == (6, 2) and list(display.shields[1]) == ["a"] * 3 + ["b"] * 3
    assert display.plot() is display
    assert isinstance(display.figure_, Figure) and len(display.axes_) == 2 and display.ax_ is display.axes_[0]
    np.testing.assert_allclose(display.ax_.images[0].get_array(), display.uncertainty["epistemic"])
    single = plotting.UncertaintyMapDisplay.from_estimator(_FakePlaneModel(), X, y, resolution=4, show_shields=False)
    assert list(single.uncertainty) == ["epistemic"] and single.shields is None
    assert isinstance(single.plot().ax_, Axes) and len(single.ax_.collections) == 2
    assert "UncertaintyMapDisplay(" in repr(single)


def test_shield_grid_display_compute():
    model = _FakeColourModel()
    X = np.random.RandomState(1).randint(0, 256, size=(6, 3, 8, 8)).astype(np.uint8)
    y = np.array(["cat", "dog", "cat", "cat", "dog", "dog"])
    display = plotting.ShieldGridDisplay.from_estimator(model, X, y, n_per_class=2)
    np.testing.assert_allclose(display.real_images, np.moveaxis(X, 1, -1) / 255.0, atol=1e-6)
    assert list(display.real_labels) == list(y) and list(display.classes) == ["cat", "dog"]
    X_gen, y_gen = model.sample_out_of_class(2)
    np.testing.assert_allclose(display.generated_images, np.moveaxis(X_gen, 1, -1) / 255.0, atol=1e-6)
    assert list(display.generated_labels) == list(y_gen) and display.n_per_class == 2
    fig = display.plot().figure_
    assert len(_images(fig)) == 2 * 2 * 2


def _diagnostics():
    from sklearn.utils import Bunch

    # class 0: three codes on a line in the first two coordinates (third is 0); class 1: a single code
    real = np.array([[0.0, 0.0, 0.0], [3.0, 4.0, 0.0], [6.0, 8.0, 0.0], [1.0, 1.0, 1.0]])
    return Bunch(real_codes=real, real_labels=np.array([0, 0, 0, 1]),
                 shield_codes=np.array([[0.0, 5.0, 0.0]]), shield_labels=np.array([0]),
                 real_spacings=[np.array([5.0, 5.0, 5.0]), np.array([0.0])], shield_distances=[np.array([4.0]),
                                                                                               np.array([])],
                 distance_ratio=np.array([0.8, np.nan]), own_head_p=np.array([0.3, np.nan]),
                 reconstruction_head_p=np.array([0.9, 0.8]))


def test_shield_diagnostics_display_compute():
    d = _diagnostics()
    display = plotting.ShieldDiagnosticsDisplay.from_diagnostics(d, classes=np.array(["x", "y"]))
    real, shields = display.projections[0]
    assert real.shape == (3, 2) and shields.shape == (1, 2)
    # the projection on the two principal axes keeps all distances of planar points
    pts, proj = np.vstack([d.real_codes[:3], d.shield_codes]), np.vstack([real, shields])
    dist = lambda a: np.linalg.norm(a[:, None] - a[None], axis=-1)  # noqa: E731
    np.testing.assert_allclose(dist(proj), dist(pts), atol=1e-9)
    assert display.projections[1] is None  # a single point cannot be projected
    np.testing.assert_allclose(display.distance_ratio, [0.8, np.nan])
    assert len(display.plot().figure_.axes) == 4
    one = plotting.ShieldDiagnosticsDisplay.from_diagnostics(d, classes=np.array(["x", "y"]), max_classes=1)
    assert len(one.projections) == 1 and one.own_head_p.tolist() == [0.3]
    with pytest.raises(ValueError, match="max_classes: expected a value >= 1, got 0"):
        plotting.ShieldDiagnosticsDisplay.from_diagnostics(d, classes=np.array(["x", "y"]), max_classes=0)


def test_reliability_diagram_display_compute_and_draw():
    proba = [[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.3, 0.7]]
    display = plotting.ReliabilityDiagramDisplay.from_predictions([0, 0, 0, 1], proba, n_bins=4)
    np.testing.assert_allclose(display.bin_edges, [0, 0.25, 0.5, 0.75, 1])
    np.testing.assert_array_equal(display.counts, [0, 0, 2, 2])
    np.testing.assert_allclose(display.accuracy, [np.nan, np.nan, 1.0, 0.5])
    np.testing.assert_allclose(display.confidence, [np.nan, np.nan, 0.65, 0.85])
    assert display.ece == pytest.approx(0.35)
    ax = display.plot().ax_
    assert [p.get_height() for p in ax.containers[0].patches] == pytest.approx([0, 0, 1.0, 0.5])
    assert [p.get_height() for p in ax.containers[1].patches] == pytest.approx([-0.35, 0.35])
    assert display.figure_ is ax.figure


def test_roc_curves_display_from_scores():
    from sklearn.metrics import roc_curve

    neg, pos = [0.1, 0.4, 0.35], [0.8, 0.3]
    display = plotting.RocCurvesDisplay.from_scores({"toy": (neg, pos)}, title="t")
    fpr, tpr, _ = roc_curve([0, 0, 0, 1, 1], neg + pos)
    np.testing.assert_allclose(display.fpr[0], fpr)
    np.testing.assert_allclose(display.tpr[0], tpr)
    assert display.roc_auc == [pytest.approx(4 / 6)] and display.names == ["toy"] and display.title == "t"
    ax = display.plot().ax_
    np.testing.assert_allclose(_roc_lines(ax)[0].get_xdata(), fpr)
    assert ax.get_title() == "t"


def test_roc_curves_display_from_estimator():
    model = _FakePlaneModel()
    X_in = np.array([[0.5, 0.0], [-1.0, 0.0], [2.0, 0.0]])  # epistemic 0.05, 0.1, 0.2
    far, near = np.array([[9.0, 0.0]]), np.array([[-1.5, 0.0]])  # 0.9 and 0.15
    display = plotting.RocCurvesDisplay.from_ood_sets(model, X_in, {"far": far, "near": near})
    assert display.names == ["far", "near", "pooled"]
    assert display.roc_auc == pytest.approx([1.0, 2 / 3, 5 / 6])
    # misclassification: predicted "a" for x < 0; true labels make the two points with |y| = 5 wrong
    X = np.array([[-1.0, 5.0], [1.0, 1.0], [-1.0, 0.5], [1.0, -5.0]])
    y = np.array(["b", "b", "a", "a"])
    fp = plotting.RocCurvesDisplay.from_misclassifications(model, X, y)
    assert fp.names == ["misclassified (2) vs correct (2)"] and fp.roc_auc == [1.0]
    assert "accuracy 0.500" in fp.title


def test_score_histograms_display_compute():
    display = plotting.ScoreHistogramsDisplay.from_scores({"in": [0.0, 0.1, 0.2, 0.4], "out": [0.35, 0.4]}, bins=4,
                                                          score="aleatoric")
    np.testing.assert_allclose(display.bin_edges, [0.0, 0.1, 0.2, 0.3, 0.4])
    for scores, density in zip(display.scores, display.densities):
        np.testing.assert_allclose(density, np.histogram(scores, bins=display.bin_edges, density=True)[0])
        assert np.sum(density * 0.1) == pytest.approx(1.0)
    np.testing.assert_allclose(display.densities[1], [0, 0, 0, 10.0])
    ax = display.plot().ax_
    assert len(ax.patches) == 2 and "aleatoric" in ax.get_xlabel()
    # constant scores: the range is widened so that the bins have a width
    flat = plotting.ScoreHistogramsDisplay.from_scores({"in": [0.5, 0.5]}, bins=2)
    np.testing.assert_allclose(flat.bin_edges, [0.49, 0.5, 0.51])
    from_model = plotting.ScoreHistogramsDisplay.from_estimator(_FakePlaneModel(), [[1.0, 0.0], [3.0, 0.0]],
                                                                [("far", [[9.0, 0.0]])], bins=2)
    assert from_model.names == ["in-distribution", "far"]
    np.testing.assert_allclose(from_model.scores[0], [0.1, 0.3])
    with pytest.raises(ValueError, match=r"scores_by_name\['in'\]: expected finite scores"):
        plotting.ScoreHistogramsDisplay.from_scores({"in": [np.nan]})


def test_training_curves_display_from_history():
    history = [
        {"epoch": 1, "critic_loss": -1.0, "generator_loss": 0.5, "regularizer": 2.0, "train_loss": 0.9,
         "valid_loss": 1.1, "valid_acc": 0.5},
        {"epoch": 2, "critic_loss": -0.5, "generator_loss": 0.4, "regularizer": 1.0, "train_loss": 0.7,
         "valid_loss": None, "valid_acc": 0.75},
    ]
    ae = [{"train_loss": 0.3}, {"train_loss": 0.2}, {"train_loss": 0.1}]  # no "epoch": positions from 1
    display = plotting.TrainingCurvesDisplay.from_history(history, ae, best_epoch=2)
    titles = [p.title for p in display.panels]
    assert titles == ["stage 1: autoencoder", "stage 2: critic", "stage 2: generator", "stage 2: classifier",
                      "validation accuracy"]
    epochs, values, label, _ = display.panels[0].lines[0]
    assert epochs.tolist() == [1, 2, 3] and values.tolist() == [0.3, 0.2, 0.1] and label == "train"
    generator = display.panels[2]
    assert [line[2] for line in generator.lines] == ["generator loss"]
    assert generator.right[1].tolist() == [2.0, 1.0] and generator.right[3] == {"color": "C1"}
    valid = display.panels[3].lines[1]
    assert valid[0].tolist() == [1] and valid[1].tolist() == [1.1]  # the None entry is skipped
    fig = display.plot().figure_
    acc_ax = [ax for ax in fig.axes if ax.get_title() == "validation accuracy"][0]
    assert any(line.get_label() == "kept (epoch 2)" for line in acc_ax.get_lines())
    single = plotting.TrainingCurvesDisplay.from_history([{"train_loss": 1.0}])
    assert [p.title for p in single.panels] == ["classifier"] and single.panels[0].ylabel == "loss"
    with pytest.raises(ValueError, match="history: expected a training history"):
        plotting.TrainingCurvesDisplay.from_history([{"dur": 1.0}])


def test_training_curves_display_from_estimator():
    class Net:
        history = [{"epoch": 1, "train_loss": 0.5, "valid_acc": 0.9}]

    class Fitted:
        classes_ = np.array([0, 1])
        net_ = Net()
        best_epoch_ = 1

    display = plotting.TrainingCurvesDisplay.from_estimator(Fitted())
    assert [p.title for p in display.panels] == ["classifier", "validation accuracy"]
    assert display.best_epoch == 1
