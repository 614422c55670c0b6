"""The starter-bot reference of `make bench` and `make load`: its cache, its ratios, its needs.

Nothing here trains or starts Rasa: the real measurement is the benchmarks' own.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from benchmarks import stock_bot
from benchmarks.bench_assistant import latency_figures
from benchmarks.load import stock_comparison


def test_each_rasa_version_has_its_own_cached_bot(tmp_path):
    assert stock_bot.cache_dir("3.6.21", root=tmp_path) == tmp_path / "rasa-3.6.21"
    assert stock_bot.cache_dir("3.6.21", root=tmp_path) != stock_bot.cache_dir("3.6.22", root=tmp_path)
    assert stock_bot.cache_key("3.7.0rc1+local/x") == "rasa-3.7.0rc1_local_x"


def test_the_cache_is_git_ignored():
    root = Path(__file__).resolve().parent.parent
    assert stock_bot.STOCK_ROOT.relative_to(root).parts[0] == "var"
    assert "var/" in (root / ".gitignore").read_text().splitlines()


def test_a_cached_bot_is_used_without_training(tmp_path, monkeypatch):
    monkeypatch.setattr(stock_bot, "rasa_version", lambda: "9.9.9")
    model = tmp_path / "rasa-9.9.9" / "models" / stock_bot.MODEL_NAME
    model.parent.mkdir(parents=True)
    model.write_bytes(b"a trained model")
    monkeypatch.setattr(stock_bot.subprocess, "run", lambda *a, **k: pytest.fail("trained again"))
    bot = stock_bot.ensure_trained(root=tmp_path)
    assert (bot.model, bot.trained_s) == (model, None)


def test_the_installed_rasa_starter_bot_needs_no_action_server():
    rasa = Path(importlib.util.find_spec("rasa").submodule_search_locations[0])
    assert stock_bot.needs_action_server(rasa / "cli" / "initial_project") == []


def test_a_starter_bot_with_custom_actions_is_told_apart(tmp_path):
    (tmp_path / "actions").mkdir()
    (tmp_path / "actions" / "actions.py").write_text("# a comment\nclass ActionHello:  # code\n    pass\n")
    (tmp_path / "endpoints.yml").write_text("action_endpoint:\n  url: http://localhost:5055/webhook\n")
    (tmp_path / "domain.yml").write_text("actions:\n  - action_hello\n")
    assert len(stock_bot.needs_action_server(tmp_path)) == 3


def test_ratios_are_ours_over_stock_and_missing_without_a_stock_figure():
    assert stock_bot.ratio(53.0, 71.0) == 0.75
    assert stock_bot.ratio(32.0, 33.1) == 0.97
    assert stock_bot.ratio(53.0, None) is None
    assert stock_bot.ratio(53.0, 0.0) is None
    assert stock_bot.ratio(float("nan"), 71.0) is None


def test_a_figure_is_printed_beside_its_ratio():
    assert stock_bot.beside(53.0, 71.0, "ms") == "53.0 ms (0.75x stock 71.0 ms)"
    assert stock_bot.beside(32.04, 33.1, "msg/s") == "32.0 msg/s (0.97x stock 33.1 msg/s)"
    assert stock_bot.beside(257, 300, "ms", digits=0) == "257 ms (0.86x stock 300 ms)"
    assert stock_bot.beside(53.0, None, "ms") == "53.0 ms (stock not measured)"


def test_the_bench_results_carry_the_ratios():
    ours = [float(ms) for ms in range(1, 101)]
    figures = latency_figures(ours, stock=[2 * ms for ms in ours])
    assert (figures["messages"], figures["p50_ms"], figures["p95_ms"]) == (100, 50.5, 95.0)
    assert figures["stock"] == {"messages": 100, "p50_ms": 101.0, "p95_ms": 190.0}
    assert (figures["p50_vs_stock"], figures["p95_vs_stock"]) == (0.5, 0.5)
    assert "stock" not in latency_figures([10.0, 12.0])


def test_the_load_comparison_names_throughput_and_p95_as_ratios():
    assert stock_comparison(rate=32.0, p95=257.0, stock_rate=33.1, stock_p95=300.0) == (
        "the assistant at 8 conversations against the stock starter bot (2 processes, nginx): "
        "32.0 msg/s (0.97x stock 33.1 msg/s), p95 257 ms (0.86x stock 300 ms)"
    )
