"""Settings from what a clinician stated plus the packaged defaults, with the defaults named.

Every default that fills an unstated choice is listed (with its unit, status and source) in
the result and stored with a session, so a number is never silently assumed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from trdcare.core.errors import InvalidInput
from trdcare.neurofeedback.domain import catalogue
from trdcare.neurofeedback.domain.artifacts import GateSettings
from trdcare.neurofeedback.domain.engine import PipelineSettings
from trdcare.neurofeedback.domain.protocols import Protocol, make_protocol
from trdcare.neurofeedback.domain.reference import check_reference

PIPELINE_DEFAULTS = ("window_s", "hop_s", "segment_s", "highpass_hz")
GATE_DEFAULTS = ("amplitude_uv", "flat_uv", "blink_uv", "muscle_sd")
SESSION_DEFAULTS = ("baseline_s", "block_s", "target_reward_pct")


def pipeline_settings(
    given: Mapping[str, float | None], reference: str | None
) -> tuple[PipelineSettings, list[str]]:
    """``given`` holds the stated numbers (``None`` = not stated); returns the settings and
    the names of the defaults used. ``highpass_hz = 0`` switches the high-pass off."""
    used: list[str] = []

    def value(name: str) -> float:
        v = given.get(name)
        if v is None:
            used.append(name)
            return catalogue.default(name)
        return float(v)

    highpass = value("highpass_hz")
    gate = GateSettings(*(value(n) for n in GATE_DEFAULTS))
    if reference is None:
        used.append("reference")
    settings = PipelineSettings.defaults()
    settings = replace(
        settings,
        window_s=value("window_s"),
        hop_s=value("hop_s"),
        segment_s=value("segment_s"),
        highpass_hz=highpass or None,
        lowpass_hz=given.get("lowpass_hz"),
        notch_hz=given.get("notch_hz"),
        reference=check_reference(reference or "as_recorded"),
        gate=gate,
    )
    if "muscle_sd" in used:
        used.extend(["muscle_low_hz", "muscle_high_hz"])
    if settings.hop_s > settings.window_s:
        raise InvalidInput.single(
            "hop_s",
            "must not be longer than the window",
            allowed=f"<= {settings.window_s:g} s",
            given=settings.hop_s,
        )
    return settings, used


def protocol_from(
    kind: str,
    channels: Sequence[str] | None,
    band: str | None,
    numerator: str | None,
    denominator: str | None,
    direction: str | None,
) -> Protocol:
    return make_protocol(
        kind,
        channels=channels,
        band=band,
        numerator=numerator,
        denominator=denominator,
        direction=direction or "up",
    )


def defaults_block(used: Sequence[str], protocol: Protocol) -> dict[str, object]:
    """What each default used is, for output and storage: ``{name: {value, unit, status,
    source}}``; the protocol's own defaults (band, channels) named likewise."""
    out: dict[str, object] = {}
    for name in used:
        if name == "reference":
            out[name] = {
                "value": "as_recorded",
                "status": "DESIGN",
                "source": catalogue.load().sources["issue11"],
            }
        else:
            out[name] = catalogue.provenance(name)
    for name in protocol.defaults_used:
        if name == "channels":
            out["channels"] = {
                "value": list(protocol.channels),
                "status": "UNVERIFIED",
                "source": catalogue.load().sources[
                    "allen2004" if protocol.kind == "faa" else "peniston1989"
                ],
            }
        elif name in ("band", "numerator", "denominator"):
            b = protocol.numerator if name in ("band", "numerator") else protocol.denominator
            assert b is not None
            key = f"{b.name}_low_hz"
            prov = catalogue.provenance(key)
            out[f"{name}_hz"] = {**prov, "value": [b.low_hz, b.high_hz]}
    return out
