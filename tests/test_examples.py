"""The runnable examples in examples/ run end to end in quick mode."""

import os
import re
import socket
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
    "streaming_fashion_mnist.py": (None, False),  # prints a skip message when Fashion-MNIST is missing
    "data_parallel.py": ("rank 0 of world size 1", False),  # one process here; under torchrun below
    "shield_diagnostics.py": (None, True),  # prints a skip message when Fashion-MNIST is missing
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
    if script in ("fashion_mnist_ood.py", "streaming_fashion_mnist.py", "shield_diagnostics.py") \
            and "not available" in proc.stdout:
        assert "dataset-fashion-mnist" in proc.stdout  # the skip message says how to get the data
        return
    if script == "streaming_fashion_mnist.py":
        assert "OoD AUROC" in proc.stdout and "peak RSS" in proc.stdout, proc.stdout
    if script == "shield_diagnostics.py":
        assert "distance ratio" in proc.stdout and len(re.findall(r"^coat\s+\d", proc.stdout, re.M)) == 1, proc.stdout
    if expected is not None:
        assert expected in proc.stdout, proc.stdout
    if draws:
        assert pngs, f"{script} wrote no PNG into {tmp_path}:\n{proc.stdout}"
        assert all(p.stat().st_size > 1000 for p in pngs)
    else:
        assert proc.stdout.strip()


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_data_parallel_example_under_torchrun(tmp_path):
    """Two processes launched by torchrun end with the same weights; rank 0 saves the model."""
    pytest.importorskip("torch.distributed.run")
    env = {k: v for k, v in os.environ.items()
           if k not in ("WORLD_SIZE", "RANK", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT")}
    root = str(EXAMPLES.parent)  # the workers import gan_ova from this checkout
    env.update(GAN_OVA_QUICK="1", OMP_NUM_THREADS="1",
               PYTHONPATH=os.pathsep.join([root] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]))
    proc = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", "2", "--master-addr", "127.0.0.1",
         "--master-port", str(_free_port()), str(EXAMPLES / "data_parallel.py"), "--quick", "--output", str(tmp_path)],
        check=False, capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path,
    )
    assert proc.returncode == 0, f"data_parallel.py failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}"
    ranks = dict(re.findall(r"rank (\d) of world size 2: .* weights hash ([0-9a-f]{16})", proc.stdout))
    assert sorted(ranks) == ["0", "1"], proc.stdout
    assert ranks["0"] == ranks["1"], proc.stdout
    assert (tmp_path / "model" / "config.json").is_file() and (tmp_path / "model" / "weights.safetensors").is_file()


def test_examples_are_covered():
    """Every example script is exercised by the test above."""
    assert sorted(p.name for p in EXAMPLES.glob("*.py")) == sorted(SCRIPTS)
