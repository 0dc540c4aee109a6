"""The scale registry and the pure scoring engine.

``score`` validates a whole form (collecting every issue, raising once), evaluates the
safety rules on the answered items first (they are never skipped), then scores the total
by the scale's domains and classifies it with a band convention, or, for the C-SSRS
screener, triages it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from trdcare.assessments.domain import cssrs_screener, gad7, hamd17, madrs, phq9, qids_sr16
from trdcare.assessments.domain.model import SafetyFlag, Scale, ScaleResult
from trdcare.core.checks import check_option
from trdcare.core.errors import IssueCollector

_SCALES: Mapping[str, Scale] = {
    scale.id: scale
    for scale in (
        phq9.SCALE,
        gad7.SCALE,
        qids_sr16.SCALE,
        hamd17.SCALE,
        madrs.SCALE,
        cssrs_screener.SCALE,
    )
}

SCALE_IDS: tuple[str, ...] = tuple(_SCALES)
"""Identifiers of every supported scale."""

_YES = frozenset({"yes", "y", "1"})
_NO = frozenset({"no", "n", "0"})
NOT_ASKED = "-"
"""CLI token for an unanswered or unasked item."""


def get_scale(scale_id: str) -> Scale:
    """The :class:`Scale` named ``scale_id``.

    Raises
    ------
    InvalidInput
        Field ``scale``: unknown id; the message lists the allowed ids.
    """
    check_option("scale", scale_id, SCALE_IDS)
    return _SCALES[scale_id]


def _is_yes_no(scale: Scale) -> bool:
    return scale.id == cssrs_screener.SCALE_ID


def _describe_token(scale: Scale, key: str) -> str:
    if _is_yes_no(scale):
        return f"yes/no (yes, y, 1, no, n, 0) or {NOT_ASKED} (not asked)"
    return f"{scale.item(key).describe_allowed()} or {NOT_ASKED} (missing)"


def _min_positional(scale: Scale) -> int:
    """Trailing conditional items (C-SSRS ``6_recent``) may be left off positional input."""
    count = len(scale.items)
    while count > 0 and scale.items[count - 1].asked_when is not None:
        count -= 1
    return count


def _parse_value(scale: Scale, key: str, token: str, issues: IssueCollector) -> int | None:
    text = token.strip().lower()
    if _is_yes_no(scale):
        if text in _YES:
            return 1
        if text in _NO:
            return 0
    elif text.isdecimal() and int(text) in scale.item(key).allowed_values:
        return int(text)
    issues.add(
        f"items.{key}", "not an allowed answer", allowed=_describe_token(scale, key), given=token
    )
    return None


def parse_answers(scale_id: str, tokens: Sequence[str]) -> dict[str, int]:
    """Parse CLI tokens into validated answers.

    Parameters
    ----------
    scale_id : str
        One of :data:`SCALE_IDS`.
    tokens : sequence of str
        Either answers in item order (``["1", "0", "2", ...]``) or ``key=value`` pairs
        (``["9=1", "1=2"]``), not both. ``-`` marks an unanswered (C-SSRS: not asked) item.
        The C-SSRS screener accepts ``yes``/``no``/``y``/``n``/``1``/``0``; its trailing
        ``6_recent`` may be left off positional input.

    Returns
    -------
    dict of str to int
        Answers keyed ``"1"`` .. ``"n"`` in item order; unanswered items are absent.

    Raises
    ------
    InvalidInput
        Every problem at once, each naming its field (``items.9``, ``tokens``), what is
        allowed and what was given.
    """
    scale = get_scale(scale_id)
    issues = IssueCollector()
    keys = scale.item_keys
    parsed: dict[str, int] = {}
    keyed = [token for token in tokens if "=" in token]
    if keyed and len(keyed) != len(tokens):
        issues.add(
            "tokens",
            "mixes answers in item order with key=value pairs",
            allowed="either all answers in item order or all key=value",
            given=" ".join(tokens),
        )
        issues.raise_if_any()
    if keyed:
        seen: set[str] = set()
        for token in keyed:
            key, _, value = token.partition("=")
            key = key.strip()
            if key not in keys:
                issues.add(f"items.{key}", "unknown item", allowed=", ".join(keys), given=key)
                continue
            if key in seen:
                issues.add(
                    f"items.{key}",
                    "given more than once",
                    allowed="one answer per item",
                    given=token,
                )
                continue
            seen.add(key)
            if value.strip() == NOT_ASKED:
                continue
            result = _parse_value(scale, key, value, issues)
            if result is not None:
                parsed[key] = result
    else:
        low, high = _min_positional(scale), len(keys)
        if not low <= len(tokens) <= high:
            count = str(high) if low == high else f"{low} to {high}"
            issues.add(
                "tokens",
                "wrong number of answers",
                allowed=f"{count} answers in item order ({', '.join(keys)})",
                given=len(tokens),
            )
            issues.raise_if_any()
        for key, token in zip(keys, tokens, strict=False):
            if token.strip() == NOT_ASKED:
                continue
            result = _parse_value(scale, key, token, issues)
            if result is not None:
                parsed[key] = result
    issues.raise_if_any()
    return {key: parsed[key] for key in keys if key in parsed}


def _validate(scale: Scale, answers: Mapping[str, int]) -> None:
    issues = IssueCollector()
    keys = scale.item_keys
    for key, value in answers.items():
        if not isinstance(key, str):
            issues.add(f"items.{key}", "item key must be text", allowed=", ".join(keys), given=key)
            continue
        if key not in keys:
            issues.add(f"items.{key}", "unknown item", allowed=", ".join(keys), given=key)
            continue
        item = scale.item(key)
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or value not in item.allowed_values
        ):
            allowed = "0 (no) or 1 (yes)" if _is_yes_no(scale) else item.describe_allowed()
            issues.add(f"items.{key}", "not an allowed answer", allowed=allowed, given=value)
    issues.raise_if_any()


def require_an_answer(scale_id: str, answers: Mapping[str, int]) -> None:
    """Refuse a form with no item answered: it is not an administration of the scale.

    Every scale's own missing-item rule (``Scale.missing_rule``) keeps a partly answered
    form but does not score it (no proration is adopted); none of them gives any result for
    a form on which nothing was answered, so storing one would record an assessment that says
    nothing (issue 14, finding 12: an empty PHQ-9 was saved as "Assessment saved").

    Raises
    ------
    InvalidInput
        ``answers``: no question answered.
    """
    scale = get_scale(scale_id)
    if not answers:
        issues = IssueCollector()
        issues.add(
            "answers",
            "No question is answered; an empty form is not saved.",
            allowed=f"at least one answered question ({scale.name}: {scale.missing_rule})",
        )
        issues.raise_if_any()


def _safety_flags(scale: Scale, answers: Mapping[str, int]) -> tuple[SafetyFlag, ...]:
    flags = []
    for rule in scale.safety_rules:
        value = answers.get(rule.item)
        scored = value is not None and value in scale.item(rule.item).scored_values
        if scored and value is not None and value >= rule.min_value:
            flags.append(
                SafetyFlag(
                    code=rule.code,
                    scale=scale.id,
                    item=rule.item,
                    value=value,
                    rule=f"{scale.short_name} {rule.describe()}",
                    source=rule.provenance.cite(),
                    triage=None,
                    status=rule.provenance.status,
                )
            )
    return tuple(flags)


def score(
    scale_id: str, answers: Mapping[str, int], *, band_convention: str | None = None
) -> ScaleResult:
    """Score one completed (or partly completed) form.

    Parameters
    ----------
    scale_id : str
        One of :data:`SCALE_IDS`.
    answers : mapping of str to int
        Item key to answer value; unanswered items are absent.
    band_convention : str, optional
        Severity band convention id (HAM-D17: ``zimmerman_2013`` (default), ``camcops``,
        ``rush_2003_crosswalk``; MADRS: ``snaith_1986`` (default),
        ``alternative_12_24_35``). Defaults to the scale's documented default.

    Returns
    -------
    ScaleResult
        Total and severity (None when incomplete: no proration), the missing items, the
        safety flags raised by the answered items (always evaluated), the C-SSRS triage,
        and the reasons with their sources.

    Raises
    ------
    InvalidInput
        Unknown scale (``scale``), unknown band convention (``band_convention``), unknown
        item keys or answers out of range (``items.<key>``): all issues of the form are
        collected and raised once.

    References
    ----------
    Each scale module documents its scoring, band and safety sources (``phq9``, ``gad7``,
    ``qids_sr16``, ``hamd17``, ``madrs``, ``cssrs_screener``).
    """
    scale = get_scale(scale_id)
    if band_convention is not None:
        allowed = [c.id for c in scale.conventions] or [scale.default_convention]
        check_option("band_convention", band_convention, allowed)
    _validate(scale, answers)
    ordered = {key: answers[key] for key in scale.item_keys if key in answers}

    if not scale.has_total:
        screener = cssrs_screener.evaluate(ordered)
        return ScaleResult(
            scale_id=scale.id,
            total=None,
            severity=None,
            complete=not screener.missing,
            missing=screener.missing,
            answers=ordered,
            flags=screener.flags,
            triage=screener.triage,
            band_convention=scale.default_convention,
            explanation=screener.explanation,
        )

    convention = scale.convention(band_convention or scale.default_convention)
    flags = _safety_flags(scale, ordered)
    explanation: list[str] = []
    missing = tuple(
        key
        for key in scale.item_keys
        if key not in ordered or ordered[key] not in scale.item(key).scored_values
    )
    not_assessed = [key for key in missing if key in ordered]
    total: int | None = None
    severity: str | None = None
    domain_scores: tuple[tuple[str, int], ...] = ()
    if missing:
        detail = ", ".join(
            f"{key} ({scale.item(key).label_of(ordered[key])})" if key in not_assessed else key
            for key in missing
        )
        explanation.append(
            f"{scale.missing_rule}: items {detail} missing; total and severity not computed "
            f"{scale.missing_rule_provenance.cite()}"
        )
    else:
        domain_scores = tuple(
            (domain.name, max(ordered[key] for key in domain.items)) for domain in scale.domains
        )
        total = sum(value for _, value in domain_scores)
        band = convention.classify(total)
        severity = band.label
        grouped = [d for d in scale.domains if len(d.items) > 1]
        if grouped:
            parts = " + ".join(
                f"max({','.join(d.items)})={s}" if len(d.items) > 1 else f"{d.items[0]}={s}"
                for d, (_, s) in zip(scale.domains, domain_scores, strict=True)
            )
            explanation.append(f"total = {parts} = {total} {scale.scoring_provenance.cite()}")
        else:
            explanation.append(
                f"total = sum of items {scale.item_keys[0]}-{scale.item_keys[-1]} = {total} "
                f"(range {scale.total_min}-{scale.total_max}) {scale.scoring_provenance.cite()}"
            )
        explanation.append(
            f"severity {severity}: {band.low}-{band.high} in {convention.name} "
            f"{convention.provenance.cite()}"
        )
    for flag in flags:
        explanation.append(f"SAFETY {flag.code}: {flag.rule} (answer {flag.value}) {flag.source}")
    for rule in scale.safety_rules:
        value = ordered.get(rule.item)
        if value is not None and 0 < value < rule.min_value:
            explanation.append(
                f"item {rule.item} = {value} ({scale.item(rule.item).label_of(value)!r}) is below "
                f"the suicidal-ideation cut-off {rule.min_value}: review clinically"
            )
        if value is None or rule.item in not_assessed:
            explanation.append(
                f"suicide item {rule.item} unanswered: suicidal ideation not assessed by this form"
            )
    return ScaleResult(
        scale_id=scale.id,
        total=total,
        severity=severity,
        complete=not missing,
        missing=missing,
        answers=ordered,
        flags=flags,
        triage=None,
        band_convention=convention.id,
        explanation=tuple(explanation),
        total_max=scale.total_max,
        domain_scores=domain_scores,
    )
