"""Every public import path of gan_ova 0.1.0.dev0 still works, and ``__all__`` matches the API docs."""

import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# The public names of the first release, module by module (each module's ``__all__`` then),
# plus names the docs of that release pointed users to without listing them in ``__all__``.
RELEASED = {
    "gan_ova": ["GANShieldedOvAClassifier", "__version__", "predict_uncertainty"],
    "gan_ova.baselines": [
        "ConfidentClassifier", "DeepEnsembleClassifier", "MCDropoutClassifier", "OvAClassifier",
        "SoftmaxClassifier", "mutual_information_scores", "softmax_scores",
        "SoftmaxNet", "OvANet", "ConfidentNet",
    ],
    "gan_ova.benchmark": [
        "BUDGETS", "BUDGET_NAMES", "METHODS", "NEAR_OOD", "format_table", "load_protocol", "merge_results",
        "run_benchmark",
    ],
    "gan_ova.cli": ["main"],
    "gan_ova.datasets": [
        "DATASET_NAMES", "DEBIAN_FASHION_MNIST_DIR", "DEFAULT_ROOT", "FONT_DIR", "TORCHVISION_DATASETS",
        "load_dataset", "load_digits_images", "load_fashion_mnist", "load_torchvision_dataset",
        "make_grid_gaussians", "make_letters", "make_moons_2d", "make_noise_images", "make_overlapping_gaussians",
        "make_two_gaussians", "parse_classes", "read_idx", "split_classes", "to_shape",
    ],
    "gan_ova.diagnostics": ["distance_ratio", "nearest_distances", "radius_ratio"],
    "gan_ova.estimator": ["GANShieldedOvAClassifier"],
    "gan_ova.losses": [
        "angular_regularizer", "class_weight_matrix", "critic_loss", "far_negative_loss", "generator_loss",
        "gradient_penalty", "ova_classifier_loss",
    ],
    "gan_ova.metrics": [
        "accuracy", "aupr_in", "aupr_out", "evaluate", "expected_calibration_error", "fp_detection_auroc",
        "fpr_at_95_tpr", "ood_auroc",
    ],
    "gan_ova.nets": [
        "BACKBONES", "ConvCAE", "Critic", "Generator", "LeNet", "MLP", "ResNetLN", "ResidualCAE",
        "default_backbone", "set_mc_dropout",
    ],
    "gan_ova.nets.cae": ["ConvCAE", "ResidualCAE", "stack_label_maps"],
    "gan_ova.nets.classifiers": ["BACKBONES", "LeNet", "MLP", "ResNetLN", "default_backbone", "set_mc_dropout"],
    "gan_ova.nets.gan": ["Critic", "Generator"],
    "gan_ova.persistence": ["CONFIG_NAME", "FORMAT_VERSION", "WEIGHTS_NAME", "load_model", "save_model"],
    "gan_ova.plotting": [
        "plot_fp_roc", "plot_ood_roc", "plot_reliability_diagram", "plot_roc_curves", "plot_score_histograms",
        "plot_shield_diagnostics", "plot_shield_grid", "plot_training_curves", "plot_uncertainty_map",
    ],
    "gan_ova.training": [
        "AutoencoderNet", "BestClassifierState", "EpochMeans", "LinearLRDecay", "NonFiniteLossError",
        "ShieldDecoder", "ShieldDiagnostics", "ShieldingNet",
        "EpochCheckpoint", "save_training_state", "load_training_state", "restore_training_state",
        "initialize_gan_optimizers",
    ],
    "gan_ova.uncertainty": [
        "aleatoric_uncertainty", "class_probabilities", "epistemic_uncertainty", "in_distribution_probability",
        "ova_q", "ova_uncertainty",
    ],
}


@pytest.mark.parametrize("module", sorted(RELEASED))
def test_released_names_still_import(module):
    mod = importlib.import_module(module)
    missing = [name for name in RELEASED[module] if not hasattr(mod, name)]
    assert not missing, f"{module} lost {missing}"
    for name in RELEASED[module]:
        exec(f"from {module} import {name}", {})  # the `from ... import` form works too


@pytest.mark.parametrize("module", sorted(RELEASED))
def test_all_lists_only_existing_names(module):
    mod = importlib.import_module(module)
    assert len(set(mod.__all__)) == len(mod.__all__), f"{module}.__all__ repeats a name"
    assert all(hasattr(mod, name) for name in mod.__all__)


def _documented(module):
    """Names the API pages document for ``module`` (None if a page documents the module with :members:)."""
    names = set()
    for page in (ROOT / "docs" / "api").glob("*.rst"):
        current = None
        lines = page.read_text(encoding="utf-8").splitlines()
        for i, line in enumerate(lines):
            m = re.match(r"\.\. (currentmodule|automodule):: (\S+)", line)
            if m:
                current = m.group(2)
                if m.group(1) == "automodule" and current == module and i + 1 < len(lines) and ":members:" in lines[i + 1]:
                    return None
                continue
            m = re.match(r"\.\. auto(?:class|function|data|exception):: (\S+)", line)
            if m and current is not None:
                target = m.group(1)
                full = target if target.startswith("gan_ova.") else f"{current}.{target}"
                mod_name, _, name = full.rpartition(".")
                if mod_name == module:
                    names.add(name)
    return names


@pytest.mark.parametrize("module", ["gan_ova.baselines", "gan_ova.metrics", "gan_ova.plotting", "gan_ova.training",
                                    "gan_ova.diagnostics", "gan_ova.persistence"])
def test_all_matches_the_api_docs(module):
    documented = _documented(module)
    if documented is None:  # automodule :members: documents exactly __all__
        return
    public = {n for n in importlib.import_module(module).__all__ if not n.isupper()}  # constants: prose
    assert public == documented, (
        f"{module}: in __all__ but not documented: {sorted(public - documented)}; "
        f"documented but not in __all__: {sorted(documented - public)}"
    )
