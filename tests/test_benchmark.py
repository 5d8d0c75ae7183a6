import importlib.util
import json
import re
import shutil
import types
from pathlib import Path

import numpy as np
import pytest

from gan_ova import benchmark
from gan_ova.baselines import DeepEnsembleClassifier
from gan_ova.benchmark import BUDGETS, METHODS, _budget, format_table, load_protocol, merge_results, run_benchmark
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


@pytest.mark.parametrize("key", sorted(BUDGETS))
def test_uqgan_ts_gets_uqgans_budget_in_every_table(key):
    assert _budget(*key, "uqgan_ts") == BUDGETS[key]["uqgan"]
    assert METHODS["uqgan_ts"] == (GANShieldedOvAClassifier, {"calibration": "temperature"})


def test_run_benchmark_uqgan_ts_records_the_temperature(monkeypatch):
    """Same seed, same networks: uqgan_ts differs from uqgan only in P(k|x) (ECE, FP AUROC), not in OoD AUROC."""
    monkeypatch.setitem(BUDGETS, ("digits", "quick"), TINY)
    res = run_benchmark("digits", methods=["uqgan", "uqgan_ts"], seeds=[0], verbose=0)
    raw, cal = res["runs"]["uqgan"][0], res["runs"]["uqgan_ts"][0]
    assert "calibration_temperature" not in raw
    assert 0.05 <= cal["calibration_temperature"] <= 20.0
    assert cal["accuracy"] == raw["accuracy"]
    assert cal["ood"]["pooled"]["auroc"] == raw["ood"]["pooled"]["auroc"]
    assert res["summary"]["uqgan_ts"]["calibration_temperature"]["mean"] == cal["calibration_temperature"]


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
    # one seed: the printed table says n=1 instead of showing a fake "± 0.00" spread (issue 11)
    assert "1 seed (n=1): single values, no spread" in out.out and "±" not in out.out
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


@pytest.mark.parametrize("command", ["benchmark", "merge"])
def test_help_states_every_default(capsys, monkeypatch, command):
    monkeypatch.setenv("COLUMNS", "100")
    text = _help(capsys, command)
    options = [b for b in re.split(r"\n  (?=--)", text.split("options:")[1]) if b.startswith("--")]
    assert len(options) == {"benchmark": 12, "merge": 2}[command]
    for block in options:
        assert "default" in block, block  # every option states its default (or what no value means)
    flat = " ".join(text.split())  # undo line wrapping
    if command == "benchmark":
        for default in ("digits", "0-4", "0,1,2", "quick", "cpu", "results/benchmark", "all"):
            assert f"(default: {default}" in flat, default
        assert "uqgan_mc" in flat and "{quick,standard,paper}" in flat
        assert "--set METHOD.PARAM=VALUE" in flat and "(default: none" in flat
    else:
        assert "(default: results/merged)" in flat and "PART [PART ...]" in flat


# ---- running a table in parts and merging -----------------------------------


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


def _edited_copy(src, dst, edit):
    shutil.copytree(src, dst)
    res = _load(dst)
    edit(res)
    (Path(dst) / "results.json").write_text(json.dumps(res))
    return dst


def test_merge_equals_single_run(parts, tmp_path, capsys):
    rc = main(["merge", str(parts / "s0"), str(parts / "s1"), "--output", str(tmp_path / "merged")])
    out = capsys.readouterr().out
    assert rc == 0 and "| max_softmax |" in out and "mean ± std over 2 seeds" in out
    merged, single = _load(tmp_path / "merged"), _load(parts / "single")
    assert format_table(merged) == format_table(single)
    assert (tmp_path / "merged" / "results.md").read_text() == (parts / "single" / "results.md").read_text()
    assert merged["runs"] == single["runs"] and merged["summary"] == single["summary"]
    assert merged["config"]["seeds"] == [0, 1] and merged["config"]["method_seeds"] == {"max_softmax": [0, 1]}
    assert merged["config"]["params"] == single["config"]["params"]
    assert [Path(p).parent.name for p in merged["config"]["merged_from"]] == ["s0", "s1"]
    # order of the parts does not matter; a merged result merges again
    again = merge_results([tmp_path / "merged"])
    assert format_table(merge_results([parts / "s1", parts / "s0"])) == format_table(single) == format_table(again)


