"""PostHog's own health checks of an experiment, and expctl's test only where PostHog gives none.

PostHog tests the split itself (``experiment_exposures_query_runner.py``): the exposure
answer's ``sample_ratio_mismatch`` is ``{expected, p_value}`` (a chi-square goodness of fit,
``$multiple`` and excluded variants left out), or null below ``SRM_MINIMUM_SAMPLE_SIZE = 100``
exposures or two variants; the experiment's ``health`` findings carry the same p-value as
code ``srm`` when it is below ``SAMPLE_RATIO_MISMATCH_P_VALUE = 0.001``
(``health/checks/srm.py``). ``bias_risk`` (``analysis_health.py``: "uneven split + EXCLUDE
handling + observed $multiple share above the threshold") rides on the exposure answer, and
as finding ``bias_risk_multiple_excluded`` (``health/checks/bias_risk.py``) on the experiment.

Which answer counts, in order: the exposure answer's key (present, even null, means PostHog
decided), then an ``srm`` finding, then expctl's chi-square (said to be expctl's).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeGuard

from expctl.core.results.srm import SampleRatioCheck, format_p

POSTHOG = "PostHog"
SRM_MINIMUM_SAMPLE_SIZE = 100


@dataclass(frozen=True)
class SplitCheck:
    """The sample-ratio verdict to show: a test (anyone's) or why there is none."""

    test: SampleRatioCheck | None
    note: str | None = None  # e.g. PostHog tests only from 100 exposures


@dataclass(frozen=True)
class BiasRisk:
    multiple_percentage: float  # the share of users seen in more than one variant, 0-100

    def words(self) -> str:
        return (
            f"PostHog warns of bias: {self.multiple_percentage:g}% of users saw more than one variant and are "
            "excluded on an uneven split (even the split, or count users in their first-seen variant)"
        )


def split_check(
    experiment: Mapping[str, Any],
    exposures_raw: Mapping[str, Any] | None,
    observed: Mapping[str, int] | None,
    local: SampleRatioCheck | None,
) -> SplitCheck:
    """PostHog's sample-ratio answer where it gave one, else ``local`` (expctl's test)."""
    if exposures_raw is not None and "sample_ratio_mismatch" in exposures_raw:
        answer = exposures_raw.get("sample_ratio_mismatch")
        if isinstance(answer, Mapping) and _is_number(answer.get("p_value")):
            return SplitCheck(_from_answer(answer, observed or {}))
        return SplitCheck(None, f"PostHog tests the split from {SRM_MINIMUM_SAMPLE_SIZE} exposures in 2 variants")
    finding = _finding(experiment, "srm")
    evidence = finding.get("evidence") if finding else None
    p_value = evidence.get("p_value") if isinstance(evidence, Mapping) else None
    if _is_number(p_value) and observed:
        shares = local.expected_share if local is not None else {}
        counted = local.observed if local is not None else dict(observed)
        return SplitCheck(SampleRatioCheck(counted, shares, None, max(len(counted) - 1, 1), float(p_value), POSTHOG))
    return SplitCheck(local)


def bias_risk(experiment: Mapping[str, Any], exposures_raw: Mapping[str, Any] | None) -> BiasRisk | None:
    risk: Any = (exposures_raw or {}).get("bias_risk")
    if not isinstance(risk, Mapping):
        finding = _finding(experiment, "bias_risk_multiple_excluded")
        risk = finding.get("evidence") if finding else None
    share = risk.get("multiple_variant_percentage") if isinstance(risk, Mapping) else None
    return BiasRisk(float(share)) if _is_number(share) else None


def srm_words(check: SampleRatioCheck, *, statistic: bool = False) -> str:
    """The test's outcome in one phrase, naming who tested (expctl only where PostHog gave
    no test); ``statistic`` adds expctl's χ² (PostHog sends only the p-value)."""
    who = "PostHog's test" if check.source == POSTHOG else "expctl's test: PostHog gave none"
    chi = f"χ² = {check.statistic:.1f}, " if statistic and check.statistic is not None else ""
    return f"{chi}{format_p(check.p_value)}, {who}"


def _from_answer(answer: Mapping[str, Any], observed: Mapping[str, int]) -> SampleRatioCheck:
    expected = answer.get("expected") if isinstance(answer.get("expected"), Mapping) else {}
    assert isinstance(expected, Mapping)
    counts = {str(k): float(v) for k, v in expected.items() if _is_number(v)}
    total = sum(counts.values()) or 1.0
    shares = {k: v / total for k, v in counts.items()}
    counted = {k: int(observed.get(k, 0)) for k in shares} if shares else dict(observed)
    return SampleRatioCheck(counted, shares, None, max(len(shares) - 1, 1), float(answer["p_value"]), POSTHOG)


def _finding(experiment: Mapping[str, Any], code: str) -> Mapping[str, Any] | None:
    findings = experiment.get("health")
    if not isinstance(findings, list):
        return None
    return next((f for f in findings if isinstance(f, Mapping) and f.get("code") == code), None)


def _is_number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
