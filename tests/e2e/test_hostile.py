"""Hostile and broken input, from files and from the server: a clear error, bounded time and memory."""

from __future__ import annotations

import json
import os
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from expctl.standin.wire import FakeRequest, FakeResponse
from tests.conftest import Server
from tests.support.cli import EXPCTL, REPO, Result


def one_error(result: Result, code: int, text: str) -> None:
    assert result.returncode == code, result
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and text in errors[0], result.stderr
    assert "Traceback" not in result.output


# -- files -------------------------------------------------------------------------------


def test_malformed_yaml_points_at_the_line(cloud: Server, tmp_path: Path) -> None:
    spec = tmp_path / "bad.yaml"
    spec.write_text("name: x\nfeature_flag_key: x\nvariants:\n  - key: control\n   rollout_percentage: 50\n")
    result = cloud.run("validate", "-f", str(spec))
    assert result.returncode == 2
    assert result.stdout.startswith(f"{spec}:5:")


def test_alias_bomb_is_refused(cloud: Server, tmp_path: Path) -> None:
    """Its time and memory are measured in tests/benchmarks/hostile.py."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for index, name in enumerate("bcdefghijk"):
        previous = "abcdefghijk"[index]
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text("\n".join(lines) + "\nname: x\nfeature_flag_key: x\n")
    result = cloud.run("validate", "-f", str(bomb))
    assert result.returncode == 2
    assert "expands to more than 200,000 values (YAML aliases?)" in result.stdout


def test_a_100_mb_spec_file_is_refused_without_reading_it(cloud: Server, tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    with big.open("wb") as handle:
        handle.truncate(100 * 1024 * 1024)
    result = cloud.run("validate", "-f", str(big))
    assert result.returncode == 2
    assert "file is 100.0 MiB; spec files are limited to 10 MiB" in result.stdout


def test_binary_non_utf8_and_empty_files(cloud: Server, tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    (tmp_path / "b.yaml").write_bytes("name: caf\xe9\n".encode("latin-1"))
    (tmp_path / "c.yaml").write_text("")
    (tmp_path / "d.yaml").write_text("---\n---\n")
    result = cloud.run("validate", "-f", str(tmp_path))
    assert result.returncode == 2
    assert result.stdout.splitlines() == [
        f"{tmp_path}/a.yaml:3:1: binary file (contains NUL bytes), not YAML",
        f"{tmp_path}/b.yaml:1:10: not UTF-8 text",
        f"{tmp_path}/c.yaml:1:1: no experiment specs in this file (empty?)",
        f"{tmp_path}/d.yaml:1:1: no experiment specs in this file (empty?)",
    ]


def test_duplicate_keys_in_a_mapping(cloud: Server, tmp_path: Path) -> None:
    spec = tmp_path / "dup.yaml"
    spec.write_text("name: a\nfeature_flag_key: k\nname: b\n")
    result = cloud.run("validate", "-f", str(spec))
    assert result.stdout.strip() == f"{spec}:3:1: duplicate key 'name' (first at line 1)"


def test_ten_thousand_specs_in_one_directory(cloud: Server, tmp_path: Path) -> None:
    root = tmp_path / "many"
    root.mkdir()
    for index in range(10_000):
        (root / f"s{index:05d}.yaml").write_text(f"name: E{index}\nfeature_flag_key: e-{index:05d}\nstate: draft\n")
    result = cloud.run("validate", "-f", str(root), timeout=300)
    assert result.returncode == 0, result
    assert "10000 specs in 10000 files: valid" in result.stderr


def test_set_values_that_are_not_json(cloud: Server) -> None:
    one_error(cloud.run("update", "checkout-redesign", "--set", "stats_config={method: x}"), 2, "is not JSON")


def test_ids_that_are_neither_numbers_nor_flag_keys(cloud: Server) -> None:
    one_error(cloud.run("get", "../../etc/passwd"), 2, "neither an experiment id nor a feature flag key")
    assert cloud.fake.requests() == []


# -- the server ------------------------------------------------------------------------------


def test_an_html_error_page_from_a_proxy(cloud: Server) -> None:
    page = FakeResponse.html(502, "<html><body><h1>502 Bad Gateway</h1></body></html>")
    for _ in range(6):
        cloud.fake.script("GET", r"/experiments/$", page)
    one_error(cloud.run("list"), 7, "an HTML page instead of PostHog's JSON (a proxy or load balancer answered")


def test_truncated_json(cloud: Server) -> None:
    def truncated(request: FakeRequest) -> FakeResponse:
        body = json.dumps(
            {"count": 1, "next": None, "previous": None, "results": [{"id": 1, "name": "x" * 500}]}
        ).encode()
        return FakeResponse(200, body, {"Content-Type": "application/json"}, truncate_to=100)

    for _ in range(6):
        cloud.fake.script("GET", r"/experiments/$", truncated)
    result = cloud.run("list")
    one_error(result, 7, "connection to http://127.0.0.1")


def test_truncated_json_with_a_complete_length(cloud: Server) -> None:
    cloud.fake.script(
        "GET",
        r"/experiments/$",
        FakeResponse(200, b'{"count": 1, "results": [{"id"', {"Content-Type": "application/json"}),
    )
    one_error(cloud.run("list"), 1, "not valid JSON (truncated or corrupted)")


def test_a_200_with_an_unexpected_shape(cloud: Server) -> None:
    cloud.fake.script("GET", r"/experiments/$", FakeResponse.json(200, ["not", "a", "page"]))
    one_error(cloud.run("list"), 1, "expected a page with 'results', got list")
    cloud.fake.script("GET", r"/experiments/\d+/$", FakeResponse.json(200, {"detail": "hello"}))
    one_error(cloud.run("get", "1"), 1, "is not an experiment object")


def enormous(request: FakeRequest) -> FakeResponse:
    """About 120 MB of a list page, sent piece by piece."""
    chunk = b'{"results": [' + b'{"id": 1, "name": "padding"},' * 4000

    def body() -> object:
        for _ in range(4000):
            yield chunk

    return FakeResponse(200, headers={"Content-Type": "application/json"}, stream=body())  # type: ignore[arg-type]


def test_an_enormous_response_is_cut_off(cloud: Server) -> None:
    """Its peak memory is measured in tests/benchmarks/hostile.py."""
    cloud.fake.script("GET", r"/experiments/$", enormous)
    one_error(cloud.run("list"), 1, "larger than the 64.0 MiB expctl reads")


def test_a_next_link_to_another_host_is_not_followed_with_credentials(cloud: Server) -> None:
    from tests.fakeposthog import seed_experiments

    seed_experiments(cloud.fake, 250)
    real = cloud.fake.handle

    def rewrite_next(request: FakeRequest) -> FakeResponse:
        response = real(request)
        if request.path.endswith("/experiments/") and response.status == 200:
            page = json.loads(response.body)
            if page.get("next"):
                page["next"] = page["next"].replace(cloud.url, "http://attacker.invalid:1")
                return FakeResponse.json(200, page)
        return response

    cloud.fake.handle = rewrite_next  # type: ignore[method-assign]
    result = cloud.run("list", "--all", "-o", "ids")
    assert result.returncode == 0, result
    assert len(result.stdout.split()) == 253


# -- secrets ---------------------------------------------------------------------------------

RECOGNISABLE_KEY = "phx_CANARYCANARYCANARYCANARYCANARY0001"


def test_the_key_never_appears_anywhere(server: Server, tmp_path: Path) -> None:
    server.fake.store.keys[RECOGNISABLE_KEY] = type(server.fake.store.keys[next(iter(server.fake.store.keys))])(
        RECOGNISABLE_KEY, 1, ["*"]
    )
    env = {"EXPCTL_API_KEY": RECOGNISABLE_KEY}
    spec = tmp_path / "s.yaml"
    spec.write_text("name: Canary\nfeature_flag_key: canary\nstate: running\n")
    commands = [
        ["--debug", "list"],
        ["--debug", "get", "checkout-redesign", "-o", "json"],
        ["--debug", "create", "--name", "C2", "--flag-key", "canary-two"],
        ["--debug", "update", "canary-two", "--description", "x"],
        ["--debug", "launch", "canary-two"],
        ["--debug", "results", "checkout-redesign", "-o", "json"],
        ["--debug", "apply", "-f", str(spec), "--yes"],
        ["--debug", "diff", "-f", str(spec)],
        ["--debug", "export", "canary"],
        ["--debug", "api", "GET", "experiments/"],
        ["--debug", "get", "999999"],
        ["--debug", "doctor"],
        ["config"],
        ["auth", "status", "-o", "json"],
        ["--debug", "delete", "canary-two", "--yes"],
    ]
    collected = []
    for args in commands:
        result = server.run(*args, env=env)
        collected.append(result.output)
    everything = "\n".join(collected)
    assert "[REDACTED]" in everything
    assert RECOGNISABLE_KEY not in everything
    assert "CANARYCANARY" not in everything


def test_the_key_is_not_in_the_process_arguments(cloud: Server) -> None:
    listing = cloud.fake.gate(method="GET")  # expctl is running, with the key loaded, until the test has looked
    process = subprocess.Popen(
        [str(EXPCTL), "list"], env=cloud.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO
    )
    try:
        assert listing.wait_for(1)
        cmdline = Path(f"/proc/{process.pid}/cmdline").read_bytes()
    finally:
        listing.open()
        process.wait(timeout=60)
    assert cloud.env["EXPCTL_API_KEY"].encode() not in cmdline
    assert b"list" in cmdline


@pytest.mark.parametrize(
    ("host", "message"),
    [
        ("http://posthog.example.com", "refusing to send the API key over plain http"),
        ("https://user:s3cr3tpw@eu.posthog.com", "contains a user name or password"),
        ("https://eu.posthog.com/path", "has a path"),
        ("https://eu.posthog.com/?x=1", "has a query or fragment"),
    ],
)
def test_transport_rules(cloud: Server, host: str, message: str) -> None:
    result = cloud.run("list", "--host", host)
    one_error(result, 2, message)
    assert "s3cr3tpw" not in result.stderr
    assert cloud.fake.requests() == []


def test_insecure_http_only_with_the_flag(cloud: Server) -> None:
    refused = cloud.run("list", "--host", "http://localhost.invalid:1")
    assert refused.returncode == 2
    allowed = cloud.run("list", "--host", "http://posthog.invalid:1", "--allow-insecure-http", timeout=120)
    assert allowed.returncode == 7, allowed  # allowed through, then nothing answers there


def test_ca_bundle_that_cannot_be_loaded(cloud: Server, tmp_path: Path) -> None:
    bad = tmp_path / "ca.pem"
    bad.write_text("not a certificate")
    result = cloud.run("list", "--host", "https://127.0.0.1:1", "--ca-bundle", str(bad))
    one_error(result, 2, "cannot load CA bundle")
    assert os.path.exists(bad)


class _WebPage(BaseHTTPRequestHandler):
    """An ordinary web server (nginx's welcome page) where PostHog was expected."""

    def do_GET(self) -> None:
        body = b"<!doctype html><html><head><title>Welcome to nginx!</title></head><body></body></html>"
        self.send_response(404 if self.path.startswith("/api/users") else 200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def web_server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _WebPage)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_a_host_that_is_not_posthog_fails_the_host_check_with_exit_7(cloud: Server, web_server: str) -> None:
    env = {"EXPCTL_HOST": web_server}
    doctor = cloud.run("doctor", env=env)
    assert doctor.returncode == 7, doctor
    lines = doctor.stdout.splitlines()
    host = next(line for line in lines if "Host" in line)
    assert host.startswith("✗") and "is not a PostHog API" in host
    assert not any(name in doctor.stdout for name in ("Key ", "Project", "Scopes")), doctor.stdout
    one_error(cloud.run("list", env=env), 7, f"{web_server} is not a PostHog API")
    one_error(cloud.run("get", "1", env=env), 7, "is not a PostHog API")


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("args", [["list", "-o", "json"], ["report", "checkout-redesign"], ["export", "--all"]])
def test_a_full_standard_output_is_one_line_and_exit_11(cloud: Server, args: list[str]) -> None:
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [str(EXPCTL), *args],
            env=cloud.env,
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            cwd=REPO,
            timeout=120,
            check=False,
        )
    assert done.returncode == 11, done.stderr
    assert done.stderr == "error: could not write to standard output: No space left on device\n"


def test_a_number_of_thousands_of_digits_or_infinity_in_a_spec_is_a_positioned_problem(
    cloud: Server, tmp_path: Path
) -> None:
    spec = tmp_path / "big.yaml"
    spec.write_text(
        "name: x\nfeature_flag_key: x\nvariants:\n  - key: control\n    rollout_percentage: " + "9" * 5000 + "\n"
    )
    result = cloud.run("validate", "-f", str(spec))
    assert result.returncode == 2, result
    assert result.stdout == f"{spec}:5:25: a number of 5,000 digits: more than any field takes\n"
    spec.write_text("name: x\nfeature_flag_key: x\nparameters: {minimum_detectable_effect: .inf}\n")
    result = cloud.run("validate", "-f", str(spec))
    assert result.returncode == 2 and result.stdout.startswith(f"{spec}:3:") and "out of JSON's range" in result.stdout
