import json

import numpy as np
import pytest

from gan_ova.benchmark import BUDGETS, METHODS, format_table, load_protocol, run_benchmark
from gan_ova.cli import main


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
    with pytest.raises(ValueError, match="budget"):
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
    assert {"uqgan", "max_softmax", "entropy", "ova", "mc_dropout", "ensemble", "confident"} <= set(METHODS)
