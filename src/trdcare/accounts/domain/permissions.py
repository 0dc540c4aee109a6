"""Roles and the ONE permission matrix of trdcare, as data.

Every web route and API endpoint names exactly one permission from :data:`PERMISSIONS`;
a test walks every route for every role and checks allow/deny against this table, and
``trdcare user roles`` (and the admin page) print it, so the code, the docs and the
behaviour cannot drift apart.

The split follows the HIPAA "minimum necessary" standard (45 CFR 164.502(b), 164.514(d)):
each role sees the patient data its work needs. The administrator manages accounts and the
audit log but does not read clinical records; the front desk registers patients and sends
self-report links but does not see scores or treatment; the technician delivers TMS and
sees what a session needs; the physician alone plans courses, acknowledges cautions and
signs decision points.

References
----------
.. [1] 45 CFR 164.312(a)(1) (access control) and 164.312(b) (audit controls).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

#: Roles a person can hold. ``patient`` is never a user account: it is the holder of a
#: single-use self-report link.
ROLES: tuple[str, ...] = ("admin", "physician", "clinician", "technician", "front_desk", "patient")

#: Roles of staff accounts (``trdcare user add --role ROLE``).
STAFF_ROLES: tuple[str, ...] = ("admin", "physician", "clinician", "technician", "front_desk")

ROLE_DESCRIPTIONS: Mapping[str, str] = {
    "admin": "Clinic administrator: user accounts, API tokens, the audit log. No clinical data.",
    "physician": "Attending psychiatrist/prescriber: everything clinical, plans and signs.",
    "clinician": "Nurse or therapist: assessments, history, self-report alerts, safety screens.",
    "technician": "TMS operator: safety screen, motor threshold, session log, adverse events; "
    "records esketamine observations (does not sign a discharge).",
    "front_desk": "Registration: patient demographics and sending self-report links.",
    "patient": "Holder of a self-report link: that one questionnaire, once, before it expires.",
}


@dataclass(frozen=True, slots=True)
class Permission:
    """One permission: a stable id, what it allows, and the roles that hold it."""

    id: str
    description: str
    roles: frozenset[str]


_CLINICAL = frozenset({"physician", "clinician", "technician"})
_STAFF = frozenset(STAFF_ROLES)


def _p(pid: str, description: str, *roles: str) -> Permission:
    return Permission(pid, description, frozenset(roles))


_TABLE: tuple[Permission, ...] = (
    _p(
        "patients.read",
        "See patient demographics and the patient list",
        "physician",
        "clinician",
        "technician",
        "front_desk",
    ),
    _p(
        "patients.write",
        "Register patients and correct demographics",
        "physician",
        "clinician",
        "front_desk",
    ),
    _p(
        "clinical.read",
        "See the caseload dashboard, chart, history, assessments, staging and outcomes",
        *sorted(_CLINICAL),
    ),
    _p(
        "history.write",
        "Record episodes, treatment trials and courses",
        "physician",
        "clinician",
    ),
    _p(
        "history.correct",
        "Correct treatment trials and courses of the history, or mark them entered in error, "
        "with a reason (a TMS course is cancelled or stopped on its TMS page)",
        "physician",
        "clinician",
    ),
    _p("assessments.write", "Enter rating scales on behalf of staff", *sorted(_CLINICAL)),
    _p(
        "assessments.correct",
        "Correct a rating or mark it entered in error, with a reason (a clinician or "
        "technician only what they entered; a self-report or anyone's: a physician; a "
        "positive suicide item: a physician)",
        *sorted(_CLINICAL),
    ),
    _p(
        "self_report.send",
        "Create a single-use self-report link for a patient",
        "physician",
        "clinician",
        "technician",
        "front_desk",
    ),
    _p("self_report.submit", "Answer the questionnaire of one self-report link", "patient"),
    _p("tms.read", "See TMS screens, plans, calendars, sessions and reviews", *sorted(_CLINICAL)),
    _p("tms.screen", "Record a TMS safety screen", *sorted(_CLINICAL)),
    _p("tms.acknowledge", "Acknowledge a 'caution' safety screen", "physician"),
    _p("tms.plan", "Plan a TMS course (protocol, target, intensity)", "physician"),
    _p(
        "tms.deliver",
        "Run motor-threshold hunts and log TMS sessions with their side effects and adverse events",
        "physician",
        "technician",
    ),
    _p(
        "tms.adverse_event",
        "Report a TMS adverse event that happened outside a session (a serious one pauses the "
        "course)",
        *sorted(_CLINICAL),
    ),
    _p(
        "tms.cancel",
        "Cancel a TMS course before its first session, or stop one that began, with a reason",
        "physician",
    ),
    _p(
        "tms.correct",
        "Correct TMS session logs and adverse events, or mark them entered in error, with a "
        "reason (a clinician or technician only what they recorded; a serious adverse event: "
        "a physician only)",
        *sorted(_CLINICAL),
    ),
    _p(
        "tms.review",
        "Review decision points, sign off, resume a paused course",
        "physician",
    ),
    _p(
        "courses.read",
        "See a treatment course's adverse events, pauses and reviews (every modality but TMS)",
        *sorted(_CLINICAL),
    ),
    _p(
        "courses.adverse_event",
        "Report an adverse event of a treatment course (a serious one pauses the course)",
        *sorted(_CLINICAL),
    ),
    _p(
        "courses.review",
        "Review a paused treatment course (resume or stop) and acknowledge its serious "
        "adverse events",
        "physician",
    ),
    _p(
        "courses.correct",
        "Correct a treatment course's adverse events or mark them entered in error, with a "
        "reason (a clinician or technician only what they recorded; a serious event: a "
        "physician only)",
        *sorted(_CLINICAL),
    ),
    _p(
        "reports.course",
        "See and download a treatment course's report (protocol, sessions, adverse events, "
        "score trajectory, outcome) as a page or PDF",
        *sorted(_CLINICAL),
    ),
    _p(
        "reports.prior_auth",
        "See and download a prior-authorization packet (TMS, esketamine) as a page, PDF or "
        "JSON: trials, scores, safety screen, planned protocol and codes",
        "physician",
        "clinician",
    ),
    _p(
        "tms.tools",
        "Use the calculators and the protocol library (no patient data)",
        *sorted(_STAFF),
    ),
    _p(
        "vns.read",
        "See VNS candidacy assessments, the implant, the titration log and the response timeline",
        *sorted(_CLINICAL),
    ),
    _p("vns.candidacy", "Record a VNS candidacy assessment", "physician", "clinician"),
    _p(
        "nf.read",
        "See neurofeedback courses: sessions (the learning curve), scores and outcome",
        *sorted(_CLINICAL),
    ),
    _p(
        "nf.run",
        "Run a live neurofeedback session (start, watch, show the patient's display, stop); "
        "it is recorded and stored on the patient's neurofeedback course",
        *sorted(_CLINICAL),
    ),
    _p(
        "nf.correct",
        "Mark a stored neurofeedback session entered in error, with a reason (kept, no longer "
        "counted; its recording is kept; a clinician or technician only the sessions they ran)",
        *sorted(_CLINICAL),
    ),
    _p(
        "vns.implant",
        "Record a VNS implant (opens the VNS course) and end the course",
        "physician",
    ),
    _p(
        "vns.titrate",
        "Record VNS titration visits (settings and side effects)",
        "physician",
        "clinician",
    ),
    _p(
        "vns.correct",
        "Correct VNS titration visits or mark them entered in error, with a reason (a "
        "clinician only what they recorded)",
        "physician",
        "clinician",
    ),
    _p(
        "ketamine.read",
        "See IV ketamine (off-label) series, infusions, observations and discharges",
        *sorted(_CLINICAL),
    ),
    _p(
        "ketamine.plan",
        "Plan an IV ketamine (off-label) infusion series (weight-based dose, infusions) or "
        "stop one; sign off an elevated pre-infusion blood pressure",
        "physician",
    ),
    _p(
        "ketamine.administer",
        "Start and end an IV ketamine infusion (baseline readings, the dose at the day's weight)",
        "physician",
        "clinician",
    ),
    _p(
        "ketamine.observe",
        "Record vital signs, sedation, dissociation and respiratory depression during and "
        "after an IV ketamine infusion",
        *sorted(_CLINICAL),
    ),
    _p(
        "ketamine.discharge",
        "Sign the discharge after an IV ketamine infusion (minimum observation passed, "
        "sedation, dissociation and respiratory depression resolved)",
        "physician",
        "clinician",
    ),
    _p(
        "ketamine.correct",
        "Correct an IV ketamine infusion record or mark it entered in error, with a reason "
        "(a clinician or technician only what they recorded)",
        *sorted(_CLINICAL),
    ),
    _p(
        "psilocybin.read",
        "See psilocybin protocol enrolments (research protocol or regulated programme only): "
        "screens, washout, sessions, dosing days",
        *sorted(_CLINICAL),
    ),
    _p(
        "psilocybin.screen",
        "Screen a patient for a psilocybin research protocol or regulated programme and enrol "
        "an eligible one; record preparation and integration sessions",
        "physician",
        "clinician",
    ),
    _p(
        "psilocybin.review",
        "Decide a psilocybin screen that needs review (unverified exclusions), complete or "
        "stop an enrolment",
        "physician",
    ),
    _p(
        "psilocybin.dose",
        "Record a psilocybin dosing day (dose, time, support person, baseline readings; "
        "washout and preparation checked)",
        "physician",
        "clinician",
    ),
    _p(
        "psilocybin.observe",
        "Record vital signs and whether the effects persist on a psilocybin dosing day",
        *sorted(_CLINICAL),
    ),
    _p(
        "psilocybin.discharge",
        "Sign the discharge after a psilocybin dosing day (6 hours, effects resolved, support "
        "person present)",
        "physician",
        "clinician",
    ),
    _p(
        "psilocybin.correct",
        "Mark a psilocybin session or dosing day entered in error, with a reason (a clinician "
        "or technician only what they recorded)",
        *sorted(_CLINICAL),
    ),
    _p(
        "esketamine.read",
        "See esketamine courses, sessions, observations and REMS forms",
        *sorted(_CLINICAL),
    ),
    _p(
        "esketamine.plan",
        "Screen eligibility, sign off its warnings and plan or stop an esketamine course",
        "physician",
    ),
    _p(
        "esketamine.deliver",
        "Check a patient in for esketamine (pre-dose vital signs) and record the dose given",
        "physician",
        "clinician",
    ),
    _p(
        "esketamine.observe",
        "Record timed observations during esketamine monitoring (sedation, dissociation, "
        "respiratory depression, vital signs)",
        *sorted(_CLINICAL),
    ),
    _p(
        "esketamine.discharge",
        "Sign an esketamine discharge (at least 2 hours, all effects resolved); not a technician",
        "physician",
        "clinician",
    ),
    _p(
        "esketamine.sign",
        "As the prescriber, sign esketamine sessions, sign off an elevated pre-dose blood "
        "pressure and review a course paused by a serious adverse event (resume or stop)",
        "physician",
    ),
    _p(
        "esketamine.adverse_event",
        "Report an adverse event seen in an esketamine session (the courses room's record; a "
        "serious one pauses the course until a physician's review)",
        *sorted(_CLINICAL),
    ),
    _p(
        "esketamine.rems",
        "Mark an esketamine session's REMS Patient Monitoring Form submitted",
        "physician",
        "clinician",
    ),
    _p(
        "esketamine.correct",
        "Correct esketamine sessions or mark sessions and observations entered in error, with "
        "a reason (a clinician or technician only what they recorded)",
        *sorted(_CLINICAL),
    ),
    _p(
        "dbs.read",
        "See DBS (investigational) candidacy assessments, the surgery and programming records",
        *sorted(_CLINICAL),
    ),
    _p("dbs.candidacy", "Record a DBS candidacy assessment", "physician", "clinician"),
    _p(
        "dbs.surgery",
        "Record a DBS surgery (opens the DBS course, under its research protocol) and end the "
        "course",
        "physician",
    ),
    _p(
        "dbs.program",
        "Record DBS programming settings (a setting beyond the Shannon limit or the lead's "
        "rated density needs a physician's override with a reason)",
        "physician",
        "clinician",
    ),
    _p(
        "dbs.correct",
        "Mark DBS programming records entered in error, with a reason (a clinician only what "
        "they recorded)",
        "physician",
        "clinician",
    ),
    _p(
        "dbs.tools",
        "Use the DBS charge calculator (no patient data)",
        *sorted(_STAFF),
    ),
    _p(
        "pgx.read",
        "See pharmacogenomic results, CPIC recommendations and the trials they bear on",
        *sorted(_CLINICAL),
    ),
    _p(
        "pgx.record",
        "Import VCF results, enter outside calls (lab-reported diplotypes) and mark a PGx "
        "result entered in error, with a reason",
        "physician",
        "clinician",
    ),
    _p(
        "labs.read",
        "See biomarker lab results (LOINC-coded, with the laboratory's ranges and flags)",
        *sorted(_CLINICAL),
    ),
    _p(
        "labs.record",
        "Record biomarker lab results and mark one entered in error, with a reason",
        "physician",
        "clinician",
    ),
    _p(
        "fhir.export",
        "Export a patient's results as an HL7 FHIR R4 Bundle (each part also needs its own read "
        "permission: pgx.read, labs.read)",
        *sorted(_CLINICAL),
    ),
    _p(
        "pathway.read",
        "See a patient's treatment options across therapies: each therapy's status with its "
        "reasons, evidence, guideline position and sources",
        *sorted(_CLINICAL),
    ),
    _p(
        "care_plan.read",
        "See a patient's integrated care plan: therapies on one timeline, the measurement "
        "schedule with what is due, scores attributed to the therapies, stated preferences",
        *sorted(_CLINICAL),
    ),
    _p(
        "care_plan.write",
        "Change a patient's care plan (each change a new version with a reason) and send a "
        "scheduled measure's self-report link",
        "physician",
        "clinician",
    ),
    _p("account.self", "Change one's own password and manage one's own API tokens", *_STAFF),
    _p("users.manage", "Add, change and deactivate user accounts; revoke any token", "admin"),
    _p("audit.read", "Read the audit log and verify its hash chain", "admin"),
)

#: Correction permissions some roles hold only for the records they entered themselves
#: (``created_by`` is their login); a physician corrects anyone's. Where a mistaken record
#: can hide a clinical finding, the clinician who saw the patient or the prescriber answers
#: for the change (minimum necessary, 45 CFR 164.502(b); clinic rule: DESIGN, issue #14).
OWN_RECORDS_ONLY: Mapping[str, frozenset[str]] = {
    "tms.correct": frozenset({"clinician", "technician"}),
    "esketamine.correct": frozenset({"clinician", "technician"}),
    "assessments.correct": frozenset({"clinician", "technician"}),
    "ketamine.correct": frozenset({"clinician", "technician"}),
    "vns.correct": frozenset({"clinician"}),
    "dbs.correct": frozenset({"clinician"}),
    "nf.correct": frozenset({"clinician", "technician"}),
    "psilocybin.correct": frozenset({"clinician", "technician"}),
    "courses.correct": frozenset({"clinician", "technician"}),
}

#: Who may mark a serious adverse event entered in error or make it not serious: a safety
#: flag is never dropped without a physician's decision (clinic rule: DESIGN, issue #14).
SAFETY_FLAG_ROLES: frozenset[str] = frozenset({"physician"})

#: Who may record a DBS setting beyond the Shannon limit or the lead's rated density, with a
#: reason (the override is kept and shown with who, when and why; clinic rule: DESIGN, issue 10).
DBS_OVERRIDE_ROLES: frozenset[str] = frozenset({"physician"})

#: The permission matrix: permission id -> :class:`Permission`.
PERMISSIONS: Mapping[str, Permission] = {p.id: p for p in _TABLE}


def is_allowed(role: str, permission: str) -> bool:
    """Whether ``role`` holds ``permission`` (unknown permissions are a programming error).

    Examples
    --------
    >>> is_allowed("physician", "tms.plan")
    True
    >>> is_allowed("admin", "clinical.read")
    False
    """
    entry = PERMISSIONS.get(permission)
    if entry is None:
        raise ValueError(f"permission must be one of {sorted(PERMISSIONS)}, got {permission!r}")
    return role in entry.roles


def may_change_record(role: str, permission: str, *, entered_by_self: bool) -> bool:
    """Whether ``role`` may correct or retire one record under ``permission``: the role
    holds it, and, where :data:`OWN_RECORDS_ONLY` limits the role, entered the record.

    Examples
    --------
    >>> may_change_record("technician", "tms.correct", entered_by_self=False)
    False
    >>> may_change_record("physician", "tms.correct", entered_by_self=False)
    True
    """
    if not is_allowed(role, permission):
        return False
    return entered_by_self or role not in OWN_RECORDS_ONLY.get(permission, frozenset())


def permissions_of(role: str) -> tuple[str, ...]:
    """Every permission ``role`` holds, in table order."""
    return tuple(p.id for p in _TABLE if role in p.roles)


def matrix_markdown() -> str:
    """The matrix as a Markdown table (for the docs and ``trdcare user roles``)."""
    header = "| permission | " + " | ".join(ROLES) + " | what it allows |"
    rule = "|---|" + "---|" * len(ROLES) + "---|"
    rows = [
        f"| `{p.id}` | "
        + " | ".join("yes" if r in p.roles else "-" for r in ROLES)
        + f" | {p.description} |"
        for p in _TABLE
    ]
    return "\n".join([header, rule, *rows])


#: Each field of a self-report link (as the API and the pages show it) and the permission
#: needed to see it. Listing links needs ``self_report.send``; sending a link and following
#: whether it was used, expired or revoked is the front desk's work, so those fields need no
#: more. Whether the patient answered the suicide item positive is a clinical finding: it
#: needs ``clinical.read`` (the front desk does not see scores or findings, see the module
#: docstring). A new field must be added here (a test holds every field of the API's model
#: to this table).
SELF_REPORT_LINK_FIELDS: Mapping[str, str] = {
    "ref": "self_report.send",
    "patient": "self_report.send",
    "scale": "self_report.send",
    "created_at": "self_report.send",
    "created_by": "self_report.send",
    "expires_at": "self_report.send",
    "used_at": "self_report.send",
    "revoked_at": "self_report.send",
    "status": "self_report.send",
    "url": "self_report.send",
    "suicidal_ideation": "clinical.read",
    "alert_acknowledged_at": "clinical.read",
    "alert_acknowledged_by": "clinical.read",
}


def may_see_link_field(role: str, field: str) -> bool:
    """Whether ``role`` may see ``field`` of a self-report link.

    Examples
    --------
    >>> may_see_link_field("front_desk", "suicidal_ideation")
    False
    >>> may_see_link_field("front_desk", "status")
    True
    """
    permission = SELF_REPORT_LINK_FIELDS.get(field)
    if permission is None:
        raise ValueError(f"field must be one of {sorted(SELF_REPORT_LINK_FIELDS)}, got {field!r}")
    return is_allowed(role, permission)
