"""A few realistic experiments, created through the server's own endpoints."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

from expctl.standin.holds import UNHELD
from expctl.standin.server import FakePostHog
from expctl.standin.state import FULL_KEY, iso
from expctl.standin.wire import FakeRequest

# The day the README's dated excerpts were taken: ``python -m expctl.standin --today
# 2026-11-30`` and the tests that check those excerpts pin the server's calendar to it.
DEMO_TODAY = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)


def mean_metrics(count: int, event: str = "purchase") -> list[dict[str, Any]]:
    """``count`` simple mean metrics on one event, for tests that need many metrics."""
    return [
        {
            "kind": "ExperimentMetric",
            "metric_type": "mean",
            "name": f"Metric {i}",
            "source": {"kind": "EventsNode", "event": event},
        }
        for i in range(count)
    ]


CHECKOUT_METRICS = [
    {
        "kind": "ExperimentMetric",
        "metric_type": "funnel",
        "name": "Checkout conversion",
        "uuid": "11111111-1111-4111-8111-111111111111",
        "series": [{"kind": "EventsNode", "event": "checkout_started"}, {"kind": "EventsNode", "event": "purchase"}],
    },
    {
        "kind": "ExperimentMetric",
        "metric_type": "mean",
        "name": "Revenue per user",
        "uuid": "22222222-2222-4222-8222-222222222222",
        "source": {"kind": "EventsNode", "event": "purchase", "math": "sum", "math_property": "revenue"},
    },
]
SECONDARY_METRICS = [
    {
        "kind": "ExperimentMetric",
        "metric_type": "mean",
        "name": "Add to cart",
        "uuid": "33333333-3333-4333-8333-333333333333",
        "source": {"kind": "EventsNode", "event": "add_to_cart"},
    }
]


def call(fake: FakePostHog, method: str, path: str, body: Any = None, project: int = 1, *, unheld: bool = False) -> Any:
    """A request as a client would send it; ``unheld`` passes every barrier and gate (a
    test acting while the client's requests are held)."""
    headers = {"authorization": f"Bearer {FULL_KEY}", "host": "127.0.0.1"}
    if unheld:
        headers[UNHELD] = "1"
    request = FakeRequest.build(
        method, path.format(project=project), "", headers, json.dumps(body).encode() if body is not None else b""
    )
    response = fake.handle(request)
    if response.status >= 400:
        raise RuntimeError(f"{method} {path}: {response.status} {response.body!r}")
    return json.loads(response.body) if response.body else None


def add_demo_experiments(fake: FakePostHog) -> dict[str, int]:
    """Create the demo set; returns flag key -> experiment id."""
    base = "/api/projects/{project}/experiments/"
    ids: dict[str, int] = {}
    if fake.flavour == "cloud":
        checkout = call(
            fake,
            "POST",
            base,
            {
                "name": "Checkout redesign",
                "feature_flag_key": "checkout-redesign",
                "description": "New one-page checkout",
                "parameters": {},
                "metrics": CHECKOUT_METRICS,
                "metrics_secondary": SECONDARY_METRICS,
            },
        )
        call(fake, "PATCH", f"{base}{checkout['id']}/", {"start_date": iso(fake.store.now() - timedelta(days=14))})
        ids["checkout-redesign"] = checkout["id"]
        pricing = call(
            fake,
            "POST",
            base,
            {
                "name": "Pricing page copy",
                "feature_flag_key": "pricing-copy",
                "parameters": {},
                "metrics": CHECKOUT_METRICS[1:],
            },
        )
        ids["pricing-copy"] = pricing["id"]
        onboarding = call(
            fake,
            "POST",
            base,
            {
                "name": "Onboarding checklist",
                "feature_flag_key": "onboarding-checklist",
                "parameters": {
                    "feature_flag_variants": [
                        {"key": "control", "rollout_percentage": 34},
                        {"key": "short", "rollout_percentage": 33},
                        {"key": "long", "rollout_percentage": 33},
                    ]
                },
                "stats_config": {"method": "frequentist"},
                "metrics": CHECKOUT_METRICS[:1],
            },
        )
        start = iso(fake.store.now() - timedelta(days=30))
        end = iso(fake.store.now() - timedelta(days=2))
        call(fake, "PATCH", f"{base}{onboarding['id']}/", {"start_date": start, "end_date": end})
        ids["onboarding-checklist"] = onboarding["id"]
        for key in ("checkout-redesign", "onboarding-checklist"):
            if fake.stored_results:
                daily_recalculation(fake, ids[key])
    else:
        checkout = call(
            fake,
            "POST",
            base,
            {
                "name": "Checkout redesign",
                "feature_flag_key": "checkout-redesign",
                "description": "New one-page checkout",
                "parameters": {
                    "feature_flag_variants": [
                        {"key": "control", "rollout_percentage": 50},
                        {"key": "test", "rollout_percentage": 50},
                    ]
                },
                "filters": {"events": [{"id": "purchase", "type": "events", "order": 0}], "insight": "TRENDS"},
                "secondary_metrics": [
                    {
                        "name": "Signups",
                        "filters": {"events": [{"id": "signup", "type": "events", "order": 0}], "insight": "TRENDS"},
                    }
                ],
            },
        )
        call(fake, "PATCH", f"{base}{checkout['id']}/", {"start_date": iso(fake.store.now() - timedelta(days=14))})
        ids["checkout-redesign"] = checkout["id"]
        funnel = call(
            fake,
            "POST",
            base,
            {
                "name": "Signup funnel",
                "feature_flag_key": "signup-funnel",
                "parameters": {},
                "filters": {
                    "events": [
                        {"id": "$pageview", "type": "events", "order": 0},
                        {"id": "signup", "type": "events", "order": 1},
                    ],
                    "insight": "FUNNELS",
                },
            },
        )
        call(fake, "PATCH", f"{base}{funnel['id']}/", {"start_date": iso(fake.store.now() - timedelta(days=7))})
        ids["signup-funnel"] = funnel["id"]
        pricing = call(
            fake, "POST", base, {"name": "Pricing page copy", "feature_flag_key": "pricing-copy", "parameters": {}}
        )
        ids["pricing-copy"] = pricing["id"]
    fake.clear_log()
    return ids


def daily_recalculation(fake: FakePostHog, experiment_id: int) -> dict[str, Any]:
    """The stored run PostHog's scheduler keeps for a launched experiment
    (``TeamExperimentsConfig.experiment_recalculation_time``: "Time of day (UTC) when
    experiment metrics should be recalculated"; trigger ``auto_refresh`` in the model's
    choices), made here through the API routes and followed to its end."""
    path = f"/api/projects/{{project}}/experiments/{experiment_id}/metrics_recalculation/"
    run = call(fake, "POST", path, {"trigger": "auto_refresh"})
    while run["status"] in ("pending", "in_progress"):
        run = call(fake, "GET", f"{path}{run['id']}/")
    return dict(run)


LEGACY_TRENDS_METRIC = {
    "kind": "ExperimentTrendsQuery",
    "name": "Purchases",
    "count_query": {"kind": "TrendsQuery", "series": [{"kind": "EventsNode", "event": "purchase"}]},
}


def add_legacy_experiments(fake: FakePostHog) -> dict[str, int]:
    """Experiments a current-Cloud project still has from older releases: a goal in
    ``filters`` with ``secondary_metrics`` (before 2025), and metrics of the legacy kind
    ``ExperimentTrendsQuery`` (early 2025). Current PostHog no longer writes either, so the
    second is put in the store as those releases left it."""
    base = "/api/projects/{project}/experiments/"
    goal = {"events": [{"id": "purchase", "type": "events", "order": 0}], "insight": "TRENDS"}
    old = call(
        fake,
        "POST",
        base,
        {
            "name": "Old banner",
            "feature_flag_key": "old-banner",
            "parameters": {},
            "filters": goal,
            "secondary_metrics": [{"name": "Signups", "filters": goal}],
        },
    )
    call(fake, "PATCH", f"{base}{old['id']}/", {"start_date": iso(fake.store.now() - timedelta(days=200))})
    early = call(fake, "POST", base, {"name": "Early 2025 test", "feature_flag_key": "early-2025", "parameters": {}})
    with fake.store.lock:
        fake.store.experiments[early["id"]]["metrics"] = [
            {**LEGACY_TRENDS_METRIC, "uuid": "66666666-6666-4666-8666-666666666666"}
        ]
    fake.clear_log()
    return {"old-banner": old["id"], "early-2025": early["id"]}


def running_time_autosave(fake: FakePostHog, experiment_id: int, days: float) -> None:
    """The web app's running-time auto-save (``persistRunningTimeEstimate`` in
    ``runningTimeLogic.ts``, PR #77437): "a raw experiment PATCH ... fires on essentially
    every results load of a launched experiment", carrying no ``version``, rewriting
    ``running_time_calculation.recommended_*`` and so moving ``version`` and ``updated_at``."""
    path = f"/api/projects/{{project}}/experiments/{experiment_id}/"
    current = call(fake, "GET", path).get("running_time_calculation") or {}
    estimate = {"recommended_running_time": days, "recommended_sample_size": int(days * 1000)}
    call(fake, "PATCH", path, {"running_time_calculation": {**current, **estimate}})
