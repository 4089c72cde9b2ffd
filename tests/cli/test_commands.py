"""Every command's options, outputs and errors, in process (see tests/cli/conftest.py).

Each case runs on a fresh demo project of the current-Cloud test server: Checkout
redesign (id 1, running), Pricing page copy (id 2, draft), Onboarding checklist (id 3,
ended, frequentist, three variants).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.cli.conftest import InProcess, invoke_and_assert

# (args, exit code, texts on stdout, texts on stderr)
CASES: list[tuple[tuple[str, ...], int, tuple[str, ...], tuple[str, ...]]] = [
    # list
    (("list", "-o", "ids"), 0, ("3\n2\n1\n",), ()),
    (("list", "--status", "running", "-o", "ids"), 0, ("1\n",), ()),
    (("list", "--status", "draft", "-o", "ids"), 0, ("2\n",), ()),
    (("list", "--status", "complete", "-o", "ids"), 0, ("3\n",), ()),
    (("list", "--order", "name", "-o", "ids"), 0, ("1\n3\n2\n",), ()),
    (("list", "--search", "pricing", "-o", "ids"), 0, ("2\n",), ()),
    (("list", "--limit", "1", "-o", "ids"), 0, ("3\n",), ("Showing 1 of 3 experiments (from 0)",)),
    (("list", "--limit", "1", "--offset", "2", "-o", "ids"), 0, ("1\n",), ()),
    (("list", "--archived", "-o", "ids"), 0, (), ()),
    (("list", "--columns", "id,flag", "-o", "plain"), 0, ("1\tcheckout-redesign\n",), ()),
    (("list", "-o", "jsonl"), 0, ('"feature_flag_key":"checkout-redesign"',), ()),
    (("list", "--status", "bogus"), 2, (), ("--status 'bogus' is not one of draft, running",)),
    (("list", "--limit", "0"), 2, (), ("0 is not in the range x>=1",)),
    (("list", "-o", "xml"), 2, (), ("xml",)),
    # get
    (("get", "1", "-o", "ids"), 0, ("1\n",), ()),
    (("get", "checkout-redesign", "-o", "json"), 0, ('"name": "Checkout redesign"',), ()),
    (("get", "pricing-copy", "-o", "yaml"), 0, ("name: Pricing page copy",), ()),
    (("get", "999"), 5, (), ("experiment 999 not found in project 1",)),
    (("get", "no-such-key"), 5, (), ("no experiment uses the feature flag key 'no-such-key'",)),
    (("get", "bad!key"), 2, (), ("is neither an experiment id nor a feature flag key",)),
    # create / update
    (
        ("create", "--name", "New", "--flag-key", "new-one", "--variant", "control=50", "--variant", "test=50"),
        0,
        (),
        ("✓ Created 'New' (id 4), flag new-one, draft",),
    ),
    (("create", "--name", "New", "--flag-key", "new-one", "-o", "json"), 0, ('"feature_flag_key": "new-one"',), ()),
    (
        ("create", "--name", "N", "--flag-key", "n", "--variant", "control=60", "--variant", "test=50"),
        2,
        (),
        ("variant percentages must sum to 100, not 110",),
    ),
    (("create", "--name", "X", "--flag-key", "bad!key"), 2, (), ("may contain only letters, digits",)),
    (("create", "--name", "X", "--flag-key", "x", "--set", 'name="Y"'), 2, (), ("use --name instead of --set name",)),
    (("update", "checkout-redesign"), 2, (), ("nothing to change; pass --name, --description or --set",)),
    (
        ("update", "checkout-redesign", "--description", "Hello"),
        0,
        (),
        ("✓ Updated 'Checkout redesign' (id 1): description",),
    ),
    (("update", "checkout-redesign", "--set", "nosuch=1"), 2, (), ("--set nosuch: unknown experiment field",)),
    (
        ("update", "1", "--name", "Checkout redesign"),
        0,
        (),
        ("No changes: 'Checkout redesign' (id 1) already has those values.",),
    ),
    # lifecycle
    (("launch", "pricing-copy"), 0, (), ("✓ Launched 'Pricing page copy' (id 2) at ",)),
    (("launch", "checkout-redesign"), 6, (), ("cannot launch: Experiment has already been launched",)),
    (("pause", "checkout-redesign"), 0, (), ("✓ Paused 'Checkout redesign' (id 1): its flag is off",)),
    (("resume", "checkout-redesign"), 6, (), ("cannot resume: Experiment is not paused",)),
    (("resume", "pricing-copy"), 6, (), ("launch it with `expctl launch pricing-copy`",)),
    (("end", "checkout-redesign", "--yes"), 0, (), ("✓ Ended 'Checkout redesign' (id 1) at ",)),
    (("end", "checkout-redesign"), 2, (), ("needs confirmation, and there is no terminal to ask on; pass --yes",)),
    (("end", "pricing-copy", "--yes"), 6, (), ("cannot end: Experiment has not been launched yet",)),
    (
        ("end", "checkout-redesign", "--conclusion", "maybe", "--yes"),
        2,
        (),
        ("--conclusion must be one of won, lost, inconclusive, stopped_early, invalid",),
    ),
    (("reset", "onboarding-checklist", "--yes"), 0, (), ("Reset",)),
    (("reset", "onboarding-checklist"), 2, (), ("pass --yes to confirm",)),
    (("ship", "checkout-redesign", "--variant", "nope"), 2, (), ("variant 'nope' is not one of control, test",)),
    (("ship", "checkout-redesign", "--variant", "test"), 0, (), ("Shipped variant 'test' of 'Checkout redesign'",)),
    (("freeze-exposure", "checkout-redesign"), 0, (), ("✓ Froze exposure of 'Checkout redesign' (id 1)",)),
    (("unfreeze-exposure", "checkout-redesign"), 6, (), ("cannot unfreeze-exposure",)),
    (("archive", "onboarding-checklist"), 0, (), ("✓ Archived 'Onboarding checklist' (id 3)",)),
    (("unarchive", "onboarding-checklist"), 6, (), ("cannot unarchive: Experiment is not archived",)),
    (("archive", "onboarding-checklist", "999"), 5, (), ("✓ Archived", "experiment 999 not found")),
    (("delete", "pricing-copy"), 2, (), ("needs confirmation",)),
    (("delete", "pricing-copy", "--yes"), 0, (), ("✓ Deleted 'Pricing page copy' (id 2)",)),
    # other operations
    (("duplicate", "checkout-redesign", "--flag-key", "checkout-copy"), 0, (), ("as 'Checkout redesign (Copy)'",)),
    (("exposure-cohort", "checkout-redesign"), 0, ("1\n",), ("✓ Created exposure cohort 1",)),
    (("exposure-cohort", "pricing-copy"), 6, (), ("Experiment does not have a start date",)),
    (("flag-check", "--event", "purchase"), 0, ("ready: recent 'purchase' events carry feature flag information",), ()),
    (("flag-check", "--event", "$pageview"), 9, ("not ready",), ("Evaluate the experiment's flag",)),
    (("flag-check",), 2, (), ()),
    (("eligible-flags", "-o", "ids"), 0, ("3\n2\n1\n",), ()),
    (("eligible-flags", "--search", "onboarding", "-o", "json"), 0, ('"key":"onboarding-checklist"',), ()),
    (("stats", "-o", "json"), 0, ('"active_experiments": 1',), ()),
    (("stats",), 0, ("Running now:              1",), ()),
    # results
    (("results", "checkout-redesign", "-o", "plain"), 0, ("\tCheckout conversion\tprimary\ttest\t2012\t",), ()),
    (("results", "checkout-redesign", "-o", "markdown"), 0, ("### Experiment results: Checkout redesign",), ()),
    (("results", "checkout-redesign", "--fail-on", "loser"), 9, (), ("gate failed: loser:",)),
    (("results", "checkout-redesign", "--fail-on", "sadness"), 2, (), ("--fail-on 'sadness' is not one of",)),
    (("results", "pricing-copy"), 6, (), ("is a draft: it has no results until it is launched",)),
    (("results", "onboarding-checklist", "-o", "plain"), 0, ("\tshort\t",), ()),
    # metrics, shared metrics, holdouts (issue 16)
    (
        ("metrics", "list", "checkout-redesign", "-o", "plain", "--columns", "role,name"),
        0,
        ("primary\tCheckout conversion\nprimary\tRevenue per user\nsecondary\tAdd to cart\n",),
        (),
    ),
    (
        ("metrics", "move", "checkout-redesign", "Revenue per user", "--to", "1"),
        0,
        (),
        ("✓ Moved primary metric 'Revenue per user' to position 1",),
    ),
    (
        ("metrics", "add", "checkout-redesign", "mean: {event: purchase, summ: revenue}"),
        2,
        (),
        ("SHORTHAND 'mean: {event: purchase, summ: revenue}': mean.summ: unknown key 'summ' (did you mean 'sum'?)",),
    ),
    (("metrics", "remove", "checkout-redesign", "primary:9", "--yes"), 5, (), ("no metric 'primary:9'",)),
    (
        ("shared-metrics", "list", "-o", "plain", "--columns", "id,name,metric"),
        0,
        ("1\tRevenue per user\tmean: {event: purchase, sum: revenue}\n",),
        (),
    ),
    (("shared-metrics", "get", "REVENUE PER USER", "-o", "json"), 0, ('"name": "Revenue per user"',), ()),
    (("holdouts", "list", "-o", "plain", "--columns", "name,held_back"), 0, ("Global holdout\t10%\n",), ()),
    (("holdouts", "create", "--name", "H", "--percentage", "150"), 2, (), ("150",)),
    (
        ("create", "--name", "M", "--flag-key", "m-1", "--metric", "funnel: [purchase]", "-o", "json"),
        0,
        ('"metric_type": "funnel"',),
        ("✓ Created 'M'",),
    ),
    # plan and history (issue 17)
    (("plan", "--baseline-rate", "0.1", "--mde", "5%", "-o", "json"), 0, ('"sample_size_per_variant": 57763',), ()),
    (("plan", "checkout-redesign", "--mde", "20%", "-o", "plain"), 0, ("sample_size_per_variant\t",), ()),
    (("results", "checkout-redesign", "--history", "-o", "json"), 0, ('"daily_results": true',), ()),
    (("results", "checkout-redesign", "--history", "-o", "markdown"), 2, (), ("--history prints table, plain",)),
    # shell, raw API, settings
    (("api", "GET", "/api/projects/1/experiments/1/"), 0, ('"name": "Checkout redesign"',), ()),
    (("api", "GET", "/api/projects/1/experiments/999/"), 5, (), ("Not found.",)),
    (("api", "/api/projects/1/experiments/"), 2, (), ("missing argument 'PATH'",)),
    (("completion", "bash"), 0, ("complete -o default -F _expctl_completion expctl",), ()),
    (("completion", "tcsh"), 2, (), ("tcsh",)),
    (("config", "show"), 0, ("host\thttp://127.0.0.1:8000\tenvironment (EXPCTL_HOST)",), ()),
    (("config", "get", "project"), 0, ("1\n",), ()),
    (("auth", "status"), 0, ("Status:   the key works for hedgehog@example.com",), ()),
    (("--version",), 0, ("expctl 0.1.0",), ()),
    (("--help",), 0, ("Exit codes: 0 ok, 1 error",), ()),
    (("schema", "--path"), 0, ("experiment-spec.schema.json",), ()),
]


@pytest.mark.parametrize(("args", "code", "stdout", "stderr"), CASES, ids=[" ".join(c[0]) for c in CASES])
def test_command(
    project: InProcess, args: tuple[str, ...], code: int, stdout: tuple[str, ...], stderr: tuple[str, ...]
) -> None:
    invoke_and_assert(project, args, code, stdout, stderr)


def test_validate_diff_apply_export_in_process(project: InProcess, tmp_path: Path) -> None:
    out = tmp_path / "specs"
    invoke_and_assert(
        project, ["export", "--all", "-f", str(out)], 0, (), ("✓ Wrote 5 specs to",)
    )  # 3 experiments, the seeded holdout and shared metric
    invoke_and_assert(project, ["validate", "-f", str(out)], 0)
    invoke_and_assert(project, ["diff", "-f", str(out)], 0, ("Plan: 0 to create, 0 to update",))
    spec = yaml.safe_load((out / "pricing-copy.yaml").read_text())
    spec["description"] = "Shorter copy"
    (out / "pricing-copy.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
    invoke_and_assert(project, ["diff", "-f", str(out)], 8, ("+ description: Shorter copy",))
    invoke_and_assert(project, ["apply", "-f", str(out)], 2, (), ("pass --yes",))
    invoke_and_assert(project, ["apply", "-f", str(out), "--yes"], 0, (), ("Applied: 1 updated",))
    invoke_and_assert(project, ["apply", "-f", str(out), "--yes"], 0, (), ("Nothing to apply",))
    plan = invoke_and_assert(project, ["diff", "-f", str(out), "-o", "json"], 0)
    assert all(item["action"] == "unchanged" for item in json.loads(plan.stdout))


def test_invalid_specs_are_listed_on_stdout_and_counted_on_stderr(project: InProcess, tmp_path: Path) -> None:
    spec = tmp_path / "bad.yaml"
    spec.write_text("name: X\nfeature_flag_key: x\nstate: finished\n")
    outcome = invoke_and_assert(project, ["validate", "-f", str(spec)], 2)
    assert outcome.stdout.startswith(f"{spec}:3:8: state must be one of draft")
    assert outcome.stderr == "error: 1 problem in 1 file; nothing was sent\n"


def test_specs_from_standard_input(project: InProcess) -> None:
    text = "name: From stdin\nfeature_flag_key: from-stdin\n"
    invoke_and_assert(project, ["diff", "-f", "-"], 8, ("create from-stdin",), stdin=text)


def test_every_command_answers_help(project: InProcess) -> None:
    from expctl.cli.framework.registry import COMMANDS

    for entry in COMMANDS:
        outcome = project.run(entry.name, "--help")
        assert outcome.returncode == 0 and outcome.stdout.startswith(f"Usage: expctl {entry.name}"), (
            entry.name,
            outcome,
        )


def test_the_older_release_in_process(any_project: InProcess) -> None:
    """The same commands on both flavours: what differs is said, not hidden."""
    invoke_and_assert(any_project, ["list", "--status", "running", "-o", "ids"], 0, ("1\n",))
    invoke_and_assert(any_project, ["stats", "-o", "json"], 0, ('"active_experiments"',))
    deleted = invoke_and_assert(any_project, ["delete", "pricing-copy", "--yes"], 0)
    permanent = "permanently" in deleted.stderr
    assert permanent == (any_project.flavour == "legacy"), deleted
