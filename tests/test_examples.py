"""The runnable examples in examples/ run end to end in quick mode."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

# script -> text its stdout must contain (scripts without figures are checked on this only)
SCRIPTS = {
    "quickstart_digits.py": ("OoD AUROC", True),
    "pipeline_gridsearch.py": ("best params", False),
    "save_and_load.py": ("all round trips OK", False),
    "toy_uncertainty_maps.py": ("train accuracy", True),
    "fashion_mnist_ood.py": (None, True),  # prints a skip message when Fashion-MNIST is missing
    "reject_uncertain.py": ("coverage", True),
    "far_field_map.py": ("points at radius 30", True),
}


@pytest.mark.slow
@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_example_runs(script, tmp_path):
    env = dict(os.environ, GAN_OVA_QUICK="1", OMP_NUM_THREADS="1", MPLBACKEND="Agg")
    proc = subprocess.run(
        [sys.executable, str(EXAMPLES / script), "--quick", "--output", str(tmp_path)],
        check=False, capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path,
    )
    assert proc.returncode == 0, f"{script} failed:\n{proc.stdout}\n{proc.stderr}"
    expected, draws = SCRIPTS[script]
    pngs = sorted(tmp_path.rglob("*.png"))
    if script == "fashion_mnist_ood.py" and "not available" in proc.stdout:
        assert "dataset-fashion-mnist" in proc.stdout  # the skip message says how to get the data
        return
    if expected is not None:
        assert expected in proc.stdout, proc.stdout
    if draws:
        assert pngs, f"{script} wrote no PNG into {tmp_path}:\n{proc.stdout}"
        assert all(p.stat().st_size > 1000 for p in pngs)
    else:
        assert proc.stdout.strip()


def test_examples_are_covered():
    """Every example script is exercised by the test above."""
    assert sorted(p.name for p in EXAMPLES.glob("*.py")) == sorted(SCRIPTS)
