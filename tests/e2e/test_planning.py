"""Plan and follow an experiment (issue 17), end to end against the test server.

The subprocess story of this area; the rest of its tests run in process in tests/cli/test_planning.py.
"""

from __future__ import annotations

import json

from tests.conftest import Server


def test_the_offline_plan_sends_nothing_and_needs_no_key(cloud: Server) -> None:
    cloud.fake.clear_log()
    result = cloud.run(
        "plan", "--baseline-rate", "0.10", "--mde", "5%", "--daily-exposures", "8000", "-o", "json",
        env={"EXPCTL_API_KEY": "", "EXPCTL_HOST": "http://127.0.0.1:9"},
    )  # fmt: skip
    assert result.returncode == 0, result
    data = json.loads(result.stdout)
    assert (data["sample_size_per_variant"], data["total_sample_size"], data["days_needed"]) == (57763, 115526, 15)
    assert cloud.fake.requests() == []
    table = cloud.run(
        "plan", "--baseline-mean", "40", "--baseline-stddev", "60", "--mde", "3%", "--variants", "3", "-o", "table"
    )
    assert table.returncode == 0, table
    assert "Bonferroni: alpha 0.025 for each of the 2 comparisons with control" in table.stdout
    assert "per variant         47,526" in table.stdout
    missing = cloud.run("plan", "--baseline-rate", "0.1")
    assert missing.returncode == 2
    assert missing.stderr.strip() == "error: give --mde, the smallest relative change worth detecting (e.g. --mde 5%)"