def test_merge_of_a_merged_part(parts, tmp_path):
    merge_results([parts / "s0"], output=str(tmp_path / "m0"))
    res = merge_results([tmp_path / "m0", parts / "s1" / "results.json"])
    assert format_table(res) == format_table(_load(parts / "single"))
    assert len(res["config"]["merged_from"]) == 2


def test_merge_skips_its_own_output_folder(parts, tmp_path):
    out = tmp_path / "std"
    for seed in (0, 1):
        shutil.copytree(parts / f"s{seed}", out / f"s{seed}")
    merge_results([out / "s0", out / "s1"], output=str(out / "merged"))
    with pytest.warns(UserWarning, match="skipping .*merged"):  # results/std/* matches the output folder too
        res = merge_results(sorted(out.iterdir()), output=str(out / "merged"))
    assert format_table(res) == format_table(_load(parts / "single"))


def test_merge_ragged_seeds_and_method_order(parts, tmp_path):
    def rename(res):  # one seed of another method
        for key in ("runs", "summary"):
            res[key] = {"entropy": res[key]["max_softmax"]}
        cfg = res["config"]
        cfg["methods"], cfg["params"] = ["entropy"], {"entropy": cfg["params"]["max_softmax"]}
        cfg["method_seeds"] = {"entropy": [0]}

    other = _edited_copy(parts / "s0", tmp_path / "entropy", rename)
    res = merge_results([other, parts / "s1", parts / "s0"])
    assert res["config"]["methods"] == ["max_softmax", "entropy"]  # order of METHODS
    assert res["config"]["method_seeds"] == {"max_softmax": [0, 1], "entropy": [0]}
    table = format_table(res)
    rows = [line for line in table.splitlines() if line.startswith("| ")]
    assert rows[0].startswith("| method | n | Acc")
    assert rows[1].startswith("| max_softmax | 2 |") and "±" in rows[1]
    assert rows[2].startswith("| entropy | 1 |") and "±" not in rows[2]
    assert "each method's n seeds" in table


def test_merge_reads_results_without_method_seeds(parts, tmp_path):
    old = _edited_copy(parts / "s1", tmp_path / "old", lambda res: res["config"].pop("method_seeds"))
    assert format_table(merge_results([parts / "s0", old])) == format_table(_load(parts / "single"))


@pytest.mark.parametrize(
    "key, value",
    [("budget", "standard"), ("n_train", 100), ("dataset", "mnist"), ("in_classes", [0, 1]), ("ood_sets", {"noise": 271})],
)
def test_merge_refuses_different_protocols(parts, tmp_path, key, value):
    other = _edited_copy(parts / "s1", tmp_path / "other", lambda res: res["config"].__setitem__(key, value))
    with pytest.raises(ValueError, match=rf"different protocols: '{key}' is .* in .*s0.* but {re.escape(repr(value))} in .*other"):
        merge_results([parts / "s0", other])


def test_merge_refuses_different_method_parameters(parts, tmp_path):
    def edit(res):
        res["config"]["params"]["max_softmax"]["max_epochs"] = 99

    other = _edited_copy(parts / "s1", tmp_path / "other", edit)
    with pytest.raises(ValueError, match="method 'max_softmax' was run with different parameters"):
        merge_results([parts / "s0", other])


def test_merge_keeps_only_the_chosen_methods(parts, tmp_path, capsys):
    """A part with an older run of a method that another part reruns: keep its other methods only."""
    def edit(res):
        res["runs"]["ova"] = res["runs"]["max_softmax"]
        res["config"]["methods"] = ["max_softmax", "ova"]
        res["config"]["method_seeds"] = {"max_softmax": [0, 1], "ova": [0, 1]}
        res["config"]["params"]["ova"] = {"max_epochs": 7}
        res["config"]["params"]["max_softmax"]["max_epochs"] = 99  # the older run

    old = _edited_copy(parts / "single", tmp_path / "old", edit)
    with pytest.raises(ValueError, match="different parameters"):
        merge_results([old, parts / "s0", parts / "s1"])
    base = merge_results([old], methods=["ova"], output=str(tmp_path / "base"))
    assert base["config"]["methods"] == ["ova"] and set(base["runs"]) == {"ova"}
    assert base["config"]["params"] == {"ova": {"max_epochs": 7}}
    both = merge_results([tmp_path / "base", parts / "s0", parts / "s1"])
    assert both["config"]["methods"] == ["max_softmax", "ova"]
    assert both["runs"]["max_softmax"] == _load(parts / "single")["runs"]["max_softmax"]
    assert both["config"]["params"]["max_softmax"] == _load(parts / "single")["config"]["params"]["max_softmax"]
    # the same from the command line; parts left without a chosen method are dropped
    rc = main(["merge", str(old), str(parts / "s0"), "--methods", "ova", "--output", str(tmp_path / "cli")])
    assert rc == 0 and set(_load(tmp_path / "cli")["runs"]) == {"ova"}
    with pytest.raises(ValueError, match=r"methods: \['nope'\] not in any part; the parts hold \['max_softmax'\]"):
        merge_results([parts / "s0"], methods=["nope"])
    capsys.readouterr()
    assert main(["merge", str(parts / "s0"), "--methods", "nope", "--output", ""]) == 2
    assert "methods: ['nope'] not in any part" in capsys.readouterr().err


