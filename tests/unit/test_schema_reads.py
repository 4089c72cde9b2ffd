"""expctl reads PostHog's answers under the names PostHog's schema gives them.

Payloads are recorded while the results parser reads them; every key it asks for must be
a property of the definition PostHog's published schema gives that part of the answer
(``tests/fixtures/posthog-query-schema.subset.json``, see ``schema_oracle.py``). A field
read under a wrong name (``difference_type`` at the wrong level, ``exposures`` for
``number_of_samples``) fails here, whatever our own test server happens to send.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from expctl.core.results.read import (
    exposures_from_query,
)
from expctl.core.results.verdicts import (
    from_experiment_query,
)
from expctl.model.metrics import metric_specs
from expctl.standin.demo import call
from tests.fakeposthog import FakePostHog
from tests.support.schema_oracle import _document


class Recorded(dict):  # type: ignore[type-arg]
    """A dict that notes which keys were read, under a path such as ``variant_results[]``."""

    def __init__(self, data: dict[str, Any], path: str, reads: set[tuple[str, str]]) -> None:
        super().__init__({k: _wrap(v, f"{path}.{k}", reads) for k, v in data.items()})
        self._path = path
        self._reads = reads

    def get(self, key: Any, default: Any = None) -> Any:
        self._reads.add((self._path, str(key)))
        return super().get(key, default)

    def __getitem__(self, key: Any) -> Any:
        self._reads.add((self._path, str(key)))
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        self._reads.add((self._path, str(key)))
        return super().__contains__(key)


def _wrap(value: Any, path: str, reads: set[tuple[str, str]]) -> Any:
    if isinstance(value, dict):
        return Recorded(value, path, reads)
    if isinstance(value, list):
        return [_wrap(v, f"{path}[]", reads) for v in value]
    return value


def _properties(definition: str) -> set[str]:
    definitions = _document()["definitions"]
    node = definitions[definition]
    if "anyOf" in node:
        return set().union(*(_properties(ref["$ref"].rsplit("/", 1)[1]) for ref in node["anyOf"]))
    return set(node.get("properties") or {})


# Which schema definition each part of an answer is.
ANSWER_PARTS = {
    "answer": {"CachedExperimentQueryResponse"},
    "answer.baseline": {"ExperimentStatsBaseValidated"},
    "answer.variant_results[]": {"ExperimentVariantResultBayesian", "ExperimentVariantResultFrequentist"},
    "exposures": {"CachedExperimentExposureQueryResponse"},
}


def _experiments(method: str, difference_type: str) -> Iterator[tuple[FakePostHog, dict[str, Any], dict[str, Any]]]:
    """(experiment, metric) pairs for every metric type, answered by the test server."""
    fake = FakePostHog("cloud")
    metrics = [
        {
            "kind": "ExperimentMetric",
            "metric_type": "mean",
            "uuid": "m1",
            "goal": "decrease",
            "source": {"kind": "EventsNode", "event": "purchase"},
        },
        {
            "kind": "ExperimentMetric",
            "metric_type": "funnel",
            "uuid": "m2",
            "series": [{"kind": "EventsNode", "event": "a"}, {"kind": "EventsNode", "event": "b"}],
        },
        {
            "kind": "ExperimentMetric",
            "metric_type": "ratio",
            "uuid": "m3",
            "numerator": {"kind": "EventsNode", "event": "a"},
            "denominator": {"kind": "EventsNode", "event": "b"},
        },
        {
            "kind": "ExperimentMetric",
            "metric_type": "retention",
            "uuid": "m4",
            "start_event": {"kind": "EventsNode", "event": "a"},
            "completion_event": {"kind": "EventsNode", "event": "b"},
            "retention_window_start": 0,
            "retention_window_end": 7,
            "retention_window_unit": "day",
            "start_handling": "first_seen",
        },
    ]
    stats = {"method": method, method: {"difference_type": difference_type}}
    created = call(
        fake,
        "POST",
        "/api/projects/{project}/experiments/",
        {
            "name": "S",
            "feature_flag_key": "s",
            "parameters": {},
            "metrics": metrics,
            "stats_config": stats,
            "allow_unknown_events": True,
        },
    )
    experiment = call(
        fake, "PATCH", f"/api/projects/{{project}}/experiments/{created['id']}/", {"start_date": "2026-11-01T00:00:00Z"}
    )
    assert not fake.schema_violations, fake.schema_violations
    for metric in experiment["metrics"]:
        yield fake, experiment, metric
    yield fake, experiment, {"exposures": True}


@pytest.mark.parametrize("method", ["bayesian", "frequentist"])
@pytest.mark.parametrize("difference_type", ["RELATIVE", "ABSOLUTE"])
def test_every_field_the_results_parser_reads_is_in_posthogs_schema(method: str, difference_type: str) -> None:
    for fake, experiment, metric in _experiments(method, difference_type):
        reads: set[tuple[str, str]] = set()
        if metric.get("exposures"):
            query = {
                "kind": "ExperimentExposureQuery",
                "experiment_id": experiment["id"],
                "experiment_name": "S",
                "feature_flag": {},
                "start_date": None,
                "end_date": None,
            }
            answer = _answer(fake, experiment, query)
            exposures_from_query(_wrap(answer, "exposures", reads))
        else:
            answer = _answer(
                fake, experiment, {"kind": "ExperimentQuery", "experiment_id": experiment["id"], "metric": metric}
            )
            spec = next(s for s in metric_specs(experiment) if s.key == metric["uuid"])
            result = from_experiment_query(spec, _wrap(answer, "answer", reads), experiment["stats_config"])
            assert result.error is None and len(result.rows) == 2
        for path, key in reads:
            allowed = set().union(*(_properties(d) for d in ANSWER_PARTS[path]))
            assert key in allowed, f"expctl reads {path}.{key}, which PostHog's schema does not define"


def _answer(fake: FakePostHog, experiment: dict[str, Any], query: dict[str, Any]) -> dict[str, Any]:
    """The test server's answer to one query, itself checked against the schema."""
    answer = call(fake, "POST", "/api/projects/{project}/query/", {"query": query, "refresh": "force_blocking"})
    assert not fake.schema_violations, fake.schema_violations
    return dict(answer)
