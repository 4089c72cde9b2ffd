"""The experiments resource against the test server (through MockTransport)."""

from __future__ import annotations

from typing import Any

import pytest

from expctl.api.experiments import ExperimentRef, ExperimentsApi
from expctl.api.listing import ListFilters
from expctl.errors import NotFoundError, UsageError
from expctl.model.flagkeys import KeyHint, flag_id_of
from expctl.standin.demo import add_demo_experiments
from expctl.standin.wire import FakeRequest, FakeResponse
from tests.fakeposthog import FakePostHog
from tests.support.clients import client_for


@pytest.fixture(params=["cloud", "legacy"])
def fake(request: pytest.FixtureRequest) -> FakePostHog:
    server = FakePostHog(request.param)
    add_demo_experiments(server)
    return server


def api_for(fake: FakePostHog) -> ExperimentsApi:
    return ExperimentsApi(client_for(fake))


def test_flag_key_lookup_finds_archived_experiments(fake: FakePostHog) -> None:
    api = api_for(fake)
    exp = api.resolve(ExperimentRef.parse("pricing-copy"))
    api.update(exp["id"], {"archived": True})
    assert api.resolve(ExperimentRef.parse("pricing-copy"))["id"] == exp["id"]
    with pytest.raises(NotFoundError):
        api.resolve(ExperimentRef.parse("no-such-flag"))


def test_a_stale_key_hint_is_checked_never_trusted(fake: FakePostHog) -> None:
    """Cached hints that point at the wrong experiment or the wrong flag still find the
    right one; a hint whose experiment no longer carries the key is reported gone."""
    plain = api_for(fake)
    right = plain.resolve(ExperimentRef.parse("pricing-copy"))
    other = plain.resolve(ExperimentRef.parse("checkout-redesign"))
    right_flag = flag_id_of(right)
    gone: list[tuple[int | None, str | None]] = []
    for hint in (
        KeyHint(int(other["id"]), flag_id_of(other)),  # another experiment
        KeyHint(int(right["id"]), 99999),  # the right experiment, a wrong flag
        KeyHint(int(right["id"]), right_flag),  # exactly right
        KeyHint(424242, right_flag),  # an experiment since deleted
    ):
        api = ExperimentsApi(
            client_for(fake), key_hint=lambda key, hint=hint: hint, on_gone=lambda i, key: gone.append((i, key))
        )
        assert api.resolve(ExperimentRef.parse("pricing-copy"))["id"] == right["id"], hint
    # The other experiment's hint, then the deleted one (forgotten by id and by key).
    assert gone == [(None, "pricing-copy"), (424242, None), (None, "pricing-copy")]


def test_refs_that_are_neither_ids_nor_keys_are_refused() -> None:
    with pytest.raises(UsageError):
        ExperimentRef.parse("has space")
    assert ExperimentRef.parse("42").id == 42
    assert ExperimentRef.parse("flag_key-1").id is None


def test_list_filters_are_applied_again_for_servers_that_ignore_them(fake: FakePostHog) -> None:
    api = api_for(fake)
    running = [e["feature_flag_key"] for e in api.iter(ListFilters(status="running"))]
    assert "pricing-copy" not in running and "checkout-redesign" in running
    assert [e for e in api.iter(ListFilters(archived=True))] == []


def test_a_create_whose_answer_was_lost_is_not_created_twice(fake: FakePostHog) -> None:
    api = api_for(fake)
    real = fake.handle

    def lose_answer(request: FakeRequest) -> FakeResponse:
        response = real(request)
        return FakeResponse(status=0, drop=True) if request.method == "POST" else response

    fake.handle = lose_answer  # type: ignore[method-assign]
    created = api.create({"name": "Lost answer", "feature_flag_key": "lost-answer", "parameters": {}})
    fake.handle = real  # type: ignore[method-assign]
    assert created["name"] == "Lost answer"
    matching = [e for e in fake.live_experiments() if e["name"] == "Lost answer"]
    assert len(matching) == 1


def test_a_create_that_never_arrived_is_sent_again(fake: FakePostHog) -> None:
    api = api_for(fake)
    calls: list[str] = []
    real = fake.handle

    def drop_first(request: FakeRequest) -> Any:
        if request.method == "POST" and not calls:
            calls.append("dropped")
            return FakeResponse(status=0, drop=True)
        return real(request)

    fake.handle = drop_first  # type: ignore[method-assign]
    created = api.create({"name": "Retried", "feature_flag_key": "retried", "parameters": {}})
    fake.handle = real  # type: ignore[method-assign]
    assert created["feature_flag_key"] == "retried"
    assert len([e for e in fake.live_experiments() if e["name"] == "Retried"]) == 1


def test_delete_soft_on_cloud_hard_on_legacy(fake: FakePostHog) -> None:
    api = api_for(fake)
    exp = api.resolve(ExperimentRef.parse("pricing-copy"))
    kind = api.delete(exp["id"])
    assert kind == ("soft" if fake.flavour == "cloud" else "hard")
    with pytest.raises(NotFoundError):
        api.get(exp["id"])
