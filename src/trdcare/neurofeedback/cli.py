"""`trdcare nf ...`: neurofeedback from the command line (thin adapter).

``nf analyze FILE`` re-computes a recording offline with the live pipeline; ``nf run``
runs a live session from a source (headless, or with the pages of ``trdcare serve``).
``--json`` prints one JSON document. Bad input exits 2 with one line naming the field,
what is allowed and what was given.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from pydantic import ValidationError

from trdcare.cli_support import emit_json, fail, handle_errors
from trdcare.core.input_errors import plain_issues
from trdcare.neurofeedback.schemas import PIPELINE_LABELS, PipelineInput

if TYPE_CHECKING:
    from trdcare.neurofeedback.domain import analysis

# numpy, scipy and MNE are imported by the commands that use them, so that every other
# `trdcare` command starts without them.

app = typer.Typer(
    help="EEG neurofeedback (investigational for depression): analyse recordings, run sessions.",
    no_args_is_help=True,
)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]


def _opt(flag: str, text: str) -> Any:
    return typer.Option(flag, help=text)


def parse_pipeline(values: dict[str, str | None]) -> PipelineInput:
    try:
        return PipelineInput.model_validate({k: v for k, v in values.items() if v is not None})
    except ValidationError as exc:
        first = plain_issues(exc.errors(), PIPELINE_LABELS)[0]
        fail("", first.render())


def split_channels(text: str | None) -> list[str] | None:
    if text is None:
        return None
    names = [c.strip() for c in text.split(",") if c.strip()]
    if not names:
        fail("channels", "is empty (allowed: channel names separated by commas, e.g. F3,F4)")
    return names


# Options shared by analyze and run; typer reads them as text so that a bad number is
# refused in the room's words.
ProtocolOpt = Annotated[str, typer.Option("--protocol", help="faa, alpha_theta or ratio")]
ChannelsOpt = Annotated[str | None, typer.Option("--channels", help="e.g. F3,F4 (FAA: left,right)")]
ReferenceOpt = Annotated[
    str | None,
    typer.Option("--reference", help="as_recorded (default), average, linked_ears or cz"),
]
BandOpt = Annotated[
    str | None, typer.Option("--band", help="FAA band, Hz: LOW-HIGH (default 8-13)")
]
NumOpt = Annotated[str | None, typer.Option("--numerator", help="ratio: numerator band LOW-HIGH")]
DenOpt = Annotated[str | None, typer.Option("--denominator", help="ratio: denominator band")]
DirOpt = Annotated[
    str | None, typer.Option("--direction", help="reward a rise (up) or a fall (down)")
]
Num = Annotated[str | None, typer.Option()]


def build(
    protocol: str,
    channels: str | None,
    reference: str | None,
    band: str | None,
    numerator: str | None,
    denominator: str | None,
    direction: str | None,
    numbers: dict[str, str | None],
) -> tuple[Any, Any, list[str]]:
    from trdcare.neurofeedback.domain import config

    given = parse_pipeline(numbers)
    settings, used = config.pipeline_settings(given.model_dump(), reference)
    proto = config.protocol_from(
        protocol, split_channels(channels), band, numerator, denominator, direction
    )
    return proto, settings, used


@app.command("analyze")
@handle_errors
def analyze(
    file: Annotated[Path, typer.Argument(help="EDF, EDF+ or BDF recording")],
    protocol: ProtocolOpt = "faa",
    channels: ChannelsOpt = None,
    reference: ReferenceOpt = None,
    band: BandOpt = None,
    numerator: NumOpt = None,
    denominator: DenOpt = None,
    direction: DirOpt = None,
    window_s: Annotated[
        str | None, typer.Option("--window-s", help="window length, s (default 1)")
    ] = None,
    hop_s: Annotated[
        str | None, typer.Option("--hop-s", help="update every, s (default 0.1)")
    ] = None,
    segment_s: Annotated[
        str | None, typer.Option("--segment-s", help="Welch segment, s (default 0.5)")
    ] = None,
    highpass_hz: Annotated[
        str | None, typer.Option("--highpass-hz", help="causal high-pass, Hz (default 1; 0 = off)")
    ] = None,
    lowpass_hz: Annotated[
        str | None, typer.Option("--lowpass-hz", help="causal low-pass, Hz (default none)")
    ] = None,
    notch_hz: Annotated[
        str | None, typer.Option("--notch-hz", help="line-noise notch, Hz: 50 or 60 (default none)")
    ] = None,
    amplitude_uv: Annotated[str | None, typer.Option("--amplitude-uv")] = None,
    flat_uv: Annotated[str | None, typer.Option("--flat-uv")] = None,
    blink_uv: Annotated[str | None, typer.Option("--blink-uv")] = None,
    muscle_sd: Annotated[str | None, typer.Option("--muscle-sd")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Feature value of every window of a recording, and a summary (windows, rejected
    windows, mean feature over the accepted ones), with the settings and defaults used."""
    proto, settings, used = build(
        protocol,
        channels,
        reference,
        band,
        numerator,
        denominator,
        direction,
        {
            "window_s": window_s,
            "hop_s": hop_s,
            "segment_s": segment_s,
            "highpass_hz": highpass_hz,
            "lowpass_hz": lowpass_hz,
            "notch_hz": notch_hz,
            "amplitude_uv": amplitude_uv,
            "flat_uv": flat_uv,
            "blink_uv": blink_uv,
            "muscle_sd": muscle_sd,
        },
    )
    from trdcare.neurofeedback.domain import analysis
    from trdcare.neurofeedback.sources.files import read_recording

    rec = read_recording(file)
    result = analysis.analyze(rec.data, rec.labels, rec.sfreq_hz, proto, settings)
    doc = analysis_document(file.name, rec.sfreq_hz, result, used)
    if json_out:
        emit_json(doc)
        return
    _print(doc)


