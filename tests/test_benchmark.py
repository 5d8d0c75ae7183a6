import importlib.util
import json
import re
import types
from pathlib import Path

import numpy as np
import pytest

from gan_ova import benchmark
from gan_ova.baselines import DeepEnsembleClassifier
from gan_ova.benchmark import BUDGETS, METHODS, _budget, format_table, load_protocol, run_benchmark
from gan_ova.cli import build_parser, main
from gan_ova.estimator import GANShieldedOvAClassifier

TINY = {"uqgan": {"cae_max_epochs": 1, "max_epochs": 1, "batch_size": 32}, "*": {"max_epochs": 2, "batch_size": 64}}


def test_load_protocol_digits():
    data = load_protocol("digits", "0-4")
    assert data["X_train"].shape[1:] == (1, 8, 8)
    assert set(np.unique(data["y_train"])) == {0, 1, 2, 3, 4}
    assert set(data["ood"]) == {"held_out_classes", "letters", "noise"}
    for X in data["ood"].values():
        assert X.shape[1:] == (1, 8, 8) and X.min() >= 0 and X.max() <= 1


def test_load_protocol_errors():
    with pytest.raises(ValueError, match="dataset"):
        load_protocol("imagenet")
    with pytest.raises(ValueError, match="ood"):
        load_protocol("digits", ood=["fashion_mnist"])


def test_every_method_has_budgets():
    for key, table in BUDGETS.items():
        assert "*" in table and "uqgan" in table


@pytest.mark.parametrize("key", sorted(BUDGETS))
def test_uqgan_mc_gets_uqgans_budget_in_every_table(key):
    dataset, budget = key
    assert _budget(dataset, budget, "uqgan_mc") == BUDGETS[key]["uqgan"]
    assert _budget(dataset, budget, "max_softmax") == BUDGETS[key]["*"]


def test_uqgan_mc_method_is_the_mc_dropout_variant():
    cls, fixed = METHODS["uqgan_mc"]
    assert cls is GANShieldedOvAClassifier and fixed == {"mc_dropout": 0.5, "mc_samples": 50}
    assert METHODS["uqgan"] == (GANShieldedOvAClassifier, {})
    assert list(METHODS)[:2] == ["uqgan", "uqgan_mc"]  # run_benchmark(methods=None) runs list(METHODS)


def test_standard_budget():
    for dataset in ("fashion_mnist", "mnist"):
        table = BUDGETS[(dataset, "standard")]
        assert table["uqgan"]["batch_size"] == table["*"]["batch_size"] == 128
        # baselines: as many passes over the data as UQGAN's stage 2
        assert table["*"]["max_epochs"] == table["uqgan"]["max_epochs"]
    assert BUDGETS[("mnist", "standard")] == BUDGETS[("fashion_mnist", "standard")]
    assert BUDGETS[("digits", "standard")] == BUDGETS[("digits", "quick")]
    # the ensemble's max_epochs is each member's budget
    assert DeepEnsembleClassifier(**_budget("fashion_mnist", "standard", "ensemble")).max_epochs == 8
    assert build_parser().parse_args(["benchmark", "--budget", "standard"]).budget == "standard"
    with pytest.raises(SystemExit):
        build_parser().parse_args(["benchmark", "--budget", "huge"])


def test_run_benchmark_uqgan_mc(tmp_path, monkeypatch):
    monkeypatch.setitem(BUDGETS, ("digits", "standard"), TINY)
    res = run_benchmark("digits", methods=["uqgan_mc"], seeds=[0], budget="standard", verbose=0)
    params = res["config"]["params"]["uqgan_mc"]
    assert params == {"mc_dropout": 0.5, "mc_samples": 50, **TINY["uqgan"]}
    assert res["config"]["budget"] == "standard" and 0 <= res["summary"]["uqgan_mc"]["accuracy"]["mean"] <= 1


def test_run_benchmark_writes_results(tmp_path):
    res = run_benchmark(
        "digits",
        methods=["uqgan", "ova"],
        seeds=[0, 1],
        output=str(tmp_path),
        verbose=0,
        overrides={"uqgan": {"cae_max_epochs": 2, "max_epochs": 2}, "ova": {"max_epochs": 2}},
    )
    assert set(res["runs"]) == {"uqgan", "ova"} and len(res["runs"]["uqgan"]) == 2
    s = res["summary"]["uqgan"]
    assert 0 <= s["accuracy"]["mean"] <= 1 and s["accuracy"]["std"] >= 0
    assert set(s["ood"]) == {"held_out_classes", "letters", "noise", "pooled"}
    saved = json.loads((tmp_path / "results.json").read_text())
    assert saved["config"]["seeds"] == [0, 1]
    assert saved["config"]["params"]["uqgan"]["max_epochs"] == 2
    md = (tmp_path / "results.md").read_text()
    assert "| uqgan |" in md and "OoD AUROC" in md
    assert format_table(saved) == md.strip()


