"""Property-based tests of the spec pipeline (hypothesis).

* For any valid spec, applying it and planning again finds nothing to do.
* For any input file at all, reading specs never raises anything but a reported problem.
"""

from __future__ import annotations

import contextlib
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from expctl.api.backend import ApiBackend
from expctl.api.experiments import ExperimentsApi
from expctl.core.apply.execute import execute, load_state
from expctl.core.apply.items import ERROR
from expctl.core.apply.plan import plan
from expctl.core.specs.load import check_document
from expctl.core.specs.yaml_source import Document, SpecFileError, decode, load_documents
from expctl.standin.demo import add_demo_experiments
from tests.fakeposthog import FakePostHog
from tests.support.clients import client_for

KEY = st.from_regex(r"[a-z][a-z0-9-]{0,15}", fullmatch=True)
NAME = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40).filter(
    lambda s: s.strip() != ""
)


@st.composite
def variants(draw: Any) -> list[dict[str, Any]]:
    others = draw(
        st.lists(
            st.from_regex(r"[a-z]{1,8}", fullmatch=True).filter(lambda k: k != "control"),
            min_size=1,
            max_size=4,
            unique=True,
        )
    )
    keys = ["control", *others]
    cuts = sorted(draw(st.lists(st.integers(0, 100), min_size=len(keys) - 1, max_size=len(keys) - 1)))
    bounds = [0, *cuts, 100]
    return [{"key": k, "rollout_percentage": bounds[i + 1] - bounds[i]} for i, k in enumerate(keys)]


@st.composite
def specs(draw: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {"name": draw(NAME), "feature_flag_key": draw(KEY)}
    if draw(st.booleans()):
        spec["description"] = draw(st.text(max_size=60))
    if draw(st.booleans()):
        spec["variants"] = draw(variants())
    if draw(st.booleans()):
        spec["state"] = draw(st.sampled_from(["draft", "running", "paused", "stopped"]))
    if draw(st.booleans()):
        spec["archived"] = draw(st.booleans())
    if draw(st.booleans()):
        spec["type"] = draw(st.sampled_from(["product", "web"]))
    if draw(st.booleans()):
        spec["stats_config"] = {"method": draw(st.sampled_from(["bayesian", "frequentist"]))}
    if draw(st.booleans()):
        events = st.sampled_from(["purchase", "signup", "$pageview"])
        spec["metrics"] = [
            {"kind": "ExperimentMetric", "metric_type": "mean", "source": {"kind": "EventsNode", "event": draw(events)}}
            for _ in range(draw(st.integers(0, 2)))
        ]
    return spec


def _spec_objects(raw: list[dict[str, Any]]) -> list[Any]:
    out = []
    for index, value in enumerate(raw):
        spec, problems = check_document(Document("generated.yaml", index, value))
        assert problems == [], problems
        out.append(spec)
    return out


def _apply_then_plan(flavour: str, raw: list[dict[str, Any]]) -> None:
    fake = FakePostHog(flavour)
    add_demo_experiments(fake)
    backend = ApiBackend(ExperimentsApi(client_for(fake)))
    objects = _spec_objects(raw)
    first = plan(objects, load_state(backend, objects))
    assert not first.has_errors, [i.errors for i in first.items]
    execution = execute(first, backend, parallel=2)
    assert [o.error for o in execution.outcomes if o.error] == []
    second = plan(objects, load_state(backend, objects))
    leftover = [
        (i.key, i.action, [c.field for c in i.changes], i.moves) for i in second.items if i.pending or i.action == ERROR
    ]
    assert leftover == []


unique_specs = st.lists(specs(), min_size=1, max_size=3, unique_by=lambda s: s["feature_flag_key"]).filter(
    lambda specs_: all(
        s["feature_flag_key"] not in ("checkout-redesign", "pricing-copy", "onboarding-checklist", "signup-funnel")
        for s in specs_
    )
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(unique_specs)
def test_applied_specs_have_no_diff_on_current_cloud(raw: list[dict[str, Any]]) -> None:
    _apply_then_plan("cloud", raw)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(unique_specs)
def test_applied_specs_have_no_diff_on_an_older_release(raw: list[dict[str, Any]]) -> None:
    _apply_then_plan("legacy", raw)


YAMLISH = st.lists(
    st.sampled_from(
        [
            "name: x",
            "feature_flag_key: k",
            "---",
            "- a",
            "  b: [1, 2",
            "&a [1]",
            "*a",
            "'",
            '"',
            ":",
            "? x",
            "!!str 1",
            "!!python/object:os.system x",
            "{",
            "}",
            "\t",
            "key: &x {a: *x}",
            "<<: *a",
            "...",
            "%YAML 1.2",
            "| \n  text",
        ]
    ),
    max_size=12,
).map("\n".join)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=200), YAMLISH))
def test_any_text_gives_specs_or_problems_never_a_crash(text: str) -> None:
    try:
        documents = load_documents(text, "fuzz.yaml")
    except SpecFileError:
        return
    for document in documents:
        check_document(document)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_any_bytes_are_decoded_or_refused(data: bytes) -> None:
    try:
        text = decode(data, "fuzz.yaml")
    except SpecFileError:
        return
    with contextlib.suppress(SpecFileError):
        load_documents(text, "fuzz.yaml")