def analysis_document(
    name: str, sfreq_hz: float, result: analysis.Analysis, used: list[str]
) -> dict[str, Any]:
    from trdcare.neurofeedback.domain import config

    pipe = result.pipeline
    summary = result.summary()
    limit = result.muscle_limit
    defaults = config.defaults_block(used, pipe.protocol)
    unverified = sorted(
        k for k, v in defaults.items() if isinstance(v, dict) and v.get("status") == "UNVERIFIED"
    )
    return {
        "file": name,
        "sampling_rate_hz": sfreq_hz,
        "channels": list(pipe.names),
        "protocol": pipe.protocol.describe(),
        "settings": {**pipe.settings.describe(), **pipe.plan.describe()},
        "defaults": defaults,
        "unverified_defaults": unverified,
        "muscle_limit": None
        if limit is None
        else {
            "from": "this recording: windows the other rules accept",
            "log10_v2": list(limit.log10_limit),
            "windows": limit.n_windows,
        },
        **{k: summary[k] for k in ("windows", "rejected_windows", "mean_feature")},
        "summary": summary,
        "per_window": [
            {
                "t_s": round(w.time_s, 6),
                "feature": w.feature,
                "accepted": not r and w.feature is not None,
                "reasons": list(r),
            }
            for w, r in zip(result.windows, result.reasons, strict=True)
        ],
    }


def _print(doc: dict[str, Any]) -> None:
    s = doc["summary"]
    mean = "none (no accepted window)" if s["mean_feature"] is None else f"{s['mean_feature']:.4f}"
    typer.echo(f"{doc['file']}: {doc['protocol']['formula']}")
    typer.echo(
        f"  windows {s['windows']}, rejected {s['rejected_windows']} ({s['pct_artifact']}%), "
        f"mean feature {mean}"
    )
    if s["rejected_by"]:
        typer.echo("  rejected by: " + ", ".join(f"{k} {v}" for k, v in s["rejected_by"].items()))
    st = doc["settings"]
    typer.echo(
        f"  window {st['window_s']:g} s every {st['hop_s']:g} s, Welch segment {st['segment_s']:g} s, "
        f"reference {st['reference']}, high-pass {st['highpass_hz']} Hz"
    )
    for name, d in doc["defaults"].items():
        typer.echo(f"  default {name}: {d['value']} {d.get('unit', '')} [{d['status']}]")


