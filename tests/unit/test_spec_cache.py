"""The spec cache (cli/state/spec_cache.py) can save CPU, never change what is read."""

from __future__ import annotations

import json
from pathlib import Path

from expctl.cli.state.spec_cache import SpecCache
from expctl.core.specs.load import load_specs

SPEC = "name: Checkout\nfeature_flag_key: checkout\ndescription: One page\n"


def _load(folder: Path, env: dict[str, str], key: str = "phx_a") -> tuple[list[dict[str, object]], SpecCache]:
    cache = SpecCache.for_env(env, key)
    specs = load_specs([str(folder)], cache=cache)
    cache.save()
    return [s.data for s in specs.specs], cache


def _setup(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    folder = tmp_path / "specs"
    folder.mkdir()
    (folder / "checkout.yaml").write_text(SPEC, encoding="utf-8")
    return folder, {"EXPCTL_CACHE_DIR": str(tmp_path / "cache")}


def test_an_unchanged_file_is_read_from_the_cache_with_the_same_result_and_positions(tmp_path: Path) -> None:
    folder, env = _setup(tmp_path)
    first, _ = _load(folder, env)
    cache = SpecCache.for_env(env, "phx_a")
    assert cache.get(str(folder / "checkout.yaml"), SPEC) is not None, "kept"
    again = load_specs([str(folder)], cache=cache)
    assert [s.data for s in again.specs] == first
    assert str(again.specs[0].where("description")) == f"{folder / 'checkout.yaml'}:3:1"


def test_a_changed_byte_is_read_afresh(tmp_path: Path) -> None:
    folder, env = _setup(tmp_path)
    _load(folder, env)
    (folder / "checkout.yaml").write_text(SPEC.replace("One page", "Two pages"), encoding="utf-8")
    data, _ = _load(folder, env)
    assert data[0]["description"] == "Two pages"


def test_a_planted_or_edited_cache_is_not_believed(tmp_path: Path) -> None:
    folder, env = _setup(tmp_path)
    _load(folder, env)
    path = tmp_path / "cache" / "specs.json"
    header, body = path.read_text().split("\n", 1)
    assert json.loads(header)["seal"], "a header line with the seal, then the body"
    path.write_text(header + "\n" + body.replace("One page", "Planted"))
    data, _ = _load(folder, env)
    assert data[0]["description"] == "One page", "the seal failed: the file was parsed"
    other_key, _ = _load(folder, env, key="phx_other")
    assert other_key[0]["description"] == "One page"


def test_what_a_run_does_to_a_document_never_reaches_the_next_run(tmp_path: Path) -> None:
    folder, env = _setup(tmp_path)
    _load(folder, env)
    cache = SpecCache.for_env(env, "phx_a")
    (doc,) = cache.get(str(folder / "checkout.yaml"), SPEC) or []
    doc.value["description"] = "changed in memory"
    cache.save()
    (fresh,) = SpecCache.for_env(env, "phx_a").get(str(folder / "checkout.yaml"), SPEC) or []
    assert fresh.value["description"] == "One page"


def test_no_cache_folder_use_when_caching_is_off(tmp_path: Path) -> None:
    folder, env = _setup(tmp_path)
    _load(folder, {**env, "EXPCTL_NO_CACHE": "1"})
    assert not (tmp_path / "cache" / "specs.json").exists()
