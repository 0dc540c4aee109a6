"""`trdcare dbs ...`: the DBS room from the command line (thin adapter).

``--json`` prints one JSON document. Bad input exits 2 with one line naming the field, what
is allowed and what was given.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from pydantic import ValidationError

from trdcare.cli_support import emit_json, fail, handle_errors
from trdcare.core.input_errors import plain_issues
from trdcare.dbs.domain import check_stimulation
from trdcare.dbs.schemas import CHARGE_LABELS, ChargeInput

app = typer.Typer(
    help="Deep brain stimulation (investigational for depression).", no_args_is_help=True
)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]


def _parse(model: type[ChargeInput], values: dict[str, str | None]) -> ChargeInput:
    """Parse the options as written; a non-number exits 2 in plain words (never the
    library's), naming the field."""
    try:
        return model.model_validate({k: v for k, v in values.items() if v is not None})
    except ValidationError as exc:
        first = plain_issues(exc.errors(), CHARGE_LABELS)[0]
        fail("", first.render())


@app.command("charge")
@handle_errors
def charge(
    # Optional to typer so that a missing value is refused in the room's words, not click's.
    pulse_width_us: Annotated[
        str | None, typer.Option("--pulse-width-us", help="pulse width, µs (required)")
    ] = None,
    amplitude_ma: Annotated[
        str | None, typer.Option("--amplitude-ma", help="current mode: amplitude, mA")
    ] = None,
    amplitude_v: Annotated[
        str | None, typer.Option("--amplitude-v", help="voltage mode: amplitude, V")
    ] = None,
    impedance_ohm: Annotated[
        str | None,
        typer.Option("--impedance-ohm", help="voltage mode: the contact's impedance, ohm"),
    ] = None,
    contact_area_cm2: Annotated[
        str | None,
        typer.Option(
            "--contact-area-cm2",
            help="active contact area, cm² (default: the Medtronic 3387/3389's, 0.06, UNVERIFIED)",
        ),
    ] = None,
    frequency_hz: Annotated[
        str | None, typer.Option("--frequency-hz", help="recorded; Shannon's k does not use it")
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Charge per phase, charge density and Shannon k of a setting, checked against the
    Shannon limit and the lead's rated charge density."""
    given = _parse(
        ChargeInput,
        {
            "pulse_width_us": pulse_width_us,
            "amplitude_ma": amplitude_ma,
            "amplitude_v": amplitude_v,
            "impedance_ohm": impedance_ohm,
            "contact_area_cm2": contact_area_cm2,
            "frequency_hz": frequency_hz,
        },
    )
    result = check_stimulation(**given.model_dump())
    doc = result.to_dict()
    if json_out:
        emit_json(doc)
        return
    _print_table(doc)


def _print_table(doc: dict[str, Any]) -> None:
    limits = doc["limits"]
    rated = limits["rated_charge_density_uc_per_cm2"]
    current = f"{doc['current_ma']:.4g} mA" + (
        " (estimate: voltage / impedance)" if doc["current_is_estimate"] else ""
    )
    rows = [
        ("Current", current),
        ("Pulse width", f"{doc['pulse_width_us']:.4g} µs"),
        ("Contact area", f"{doc['contact_area_cm2']:.4g} cm²"),
        ("Charge per phase", f"{doc['charge_per_phase_uc']:.4g} µC"),
        ("Charge density", f"{doc['charge_density_uc_per_cm2']:.4g} µC/cm² per phase"),
        (
            "Shannon k",
            f"{doc['shannon_k']:.3f} (limit {limits['shannon_k']['value']:g}, "
            f"{limits['shannon_k']['status']})",
        ),
        (
            "Rated density",
            "not known for this lead"
            if rated is None
            else f"{rated['value']:g} µC/cm² per phase ({rated['status']})",
        ),
        ("Verdict", "within limits" if doc["within_limits"] else "NOT within limits"),
    ]
    if doc["frequency_hz"] is not None:
        rows.insert(2, ("Frequency", f"{doc['frequency_hz']:.4g} Hz"))
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        typer.echo(f"{name.ljust(width)}  {value}")
    for used in doc["defaults_used"]:
        typer.echo(
            f"Default used: contact area {used['value']:g} cm² of the {used['lead']} "
            f"({used['status']}; {used['sources'][0]['citation']})"
        )
    typer.echo("Reasons:")
    for reason in doc["reasons"]:
        typer.echo(f"  - {reason['finding']} [{reason['status']}]")