@app.command("run")
@handle_errors
def run(
    ctx: typer.Context,
    source: Annotated[
        str, typer.Option("--source", help="synthetic, lsl:NAME, brainflow:BOARD or file:PATH")
    ] = "synthetic",
    protocol: ProtocolOpt = "faa",
    channels: ChannelsOpt = None,
    reference: ReferenceOpt = None,
    band: BandOpt = None,
    numerator: NumOpt = None,
    denominator: DenOpt = None,
    direction: DirOpt = None,
    duration_s: Annotated[
        str | None,
        typer.Option(
            "--duration-s",
            help="stop after this much signal (default: until the source ends or Ctrl-C)",
        ),
    ] = None,
    baseline_s: Annotated[
        str | None, typer.Option("--baseline-s", help="baseline, s (default 120, UNVERIFIED)")
    ] = None,
    block_s: Annotated[
        str | None, typer.Option("--block-s", help="feedback block, s (default 180, UNVERIFIED)")
    ] = None,
    target_reward_pct: Annotated[
        str | None,
        typer.Option("--target-reward-pct", help="target reward rate, % (default 70, UNVERIFIED)"),
    ] = None,
    threshold: Annotated[
        str | None, typer.Option("--threshold", help="a fixed threshold instead of a baseline's")
    ] = None,
    highpass_hz: Annotated[str | None, typer.Option("--highpass-hz")] = None,
    notch_hz: Annotated[str | None, typer.Option("--notch-hz", help="50 or 60")] = None,
    record: Annotated[
        Path | None,
        typer.Option("--record", help="EDF+ file to write (default: in the data folder)"),
    ] = None,
    fast: Annotated[
        bool,
        typer.Option("--fast", help="replay a file or the synthetic signal as fast as possible"),
    ] = False,
    patient: Annotated[
        str | None,
        typer.Option(
            "--patient",
            help="store the summary on this patient's neurofeedback course (ref P-... or MRN)",
        ),
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """A live session, headless: baseline, then feedback blocks; recorded to EDF+ and,
    with --patient, stored on the patient's neurofeedback course."""
    import signal
    import threading
    from datetime import UTC, datetime

    from trdcare.neurofeedback import runtime
    from trdcare.neurofeedback.preparation import default_recording, prepare
    from trdcare.neurofeedback.schemas import SessionInput

    proto, settings, used = build(
        protocol,
        channels,
        reference,
        band,
        numerator,
        denominator,
        direction,
        {"highpass_hz": highpass_hz, "notch_hz": notch_hz},
    )
    try:
        given = SessionInput.model_validate(
            {
                k: v
                for k, v in {
                    "duration_s": duration_s,
                    "baseline_s": baseline_s,
                    "block_s": block_s,
                    "target_reward_pct": target_reward_pct,
                    "threshold": threshold,
                }.items()
                if v is not None
            }
        )
    except ValidationError as exc:
        fail("", plain_issues(exc.errors(), PIPELINE_LABELS)[0].render())
    from trdcare.cli_support import get_context

    cli = get_context(ctx)
    if patient is not None:
        from trdcare.neurofeedback import service as nf_service
        from trdcare.patients import service as patient_service

        # refuse before the session, not after it: unknown patient, paused course
        with cli.session() as db:
            row = patient_service.find_patient(db, cli.actor, patient, purpose="nf_session")
            nf_service.check_deliverable(db, row)
    started_at = datetime.now(UTC)
    prepared = prepare(source, proto, settings, used, given, realtime=not fast)
    src, pipeline, session = prepared.source, prepared.pipeline, prepared.session
    recorder, header = prepared.recorder, prepared.header
    if record is None:
        record = default_recording(cli.settings.data_dir, started_at)
    stop = threading.Event()
    previous = signal.signal(signal.SIGINT, lambda *_: stop.set())
    shown = [-1.0]

    def show(f: Any) -> None:
        if json_out or f.window.time_s - shown[0] < 1.0:
            return
        shown[0] = f.window.time_s
        w = f.window
        value = "—" if w.feature is None else f"{w.feature:+.3f}"
        state = (
            "withheld (" + ", ".join(w.reasons) + ")"
            if not w.accepted
            else ("reward" if f.rewarded else ("baseline" if f.phase == "baseline" else ""))
        )
        typer.echo(f"{w.time_s:8.1f} s  {value}  {state}")

    try:
        result = runtime.run(
            src,
            pipeline,
            session,
            recorder,
            duration_s=given.duration_s,
            recording_path=record,
            listeners=(show,),
            stop=stop,
        )
    finally:
        signal.signal(signal.SIGINT, previous)
    doc = {
        "ended": result.ended,
        "message": result.message,
        "recording": str(result.recording),
        **header,
        "summary": result.summary,
    }
    if patient is not None:
        with cli.session() as db:
            row = patient_service.find_patient(db, cli.actor, patient, purpose="nf_session")
            stored, course = nf_service.record_session(
                db,
                cli.actor,
                row,
                started_at=started_at,
                header=header,
                summary=result.summary,
                ended=result.ended,
                recording=str(result.recording),
            )
            doc["stored"] = {"patient": row.ref, **nf_service.session_to_dict(stored, course)}
    if json_out:
        emit_json(doc)
        return
    s = result.summary
    typer.echo(f"Session ended ({result.ended}{': ' + result.message if result.message else ''}).")
    typer.echo(
        f"Duration {s['duration_s']} s; feedback {s['feedback_s']} s; rewarded "
        f"{s['pct_time_rewarded']}% of the time; artifact {s['pct_artifact']}%; "
        f"mean feature {s['mean_feature']}; threshold {s['threshold']}"
    )
    typer.echo(f"Recorded to {result.recording}")
    if "stored" in doc:
        st = doc["stored"]
        typer.echo(f"Stored as session {st['session_number']} of course {st['course']}.")


@app.command("course")
@handle_errors
def course(
    ctx: typer.Context,
    patient: Annotated[str, typer.Argument(help="Patient ref (P-...) or MRN.")],
    json_out: JsonOpt = False,
) -> None:
    """The patient's neurofeedback courses: the learning curve (mean feature, % time
    rewarded, % artifact per session) beside the depression scores and the outcome."""
    from trdcare.cli_support import get_context
    from trdcare.neurofeedback import service as nf_service
    from trdcare.patients import service as patient_service

    cli = get_context(ctx)
    with cli.session() as db:
        row = patient_service.find_patient(db, cli.actor, patient, purpose="nf_course")
        doc = nf_service.course_view(db, cli.actor, row)
    if json_out:
        emit_json(doc)
        return
    if not doc["courses"]:
        typer.echo("No neurofeedback course.")
    for c in doc["courses"]:
        typer.echo(
            f"Course {c['course']} ({c['status']}), from {c['start_date']}; {c['primary_scale']}"
        )
        for s in c["sessions"]:
            mean = "—" if s["mean_feature"] is None else f"{s['mean_feature']:+.3f}"
            typer.echo(
                f"  session {s['session_number']:>2}  {s['started_at'][:16]}  {s['protocol']}  "
                f"mean {mean}  rewarded {s['pct_time_rewarded']}%  artifact {s['pct_artifact']}%  "
                f"{s['duration_s']:.0f} s"
            )
        for sc in c["scores"]:
            typer.echo(f"  {sc['scale']} {sc['on']}: {sc['total']}")
        if c["outcome"]:
            o = c["outcome"]
            typer.echo(
                f"  outcome: change {o['change']} ({o['percent_change']}%), response {o['response']}, remission {o['remission']}"
            )


@app.command("retire")
@handle_errors
def retire(
    ctx: typer.Context,
    patient: Annotated[str, typer.Argument(help="Patient ref (P-...) or MRN.")],
    number: Annotated[int, typer.Argument(help="The session's number on its course.")],
    reason: Annotated[
        str, typer.Option("--reason", help="why (kept with the old version; 3-400 characters)")
    ],
    version: Annotated[
        int | None,
        typer.Option("--version", help="the version you looked at; refused if it changed since"),
    ] = None,
    course_ref: Annotated[
        str | None,
        typer.Option(
            "--course", help="the course (C-...), when the number is on more than one course"
        ),
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Mark a stored session entered in error (e.g. run on the wrong patient): kept with the
    reason, its recording kept; it no longer counts in the learning curve or the course."""
    from trdcare.cli_support import get_context
    from trdcare.neurofeedback import service as nf_service
    from trdcare.patients import service as patient_service

    cli = get_context(ctx)
    with cli.session() as db:
        row = patient_service.find_patient(db, cli.actor, patient, purpose="nf_session_retire")
        stored, course = nf_service.retire_session(
            db,
            cli.actor,
            row,
            number,
            reason=reason,
            expected_version=version,
            course_ref=course_ref,
        )
        doc = {"patient": row.ref, **nf_service.retired_to_dict(stored, course)}
    if json_out:
        emit_json(doc)
        return
    typer.echo(
        f"Session {doc['session_number']} of course {doc['course']} marked {doc['retired_reason']}"
    )
    if doc["recording"]:
        typer.echo(f"Its recording is kept: {doc['recording']}")