def test_merge_refuses_duplicate_method_seed(parts, tmp_path, capsys):
    copy = shutil.copytree(parts / "s0", tmp_path / "s0_again")
    with pytest.raises(ValueError, match=r"method 'max_softmax' seed 0 is in both .*s0.* and .*s0_again"):
        merge_results([parts / "s0", parts / "s1", copy])
    assert main(["merge", str(parts / "s0"), str(parts / "single"), "--output", ""]) == 2
    assert "gan-ova merge: error: paths: method 'max_softmax' seed 0 is in both" in capsys.readouterr().err


def test_merge_errors(parts, tmp_path, capsys):
    with pytest.raises(ValueError, match="paths: expected at least one"):
        merge_results([])
    with pytest.raises(FileNotFoundError, match="no results.json in"):
        merge_results([parts / "s0", tmp_path / "nothing"])
    (tmp_path / "bad.json").write_text("{}")
    with pytest.raises(ValueError, match="not a benchmark results.json"):
        merge_results([tmp_path / "bad.json"])
    assert main(["merge", str(tmp_path / "nothing"), "--output", ""]) == 2
    assert "gan-ova merge: error: paths: no results.json" in capsys.readouterr().err


# ---- the table's spread ------------------------------------------------------


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


def test_docs_budget_table_matches_budgets():
    """docs/benchmarks.rst states every budget as BUDGETS holds it (retune both together)."""
    text = (Path(__file__).resolve().parents[1] / "docs" / "benchmarks.rst").read_text()
    table = text[text.index(".. list-table:: Named budgets"):].split("\n\n", 2)[1].split("\n\n")[0]
    rows = [[c.strip() for c in re.split(r"\n\s+- ", row)] for row in table.split("* - ")[1:]]
    documented = {(r[0], "digits" if r[1].startswith("digits") else "fashion_mnist"): r[2:] for r in rows[1:]}
    expected = {}
    for (dataset, budget), entry in BUDGETS.items():
        if dataset == "mnist":
            assert entry == BUDGETS[("fashion_mnist", budget)]  # documented in the same row
            continue
        u, b = entry["uqgan"], entry["*"]
        expected[(budget, dataset)] = [
            f"{u['cae_max_epochs']} autoencoder + {u['max_epochs']} stage-2 epochs, batch {u['batch_size']}",
            f"{b['max_epochs']} epochs, batch {b['batch_size']}",
        ]
    assert documented == expected


