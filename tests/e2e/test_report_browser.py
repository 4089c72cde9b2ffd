"""The shareable report in a real browser: headless Chromium opens the file with
networking off; it renders without a console error, its charts are there with their text
alternatives, and what PostHog sent is shown, never run (issue 27)."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

from tests.conftest import Server
from tests.support.browser import console_errors, render


class Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parsed(dom: str) -> Elements:
    parsed = Elements()
    parsed.feed(dom)
    return parsed


def test_a_report_renders_offline_with_its_charts_and_nothing_runs(cloud: Server, tmp_path: Path) -> None:
    hostile = "<script>alert('pwned')</script> checkout"
    experiment_id = cloud.ids["checkout-redesign"]
    cloud.fake.store.experiments[experiment_id]["name"] = hostile
    cloud.fake.store.experiments[experiment_id]["description"] = "<img src=https://example.com/x.png>"
    page = tmp_path / "report.html"
    made = cloud.run("report", "checkout-redesign", "-f", str(page))
    assert made.returncode == 0, made
    dom, log = render(page, tmp_path / "profile")
    assert console_errors(log) == []
    parsed = _parsed(dom)
    tags = [tag for tag, _ in parsed.tags]
    assert "script" not in tags and "img" not in tags, "PostHog's text is shown, never run or loaded"
    assert hostile in "".join(parsed.text)
    charts = [attrs for tag, attrs in parsed.tags if tag == "svg" and "chart" in (attrs.get("class") or "")]
    assert len(charts) >= 5, "three metrics, exposures per day, one daily series"
    assert all(attrs.get("role") == "img" and attrs.get("aria-labelledby") for attrs in charts)
    assert tags.count("title") >= len(charts) + 1 and tags.count("desc") == len(charts)
    text = " ".join(parsed.text)
    for words in ("Sample ratio", "Exposures per day", "Day by day", "Plan", "win chance", "Made "):
        assert words in text, words


def test_all_running_reports_and_their_index_render(cloud: Server, tmp_path: Path) -> None:
    out = tmp_path / "reports"
    made = cloud.run("report", "--all", "--status", "running", "-f", str(out))
    assert made.returncode == 0, made
    files = sorted(p.name for p in out.iterdir())
    assert files == ["checkout-redesign-1.html", "index.html"], files
    dom, log = render(out / "index.html", tmp_path / "profile")
    assert console_errors(log) == []
    links = [attrs.get("href") for tag, attrs in _parsed(dom).tags if tag == "a"]
    assert set(links) == {name for name in files if name != "index.html"}
