"""The least API scopes each command needs on current PostHog Cloud: one table, which
docs/reference.md prints (``python -m expctl.cli.framework.reference``) and a test runs, each row's
example with a key holding exactly those scopes.

Read off PostHog's viewsets (``scope_object`` and the actions' ``required_scopes``): the
experiments viewset is ``experiment`` (its list actions ``stats/``,
``calculate_running_time/`` and ``requires_flag_implementation/`` read, as do
``metrics_recalculation/latest/`` and ``timeseries_results/``; asking for a recalculation
and every lifecycle action write), ``query`` is read for every query, shared metrics and holdouts have their
own objects (``experiment_saved_metric``, ``experiment_holdout``; older releases use
``experiment``), ``eligible_feature_flags/`` is ``feature_flag:read``, and the project's
experiment settings are ``project``. A write scope includes its read.
"""

from __future__ import annotations

from typing import NamedTuple


class Needs(NamedTuple):
    command: str  # as typed, with a representative example
    scopes: tuple[str, ...]
    note: str = ""


READ = ("experiment:read",)
WRITE = ("experiment:write",)

SCOPES: tuple[Needs, ...] = (
    Needs("list", READ),
    Needs("get checkout-redesign", READ),
    Needs("stats", READ),
    Needs("log checkout-redesign", (*READ, "activity_log:read")),
    Needs("migrate early-2025", WRITE, "needs a legacy experiment (the stand-in's legacy set)"),
    Needs(
        "tag add checkout pricing-copy --yes", WRITE, "bulk_update_tags: PAT access via experiment:write (PR #74331)"
    ),
    Needs("create --name 'Checkout v3' --flag-key checkout-v3", WRITE),
    Needs(
        "create --name 'V3' --flag-key v3 --shared-metric 'Revenue per user'", (*WRITE, "experiment_saved_metric:read")
    ),
    Needs("create --name 'V4' --flag-key v4 --holdout 'Global holdout'", (*WRITE, "experiment_holdout:read")),
    Needs("update pricing-copy --description 'Shorter copy'", WRITE),
    Needs("archive onboarding-checklist", WRITE),
    Needs("unarchive onboarding-checklist", WRITE, "after archive"),
    Needs("delete pricing-copy --yes", WRITE),
    Needs("duplicate pricing-copy --flag-key pricing-copy-2", WRITE),
    Needs("copy pricing-copy --to-project 2", WRITE, "the key must reach both projects"),
    Needs("launch pricing-copy", WRITE),
    Needs("pause checkout-redesign", WRITE),
    Needs("resume checkout-redesign", WRITE, "after pause"),
    Needs("end checkout-redesign --yes", WRITE),
    Needs("ship checkout-redesign --variant test --yes", WRITE),
    Needs("reset onboarding-checklist --yes", WRITE),
    Needs("freeze-exposure checkout-redesign", WRITE),
    Needs("exposure-cohort checkout-redesign", WRITE),
    Needs("metrics list checkout-redesign", READ),
    Needs("metrics add pricing-copy 'mean: purchase'", WRITE),
    Needs("shared-metrics list", ("experiment_saved_metric:read",)),
    Needs("shared-metrics create --name Orders --metric 'mean: purchase'", ("experiment_saved_metric:write",)),
    Needs("shared-metrics link pricing-copy 'Revenue per user'", (*WRITE, "experiment_saved_metric:read")),
    Needs("holdouts list", ("experiment_holdout:read",)),
    Needs("holdouts create --name 'Q1 holdout' --percentage 5", ("experiment_holdout:write",)),
    Needs(
        "results checkout-redesign",
        READ,
        "PostHog's stored results; + query:read where the server stores none (older releases) or a metric is new",
    ),
    Needs("results checkout-redesign --refresh", WRITE, "asks PostHog to recalculate (metrics_recalculation)"),
    Needs("results checkout-redesign --history", READ, "query:read adds the exposures per day"),
    Needs("report checkout-redesign", READ, "+ query:read without stored results; project:read: the default MDE"),
    Needs(
        "decide checkout-redesign --policy specs/policy.yaml",
        READ,
        "+ query:read without stored results; activity_log:read: mid-run changes",
    ),
    Needs("decide checkout-redesign --policy specs/policy.yaml --apply --yes", WRITE, "PostHog's ship action"),
    Needs("review", READ, "stored results: no query where the server keeps them"),
    Needs("plan checkout-redesign", READ, "+ query:read without stored results; project:read: the default MDE"),
    Needs("plan --baseline-rate 0.1 --mde 5%", (), "offline"),
    Needs("validate -f specs/", (), "offline"),
    Needs("render -f specs/", (), "offline"),
    Needs("demo", (), "its own stand-in on 127.0.0.1: no key of yours"),
    Needs(
        "promote --from staging --to prod --yes",
        WRITE,
        "read in the source, written in the target; + experiment_holdout:read and experiment_saved_metric:read "
        "in both when experiments use holdouts or shared metrics; + action:read / cohort:read when metrics use them",
    ),
    Needs("diff -f specs/", READ, "+ experiment_holdout:read / experiment_saved_metric:read when specs name them"),
    Needs("apply -f specs/ --yes", WRITE, "+ the …:write scope of holdout and shared-metric documents"),
    Needs("export --all -f specs/", READ, "+ holdout and shared-metric reads to export them (else ids)"),
    Needs("flag-check --event purchase", READ),
    Needs("eligible-flags", ("feature_flag:read",)),
    Needs("auth login --with-token --insecure-storage", READ, "user:read adds the key owner's email"),
    Needs("doctor", ("experiment:write", "query:read"), "exits 4 naming each scope the experiment commands miss"),
)