def test_uqgan_and_uqgan_ts_share_one_fit_per_seed(monkeypatch, tmp_path):
    """Asked together, uqgan is the calibrated fit evaluated at T = 1: the same numbers as fitting it alone."""
    monkeypatch.setitem(BUDGETS, ("digits", "quick"), TINY)
    calls = []
    real_fit = GANShieldedOvAClassifier.fit

    def counting_fit(self, *args, **kwargs):
        calls.append(self.calibration)
        return real_fit(self, *args, **kwargs)

    monkeypatch.setattr(GANShieldedOvAClassifier, "fit", counting_fit)
    both = run_benchmark("digits", methods=["uqgan", "uqgan_ts"], seeds=[0, 1], verbose=0, output=tmp_path / "both")
    assert calls == ["temperature", "temperature"]  # one fit per seed
    calls.clear()
    alone = run_benchmark("digits", methods=["uqgan"], seeds=[2], verbose=0, output=tmp_path / "alone")
    alone["runs"]["uqgan"] = [run_benchmark("digits", methods=["uqgan"], seeds=[s], verbose=0)["runs"]["uqgan"][0]
                              for s in (0, 1)]
    assert calls == [None, None, None]
    # parts with and without shared fits merge
    merged = merge_results([tmp_path / "both", tmp_path / "alone"])
    assert merged["config"]["method_seeds"]["uqgan"] == [0, 1, 2]
    for a, b in zip(both["runs"]["uqgan"], alone["runs"]["uqgan"]):
        assert a["shared_fit"] == "uqgan_ts" and "shared_fit" not in b
        assert "calibration_temperature" not in a
        for key in ("accuracy", "ece", "fp_auroc"):
            assert a[key] == b[key], key
        assert a["ood"] == b["ood"]
    assert "shared_fit" not in both["summary"]["uqgan"]
    # a different uqgan configuration is fitted separately
    calls.clear()
    run_benchmark("digits", methods=["uqgan", "uqgan_ts"], seeds=[0], verbose=0,
                  overrides={"uqgan": {"lambda_reg": 8.0}})
    assert calls == [None, "temperature"]


# ---- shield diagnostics in the table, --set -------------------------------------------


def test_run_benchmark_records_shield_diagnostics(monkeypatch, tmp_path):
    """Every UQGAN fit records the end-of-training shield statistics per class; baselines do not."""
    monkeypatch.setitem(BUDGETS, ("digits", "quick"), TINY)
    calls = []
    real = GANShieldedOvAClassifier.shield_diagnostics
    monkeypatch.setattr(GANShieldedOvAClassifier, "shield_diagnostics",
                        lambda self, *a, **k: calls.append(1) or real(self, *a, **k))
    res = run_benchmark("digits", methods=["uqgan", "uqgan_ts", "ova"], seeds=[0], verbose=0, output=tmp_path)
    assert len(calls) == 1  # once per fit: uqgan and uqgan_ts share theirs
    sh = res["runs"]["uqgan"][0]["shields"]
    assert set(sh) == {"distance_ratio", "own_head_p", "reconstruction_head_p"}
    for name, per_class in sh.items():
        assert list(per_class) == ["0", "1", "2", "3", "4"], name
        assert all(np.isfinite(v) and v >= 0 for v in per_class.values()), name
    assert all(0 <= v <= 1 for v in sh["own_head_p"].values())
    assert res["runs"]["uqgan_ts"][0]["shields"] == sh  # one shared fit
    assert "shields" not in res["runs"]["ova"][0]
    # the same numbers as asking the fitted estimator directly (seeded shields)
    data = load_protocol("digits", "0-4")
    est = GANShieldedOvAClassifier(**dict(res["config"]["params"]["uqgan"], random_state=0)).fit(
        data["X_train"], data["y_train"])
    direct = est.shield_diagnostics(data["X_train"], data["y_train"], random_state=0)
    assert np.allclose(list(sh["distance_ratio"].values()), direct.distance_ratio)
    assert np.allclose(list(sh["reconstruction_head_p"].values()), direct.reconstruction_head_p)
    # the summary and the table
    assert res["summary"]["uqgan"]["shields"]["own_head_p"]["3"]["mean"] == sh["own_head_p"]["3"]
    md = (tmp_path / "results.md").read_text()
    assert "Shield diagnostics at the end of training" in md
    assert f"| uqgan | 3 | {sh['distance_ratio']['3']:.2f} | {sh['own_head_p']['3']:.3f} |" in md
    assert "| ova | 0 |" not in md
    # the best validation accuracy of the checkpointed classifier, recorded per fit
    assert res["runs"]["uqgan"][0]["valid_accuracy"] == max(est.shielding_net_.history[:, "valid_acc"])
    assert res["runs"]["uqgan_ts"][0]["valid_accuracy"] == res["runs"]["uqgan"][0]["valid_accuracy"]


