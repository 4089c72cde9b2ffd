"""Tags (issue 34.6): specs, list filters, and bulk_update_tags planned and confirmed."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from tests.conftest import Server
from tests.support.area_apply import write_specs


def _flags(server: Server, *args: str) -> list[str]:
    out = server.run("list", *args, "-o", "plain", "--columns", "flag").stdout
    return sorted(out.split())


def test_tag_add_remove_set_and_the_list_filters(cloud: Server) -> None:
    added = cloud.run("tag", "add", "Checkout, q3", "pricing-copy", "checkout-redesign", "--yes")
    assert added.returncode == 0, added
    assert "Tagged 2 experiments" in added.stderr
    assert _flags(cloud, "--tag", "q3") == ["checkout-redesign", "pricing-copy"]
    assert _flags(cloud, "--tag", "checkout", "--exclude-tag", "q3") == []
    assert cloud.run("tag", "remove", "q3", "--status", "running", "--yes").returncode == 0
    assert _flags(cloud, "--tag", "q3") == ["pricing-copy"]
    assert cloud.run("tag", "set", "solo", "pricing-copy", "--yes").returncode == 0
    assert json.loads(cloud.run("get", "pricing-copy", "-o", "json").stdout)["tags"] == ["solo"]
    asked = cloud.run("tag", "add", "x", "pricing-copy")
    assert asked.returncode == 2 and "pass --yes" in asked.stderr, "a bulk write is confirmed"
    body = json.loads(cloud.fake.requests("POST", "/bulk_update_tags/")[0].body)
    assert body == {"ids": body["ids"], "action": "add", "tags": ["checkout", "q3"]}


def test_tags_in_specs_are_written_exported_and_round_trip(cloud: Server, tmp_path: Path) -> None:
    spec = "name: Tagged\nfeature_flag_key: tagged\ntags: [Checkout, ' Q3 ']\n"
    specs = write_specs(tmp_path / "specs", {"t.yaml": spec})
    assert cloud.run("apply", "-f", str(specs), "--yes").returncode == 0
    exported = yaml.safe_load(cloud.run("export", "tagged").stdout)
    assert exported["tags"] == ["checkout", "q3"]
    cloud.fake.clear_log()
    assert cloud.run("diff", "-f", str(specs)).returncode == 0, "PostHog's lowercased tags are the spec's"
    bad = write_specs(tmp_path / "bad", {"t.yaml": "name: T\nfeature_flag_key: t\ntags: ['']\n"})
    assert "tags must be a list of at most 100 names" in cloud.run("validate", "-f", str(bad)).stdout
