"""At home in the shell: completion, api, streaming, no prompts, open, doctor."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import Server
from tests.fakeposthog import READ_ONLY_KEY, seed_experiments
from tests.support.cli import EXPCTL, REPO


def test_completion_offers_cached_flag_keys_without_a_server(cloud: Server) -> None:
    assert cloud.run("list").returncode == 0  # fills the cache
    cloud.stop()
    env = dict(cloud.env, _EXPCTL_COMPLETE="complete_bash")

    def complete(words: str, cword: int) -> subprocess.CompletedProcess[str]:
        asked = dict(env, COMP_WORDS=words, COMP_CWORD=str(cword))
        return subprocess.run([str(EXPCTL)], env=asked, capture_output=True, text=True, timeout=120, check=False)

    result = complete("expctl get ch", 2)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["checkout-redesign"]
    assert complete("expctl la", 1).stdout.split() == ["launch"]
    assert complete("expctl list --arc", 2).stdout.split() == ["--archived"]


def test_completion_works_from_the_bash_script(cloud: Server, tmp_path: Path) -> None:
    assert cloud.run("list").returncode == 0
    script = cloud.run("completion", "bash").stdout
    driver = tmp_path / "drive.sh"
    driver.write_text(
        script
        + '\nCOMP_WORDS=(expctl get pri); COMP_CWORD=2\n_expctl_completion expctl\nprintf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    env = dict(cloud.env, PATH=f"{EXPCTL.parent}:{os.environ.get('PATH', '')}")
    result = subprocess.run(["bash", str(driver)], env=env, capture_output=True, text=True, timeout=120, check=False)
    assert result.stdout.split() == ["pricing-copy"], result.stderr


def test_completion_works_from_the_fish_script(cloud: Server, tmp_path: Path) -> None:
    fish = shutil.which("fish")
    if fish is None:
        if os.environ.get("EXPCTL_REQUIRE_FISH"):
            pytest.fail("fish is not installed, and .ci/run requires it")
        pytest.skip("fish is not installed (.ci/run installs it)")
    assert cloud.run("list").returncode == 0
    script = tmp_path / "expctl.fish"
    script.write_text(cloud.run("completion", "fish").stdout)
    env = dict(cloud.env, PATH=f"{EXPCTL.parent}:{os.environ.get('PATH', '')}", XDG_CONFIG_HOME=str(tmp_path))
    probe = f"source {script}; complete -C 'expctl get pri'; echo @@; complete -C 'expctl li'; echo @@; complete -C 'expctl list --arch'"
    result = subprocess.run(
        [fish, "-N", "-c", probe], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    keys, commands, options = (
        [line.split("\t")[0] for line in part.strip().splitlines()] for part in result.stdout.split("@@\n")
    )
    assert keys == ["pricing-copy"], result.stderr
    assert commands == ["list"]
    assert options == ["--archived"]


def test_completion_command_rejects_unknown_shells(cloud: Server) -> None:
    assert cloud.run("completion", "tcsh").returncode == 2


def test_api_get_post_and_paginate(server: Server) -> None:
    got = server.run("api", "GET", "experiments/", "-F", "limit=2")
    assert got.returncode == 0, got
    assert json.loads(got.stdout)["count"] == 3 and len(json.loads(got.stdout)["results"]) == 2
    full = server.run("api", "GET", "/api/projects/{project}/experiments/" + str(server.ids["pricing-copy"]) + "/")
    assert json.loads(full.stdout)["feature_flag_key"] == "pricing-copy"
    created = server.run(
        "api", "POST", "experiments/", "-f", "name=From api", "-f", "feature_flag_key=from-api", "-F", "parameters={}"
    )
    assert created.returncode == 0, created
    assert json.loads(created.stdout)["name"] == "From api"
    seed_experiments(server.fake, 120)
    pages = server.run("api", "GET", "experiments/", "--paginate", "-o", "jsonl")
    assert len(pages.stdout.splitlines()) == 124
    as_array = server.run("api", "GET", "experiments/", "--paginate")
    assert len(json.loads(as_array.stdout)) == 124


def test_api_errors_print_the_body_and_exit_with_the_mapped_code(cloud: Server, tmp_path: Path) -> None:
    missing = cloud.run("api", "GET", "experiments/424242/")
    assert missing.returncode == 5
    assert json.loads(missing.stdout)["detail"] == "Not found."
    body = tmp_path / "body.json"
    body.write_text(json.dumps({"name": "x"}))
    rejected = cloud.run("api", "POST", "experiments/", "--input", str(body))
    assert rejected.returncode == 6 and "(field: feature_flag_key)" in rejected.stderr
    url = cloud.run("api", "GET", "https://evil.example/api/projects/1/experiments/")
    assert url.returncode == 2 and "not a URL" in url.stderr
    assert cloud.fake.requests("GET", "424242")


def test_jsonl_streams_and_head_returns_at_once(cloud: Server) -> None:
    seed_experiments(cloud.fake, 5000)
    later_pages = cloud.fake.gate(method="GET", path_contains="/experiments/", query_has="offset")
    shell = f"{EXPCTL} list --all -o jsonl | head -1"
    result = subprocess.run(
        ["bash", "-c", shell], env=cloud.env, capture_output=True, text=True, timeout=120, check=False, cwd=REPO
    )
    later_pages.open()
    assert result.returncode == 0
    assert json.loads(result.stdout)["id"]
    assert "BrokenPipe" not in result.stderr and "Traceback" not in result.stderr, result.stderr
    # head had its line from the first page, and expctl ended quietly without asking for
    # any of the nine pages after it (the test server would have held them)
    assert later_pages.waiting == 0
    assert len(cloud.fake.requests("GET", "/experiments/")) == 1


def test_nothing_prompts_without_a_terminal(cloud: Server, tmp_path: Path) -> None:
    spec = tmp_path / "s.yaml"
    spec.write_text("name: New\nfeature_flag_key: brand-new\n")
    for args in (
        ["delete", "pricing-copy"],
        ["reset", "checkout-redesign"],
        ["end", "checkout-redesign"],
        ["ship", "checkout-redesign", "--variant", "test", "--release-to-everyone"],
        ["apply", "-f", str(spec)],
        ["auth", "login"],
    ):
        result = cloud.run(
            *args, env={"EXPCTL_API_KEY": cloud.env["EXPCTL_API_KEY"] if args[0] != "auth" else ""}, timeout=120
        )
        assert result.returncode == 2, (args, result)
        assert "--yes" in result.stderr or "--with-token" in result.stderr
    assert cloud.fake.writes() == []


def test_progress_is_never_shown_when_piped(cloud: Server) -> None:
    seed_experiments(cloud.fake, 600)
    result = cloud.run("list", "--all")
    assert result.stderr == ""


def test_open_prints_the_url_and_opens_it_with_web(cloud: Server, tmp_path: Path) -> None:
    url = f"{cloud.url}/project/1/experiments/{cloud.ids['checkout-redesign']}"
    cloud.fake.clear_log()
    by_id = cloud.run("open", str(cloud.ids["checkout-redesign"]))
    assert by_id.stdout.strip() == url
    assert cloud.fake.requests() == [], "an id and a numeric project need no request"
    assert cloud.run("open", "checkout-redesign").stdout.strip() == url
    opened = tmp_path / "opened.txt"
    browser = tmp_path / "browser.sh"
    browser.write_text(f'#!/bin/sh\necho "$1" > {opened}\n')
    browser.chmod(0o755)
    web = cloud.run("open", "checkout-redesign", "--web", env={"BROWSER": str(browser)})
    assert web.returncode == 0
    deadline = time.monotonic() + 60  # the browser is started in the background: wait for its mark
    while not opened.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert opened.read_text().strip() == url


def test_doctor_all_pass_with_a_full_key(server: Server) -> None:
    result = server.run("doctor")
    assert result.returncode == 0, result
    assert "✓ Scopes       experiment:read, experiment:write, query:read" in result.stdout
    if server.flavour == "cloud":
        assert "✓ Lifecycle    action endpoints" in result.stdout
        assert "✓ Results      query endpoint (ExperimentQuery)\n" in result.stdout
    else:
        assert "! Lifecycle    no action endpoints: expctl moves experiments by PATCH" in result.stdout
        assert "! Results      legacy results/ endpoints only" in result.stdout
    assert "✓ Clock" in result.stdout
    assert server.fake.writes() == [] or all(e.status in (400, 404) for e in server.fake.writes()), (
        "probes change nothing"
    )


def test_doctor_finds_a_missing_scope(cloud: Server) -> None:
    result = cloud.run("doctor", env={"EXPCTL_API_KEY": READ_ONLY_KEY})
    assert result.returncode == 4, result
    assert "✗ Scopes       the key lacks experiment:write" in result.stdout
    assert "fix: edit the key at" in result.stdout


def test_doctor_without_a_server(cloud: Server) -> None:
    cloud.stop()
    result = cloud.run("doctor", timeout=120)
    assert result.returncode == 7, result
    assert "✗ Host" in result.stdout and "fix: check --host" in result.stdout


def test_doctor_without_a_key(cloud: Server) -> None:
    result = cloud.run("doctor", env={"EXPCTL_API_KEY": ""})
    assert result.returncode == 4
    assert "✗ API key" in result.stdout and "expctl auth login" in result.stdout


def _offered(server: Server, words: str) -> list[str]:
    asked = dict(server.env, _EXPCTL_COMPLETE="complete_bash", COMP_WORDS=words, COMP_CWORD=str(len(words.split()) - 1))
    done = subprocess.run([str(EXPCTL)], env=asked, capture_output=True, text=True, timeout=120, check=False)
    return done.stdout.split()


def test_completion_forgets_experiments_a_command_found_gone(cloud: Server) -> None:
    assert cloud.run("list").returncode == 0  # fills the cache
    assert _offered(cloud, "expctl get p") == ["pricing-copy"]
    assert cloud.run("delete", "pricing-copy", "--yes").returncode == 0
    assert _offered(cloud, "expctl get p") == []  # deleted by us: gone at once
    # Deleted by someone else: the next command that meets the 404 drops it.
    assert _offered(cloud, "expctl get o") == ["onboarding-checklist"]
    with cloud.fake.store.lock:
        cloud.fake.store.experiments[cloud.ids["onboarding-checklist"]]["deleted"] = True
    assert cloud.run("get", str(cloud.ids["onboarding-checklist"])).returncode == 5
    assert _offered(cloud, "expctl get o") == []
    assert _offered(cloud, "expctl get c") == ["checkout-redesign"]  # the others stay


def _complete(env: dict[str, str], shell: str, line: str) -> list[str]:
    """What typer's completion protocol answers for ``line`` in ``shell`` (the value words)."""
    asked = dict(env, _EXPCTL_COMPLETE=f"complete_{shell}")
    if shell == "bash":
        words = line.split()
        asked.update(COMP_WORDS=line, COMP_CWORD=str(len(words) if line.endswith(" ") else len(words) - 1))
    else:
        asked.update(_TYPER_COMPLETE_ARGS=line, _TYPER_COMPLETE_FISH_ACTION="get-args")
    done = subprocess.run([str(EXPCTL)], env=asked, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    if shell == "zsh":
        return re.findall(r'"([^"]+?)"(?::"[^"]*")?', done.stdout.split("((", 1)[-1]) if "((" in done.stdout else []
    return [row.split("\t")[0] for row in done.stdout.splitlines() if row.strip()]


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_option_values_complete_to_their_words_not_file_names(cloud: Server, shell: str) -> None:
    config = Path(cloud.env["XDG_CONFIG_HOME"]) / "expctl" / "config.yaml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("profiles:\n  prod: {host: 'https://eu.posthog.com'}\n  staging: {}\n")
    config.chmod(0o600)
    env = cloud.env
    assert _complete(env, shell, "expctl results x --fail-on ") == [
        "srm",
        "loser",
        "not-significant",
        "insufficient-data",
    ]
    assert _complete(env, shell, "expctl results x --fail-on srm,l") == ["srm,loser"]
    assert _complete(env, shell, "expctl list -o ") == ["table", "plain", "json", "yaml", "ids", "jsonl"]
    assert _complete(env, shell, "expctl plan -o ") == ["table", "plain", "json", "yaml"]
    assert _complete(env, shell, "expctl list --status r") == ["running"]
    assert _complete(env, shell, "expctl list --order end") == ["end_date"]
    assert _complete(env, shell, "expctl --env ") == ["prod", "staging"]
    assert _complete(env, shell, "expctl --profile st") == ["staging"]