def test_run_benchmark_records_validation_accuracy_of_every_method(monkeypatch, tmp_path):
    """Settings are chosen on the validation split fit holds out: every method records its accuracy there."""
    monkeypatch.setitem(BUDGETS, ("digits", "quick"), TINY)
    res = run_benchmark("digits", methods=["max_softmax", "ensemble"], seeds=[0], verbose=0, output=tmp_path)
    data = load_protocol("digits", "0-4")
    ens = METHODS["ensemble"][0](**dict(res["config"]["params"]["ensemble"], random_state=0)).fit(
        data["X_train"], data["y_train"])
    members = [max(net.history[:, "valid_acc"]) for net in ens.nets_]
    assert len(members) == 5
    assert res["runs"]["ensemble"][0]["valid_accuracy"] == pytest.approx(np.mean(members))
    assert 0.5 < res["runs"]["max_softmax"][0]["valid_accuracy"] <= 1
    assert res["summary"]["max_softmax"]["valid_accuracy"]["mean"] == res["runs"]["max_softmax"][0]["valid_accuracy"]


def test_merge_with_parts_recorded_before_shield_diagnostics(monkeypatch, tmp_path):
    """A part written before the shields were recorded merges; the statistics average the seeds that have them."""
    monkeypatch.setitem(BUDGETS, ("digits", "quick"), TINY)
    run_benchmark("digits", methods=["uqgan"], seeds=[0], verbose=0, output=tmp_path / "new")
    run_benchmark("digits", methods=["uqgan"], seeds=[1], verbose=0, output=tmp_path / "old")
    old = _load(tmp_path / "old")
    del old["runs"]["uqgan"][0]["shields"]
    (tmp_path / "old" / "results.json").write_text(json.dumps(old))
    for order in (["new", "old"], ["old", "new"]):
        merged = merge_results([tmp_path / p for p in order])
        new_run = merged["runs"]["uqgan"][merged["config"]["method_seeds"]["uqgan"].index(0)]
        s = merged["summary"]["uqgan"]
        assert s["shields"]["distance_ratio"]["2"] == {"mean": new_run["shields"]["distance_ratio"]["2"], "std": 0.0}
        assert s["accuracy"]["mean"] == pytest.approx(np.mean([r["accuracy"] for r in merged["runs"]["uqgan"]]))
        assert "Shield diagnostics" in format_table(merged)


def test_cli_set_overrides(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(BUDGETS, ("digits", "quick"), TINY)
    rc = main(["benchmark", "--methods", "uqgan,uqgan_ts,ova", "--seeds", "0", "--quiet", "--output", str(tmp_path),
               "--set", "uqgan*.lambda_reg=8", "--set", "uqgan*.shield_residuals=true", "--set", "ova.max_epochs=1",
               "--set", "uqgan.generator_hidden=[32, 32]"])
    assert rc == 0, capsys.readouterr().err
    params = _load(tmp_path)["config"]["params"]
    assert params["uqgan"]["lambda_reg"] == 8 and params["uqgan_ts"]["lambda_reg"] == 8
    assert params["uqgan"]["shield_residuals"] is True and params["uqgan_ts"]["shield_residuals"] is True
    assert params["ova"]["max_epochs"] == 1 and "lambda_reg" not in params["ova"]
    assert params["uqgan"]["generator_hidden"] == [32, 32] and "generator_hidden" not in params["uqgan_ts"]


@pytest.mark.parametrize(
    "item, message",
    [
        ("uqgan.lambda_reg", r"--set: expected METHOD.PARAM=VALUE .* got 'uqgan.lambda_reg'"),
        ("lambda_reg=8", r"--set: expected METHOD.PARAM=VALUE .* got 'lambda_reg=8'"),
        ("ensemble.max_epochs=2", r"--set: 'ensemble' matches none of the methods run \(\['ova'\]\)"),
        ("ova.lambda_reg=8", r"overrides\['ova'\]: unknown parameter\(s\) \['lambda_reg'\] of OvAClassifier"),
        ("ova.random_state=3", r"overrides\['ova'\]: unknown parameter\(s\) \['random_state'\].*comes from the seeds"),
    ],
)
def test_cli_set_errors(item, message, capsys):
    assert main(["benchmark", "--methods", "ova", "--seeds", "0", "--output", "", "--set", item]) == 2
    assert re.search(message, capsys.readouterr().err)


def test_run_benchmark_overrides_errors():
    with pytest.raises(ValueError, match=r"overrides: method 'uqgan' is not among the methods run \(\['ova'\]\)"):
        run_benchmark(methods=["ova"], seeds=[0], verbose=0, overrides={"uqgan": {"lambda_reg": 1}})
    with pytest.raises(ValueError, match=r"overrides\['ova'\]: expected a dict parameter -> value, got int"):
        run_benchmark(methods=["ova"], seeds=[0], verbose=0, overrides={"ova": 3})