def test_run_benchmark_bad_arguments():
    with pytest.raises(ValueError, match="methods"):
        run_benchmark(methods=["svm"], verbose=0)
    with pytest.raises(ValueError, match="seeds"):
        run_benchmark(methods=["ova"], seeds=[], verbose=0)
    with pytest.raises(ValueError, match=r"budget: expected one of \['quick', 'standard', 'paper'\].*'huge'"):
        run_benchmark(methods=["ova"], seeds=[0], budget="huge", verbose=0)


def test_cli_end_to_end_quick(tmp_path, capsys, monkeypatch):
    # shrink the quick budget so the CLI test stays fast
    monkeypatch.setitem(
        BUDGETS, ("digits", "quick"), {"uqgan": {"cae_max_epochs": 1, "max_epochs": 1, "batch_size": 64}, "*": {"max_epochs": 1, "batch_size": 64}}
    )
    rc = main(["benchmark", "--methods", "uqgan,max_softmax", "--seeds", "0", "--output", str(tmp_path)])
    out = capsys.readouterr()
    assert rc == 0
    assert "| uqgan |" in out.out and "| max_softmax |" in out.out
    assert "[1/2]" in out.err  # progress lines
    assert (tmp_path / "results.json").exists()


def test_cli_errors(capsys):
    assert main(["benchmark", "--methods", "nope", "--seeds", "0", "--output", ""]) == 2
    assert "unknown method" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["benchmark", "--seeds", "a,b"])


def test_methods_table():
    assert {"uqgan", "uqgan_mc", "max_softmax", "entropy", "ova", "mc_dropout", "ensemble", "confident"} <= set(METHODS)


def _help(capsys, command):
    with pytest.raises(SystemExit) as exc:
        main([command, "--help"])
    assert exc.value.code == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("command", ["benchmark"])
def test_help_states_every_default(capsys, monkeypatch, command):
    monkeypatch.setenv("COLUMNS", "100")
    text = _help(capsys, command)
    options = [b for b in re.split(r"\n  (?=--)", text.split("options:")[1]) if b.startswith("--")]
    assert len(options) == {"benchmark": 11}[command]
    for block in options:
        assert "default" in block, block  # every option states its default (or what no value means)
    flat = " ".join(text.split())  # undo line wrapping
    if command == "benchmark":
        for default in ("digits", "0-4", "0,1,2", "quick", "cpu", "results/benchmark", "all"):
            assert f"(default: {default}" in flat, default
        assert "uqgan_mc" in flat and "{quick,standard,paper}" in flat
    else:
        assert "(default: results/merged)" in flat and "PART [PART ...]" in flat


# ---- tables from one and from several seeds ------------------------------------


@pytest.fixture(scope="module")
def parts(tmp_path_factory):
    """max_softmax on digits at a tiny budget: seeds 0 and 1 as two CLI parts, and both in one run.

    fit times are frozen at 0 so that tables from different runs compare equal.
    """
    root = tmp_path_factory.mktemp("parts")
    with pytest.MonkeyPatch.context() as mp:
        mp.setitem(BUDGETS, ("digits", "quick"), TINY)
        mp.setattr(benchmark, "time", types.SimpleNamespace(perf_counter=lambda: 0.0))
        for seed in (0, 1):
            assert main(["benchmark", "--methods", "max_softmax", "--seeds", str(seed), "--output", str(root / f"s{seed}"), "--quiet"]) == 0
        run_benchmark("digits", methods=["max_softmax"], seeds=[0, 1], output=str(root / "single"), verbose=0)
    return root


def _load(path):
    return json.loads((Path(path) / "results.json").read_text())


def test_one_seed_table_shows_no_fake_spread(parts):
    one, two = (parts / "s0" / "results.md").read_text(), (parts / "single" / "results.md").read_text()
    assert "±" not in one and "1 seed (n=1): single values, no spread" in one
    assert "±" in two and "mean ± std over 2 seeds" in two and "no spread" not in two


def test_results_to_rst(parts):
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "results_to_rst.py"
    spec = importlib.util.spec_from_file_location("results_to_rst", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    one, two = mod.to_rst(_load(parts / "s0"), "T"), mod.to_rst(_load(parts / "single"), "T")
    assert "±" not in one and "1 seed (n=1)" in one
    assert "±" in two and "mean ± std over 2 seeds" in two

