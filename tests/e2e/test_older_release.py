"""The late-2024 self-hosted release: never silently wrong (issue 12).

The ``legacy`` flavour of the test server follows ``ee/clickhouse/views/experiments.py``
of that time (see ``expctl/standin/experiments.py``). Where expctl emulates what the
newer server does (list filters, stats, eligible flags), the same project data is served
by both flavours and the answers must be the same.

The subprocess story of this area; the rest of its tests run in process in tests/cli/test_older_release.py.
"""

from __future__ import annotations

import json

from tests.conftest import Server


def test_doctor_states_what_this_posthog_supports(server: Server) -> None:
    result = server.run("doctor", "-o", "json")
    assert result.returncode == 0, result
    checks = {c["name"]: c for c in json.loads(result.stdout)}
    names = ("Lifecycle", "Listing", "Results", "Stats", "Delete", "Fields")
    if server.flavour == "cloud":
        assert all(checks[n]["status"] == "ok" for n in names), checks
        assert checks["Delete"]["detail"].startswith("soft delete")
    else:
        assert all(checks[n]["status"] == "warn" for n in names), checks
        assert "expctl reads every page and filters and sorts itself" in checks["Listing"]["detail"]
        assert checks["Delete"]["detail"].startswith("hard delete only")
        assert "stats_config" in checks["Fields"]["detail"] and "conclusion" in checks["Fields"]["detail"]
        assert "legacy results/ endpoints only" in checks["Results"]["detail"]
    probes = server.fake.writes()
    assert probes and all("/0/" in e.path and e.status == 404 for e in probes), "doctor changes nothing"
    assert checks["More scopes"]["status"] == "ok"
