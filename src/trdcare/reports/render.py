"""The room's adapter to documents: the app's own Jinja templates give the page in the
browser and, through WeasyPrint, the PDF of the same page.

WeasyPrint (and the Pango library under it) is imported only when a PDF is made, so the web
app and every other command start without it; when it cannot be loaded the PDF request
fails with one plain message (:class:`PdfUnavailable`), never a traceback. Every asset is
local: the stylesheet is read from the package, the chart is inline SVG, fonts are the
machine's, and the URL fetcher refuses anything else, so making a PDF never touches the
network.
"""

from __future__ import annotations

from importlib.resources import files
from typing import Any, ClassVar

from markupsafe import Markup

from trdcare.adapters.web.charts import BandArea, Threshold, trajectory_svg
from trdcare.adapters.web.templating import environment
from trdcare.assessments.domain.scoring import get_scale
from trdcare.core.errors import DomainError
from trdcare.reports.domain import CourseReport, PriorAuthPacket


class PdfUnavailable(DomainError):
    """The PDF library cannot be loaded on this machine."""

    code: ClassVar[str] = "pdf_unavailable"
    status: ClassVar[int] = 503
    title: ClassVar[str] = "PDF documents cannot be made on this server"


def chart(report: CourseReport) -> Markup:
    """The score trajectory with the scale's severity bands and the outcome rule's response
    and remission lines (the chart the assessments panel draws), sessions ticked."""
    scale = get_scale(report.scale_id)
    bands = [
        BandArea(b.label, b.low, b.high) for b in scale.convention(scale.default_convention).bands
    ]
    thresholds = []
    o = report.outcome
    if o is not None:
        thresholds.append(
            Threshold(
                f"response: <= {o.response_at:g} ({o.response_rule} {o.baseline_total})",
                o.response_at,
                "#1f4e79",
            )
        )
        thresholds.append(
            Threshold(f"remission: <= {o.remission_at}", o.remission_at + 0.5, "#1e7b34", "2 3")
        )
    elif scale.remission is not None:
        value = scale.remission.value
        thresholds.append(Threshold(f"remission: <= {value}", value + 0.5, "#1e7b34", "2 3"))
    return trajectory_svg(
        title=f"{report.scale_name} over the course",
        points=[(p.on, p.total) for p in report.scores],
        total_max=scale.total_max or 27,
        bands=bands,
        thresholds=thresholds,
        sessions=report.session_days,
        course_start=report.start_date,
    )


def _stylesheet() -> Markup:
    text = (files("trdcare.reports") / "templates" / "document.css").read_text("utf-8")
    return Markup(text)  # noqa: S704 - the package's own stylesheet, no user text


def _render(name: str, context: dict[str, Any]) -> str:
    return environment().get_template(name).render({**context, "stylesheet": _stylesheet()})


def course_html(report: CourseReport) -> str:
    """The course report as a standalone HTML document (what the PDF is made from)."""
    return _render("reports/course_document.html", {"r": report, "chart": chart(report)})


def packet_html(packet: PriorAuthPacket) -> str:
    """The prior-authorization packet as a standalone HTML document."""
    return _render("reports/packet_document.html", {"p": packet})


def _no_network(url: str, timeout: int = 10, ssl_context: Any = None) -> dict[str, Any]:
    raise ValueError(f"documents load no external resource ({url.split(':', 1)[0]} refused)")


def pdf_bytes(html: str) -> bytes:
    """The PDF of ``html`` (WeasyPrint, loaded now).

    Raises
    ------
    PdfUnavailable
        WeasyPrint or its Pango library cannot be loaded on this machine.
    """
    try:
        import weasyprint
    except (ImportError, OSError) as exc:
        raise PdfUnavailable(
            "PDF documents need WeasyPrint and the Pango library, which cannot be loaded on "
            f"this machine ({exc.__class__.__name__}); install them (see docs/reports.md) or "
            "use the page in the browser"
        ) from None
    document = weasyprint.HTML(string=html, url_fetcher=_no_network)
    result: bytes = document.write_pdf()
    return result
