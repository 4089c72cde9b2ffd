"""expctl log (issue 34.7): an experiment's history from PostHog's activity log."""

from __future__ import annotations

import json

from tests.conftest import Server


def test_log_says_who_changed_which_field_before_and_after(cloud: Server) -> None:
    assert cloud.run("update", "pricing-copy", "--name", "Pricing copy B").returncode == 0
    shown = cloud.run("log", "pricing-copy")
    assert shown.returncode == 0, shown
    assert "hedgehog@example.com  updated" in shown.stdout
    assert 'name: "Pricing page copy" → "Pricing copy B"' in shown.stdout
    entries = json.loads(cloud.run("log", "pricing-copy", "-o", "json").stdout)
    change = entries[0]["detail"]["changes"][0]
    assert (change["field"], change["before"], change["after"]) == ("name", "Pricing page copy", "Pricing copy B")
    assert "version" not in [c["field"] for e in entries for c in e["detail"]["changes"]], "not a change people make"


def test_since_filters_and_is_checked(cloud: Server) -> None:
    assert cloud.run("update", "pricing-copy", "--description", "x").returncode == 0
    assert cloud.run("log", "pricing-copy", "--since", "2999-01-01").stdout == "No changes recorded.\n"
    assert "hedgehog" in cloud.run("log", "pricing-copy", "--since", "30d").stdout
    bad = cloud.run("log", "pricing-copy", "--since", "yesterdayish")
    assert bad.returncode == 2 and "--since yesterdayish" in bad.stderr


def test_a_release_without_the_log_says_so(legacy: Server) -> None:
    result = legacy.run("log", "checkout-redesign")
    assert result.returncode == 6 and "keeps no experiment activity log" in result.stderr


def test_results_say_when_the_metrics_changed_during_the_run(cloud: Server) -> None:
    before = cloud.run("results", "checkout-redesign", "-o", "table")
    assert "changed during the run" not in before.stdout
    assert cloud.run("metrics", "add", "checkout-redesign", "{mean: purchase, name: Late addition}").returncode == 0
    after = cloud.run("results", "checkout-redesign", "-o", "table")
    assert "metrics changed during the run" in after.stdout and "hedgehog@example.com" in after.stdout
