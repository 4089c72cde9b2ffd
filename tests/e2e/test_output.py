"""Output modes of list and get, as scripts and people see them.

The subprocess story of this area; the rest of its tests run in process in tests/cli/test_output.py.
"""

from __future__ import annotations

import json

import httpx
import yaml

from tests.conftest import Server
from tests.fakeposthog import FULL_KEY


def server_json(server: Server, path: str) -> object:
    response = httpx.get(f"{server.url}{path}", headers={"Authorization": f"Bearer {FULL_KEY}"})
    response.raise_for_status()
    return response.json()


def test_list_json_is_the_servers_objects_unchanged(server: Server) -> None:
    result = server.run("list", "-o", "json")
    assert result.returncode == 0
    assert json.loads(result.stdout) == server_json(server, "/api/projects/1/experiments/?limit=100")["results"]


def test_get_json_is_the_servers_object_unchanged(server: Server) -> None:
    exp_id = server.ids["checkout-redesign"]
    result = server.run("get", "checkout-redesign", "-o", "json")
    assert json.loads(result.stdout) == server_json(server, f"/api/projects/1/experiments/{exp_id}/")


def test_yaml_mode(server: Server) -> None:
    listed = yaml.safe_load(server.run("list", "-o", "yaml").stdout)
    assert listed == server_json(server, "/api/projects/1/experiments/?limit=100")["results"]
    one = yaml.safe_load(server.run("get", "pricing-copy", "-o", "yaml").stdout)
    assert one["feature_flag_key"] == "pricing-copy"
