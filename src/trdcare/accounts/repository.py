"""Every query of the accounts room."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from trdcare.adapters.db.models import (
    ApiToken,
    AuditEvent,
    LoginThrottle,
    Patient,
    SelfReportLink,
    User,
    WebSession,
)

# Read on every signed-in request, chart or dashboard: built once (see the TMS repository).
_SESSION_WITH_USER = (
    select(WebSession, User)
    .join(User, User.id == WebSession.user_id)
    .where(WebSession.session_hash == bindparam("session_hash"))
)
_TOKEN_WITH_USER = (
    select(ApiToken, User)
    .join(User, User.id == ApiToken.user_id)
    .where(ApiToken.token_hash == bindparam("token_hash"))
)
_PATIENT_LINKS = (
    select(SelfReportLink)
    .where(SelfReportLink.patient_id == bindparam("patient_id"))
    .order_by(SelfReportLink.created_at.desc(), SelfReportLink.id.desc())
    .limit(bindparam("limit"))
)
_OPEN_ALERTS = (
    select(SelfReportLink, Patient.ref)
    .join(Patient, Patient.id == SelfReportLink.patient_id)
    .where(
        SelfReportLink.suicidal_ideation.is_(True),
        SelfReportLink.alert_acknowledged_at.is_(None),
        Patient.retired_at.is_(None),
    )
    .order_by(SelfReportLink.used_at.desc())
)


class AccountRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # users -------------------------------------------------------------------------------
    def user_by_username(self, username: str) -> User | None:
        return self.session.scalar(select(User).where(User.username == username))

    def user_by_id(self, user_id: int) -> User | None:
        return self.session.get(User, user_id)

    def users(self) -> list[User]:
        return list(self.session.scalars(select(User).order_by(User.username)))

    def count_users(self) -> int:
        return int(self.session.scalar(select(func.count()).select_from(User)) or 0)

    def add(self, row: object) -> None:
        self.session.add(row)
        self.session.flush()

    # sessions ----------------------------------------------------------------------------
    def session_with_user(self, session_hash: str) -> tuple[WebSession, User] | None:
        row = self.session.execute(_SESSION_WITH_USER, {"session_hash": session_hash}).first()
        return None if row is None else (row[0], row[1])

    def end_sessions_of(self, user_id: int, now: datetime, reason: str) -> None:
        self.session.execute(
            update(WebSession)
            .where(WebSession.user_id == user_id, WebSession.ended_at.is_(None))
            .values(ended_at=now, ended_reason=reason)
        )

    # tokens ------------------------------------------------------------------------------
    def token_with_user(self, token_hash: str) -> tuple[ApiToken, User] | None:
        row = self.session.execute(_TOKEN_WITH_USER, {"token_hash": token_hash}).first()
        return None if row is None else (row[0], row[1])

    def tokens(self, user_id: int | None = None) -> list[tuple[ApiToken, str]]:
        query = select(ApiToken, User.username).join(User, User.id == ApiToken.user_id)
        if user_id is not None:
            query = query.where(ApiToken.user_id == user_id)
        rows = self.session.execute(query.order_by(ApiToken.created_at.desc(), ApiToken.id.desc()))
        return [(r[0], r[1]) for r in rows]

    def token_by_ref(self, ref: str) -> ApiToken | None:
        return self.session.scalar(select(ApiToken).where(ApiToken.ref == ref))

    def revoke_tokens_of(self, user_id: int, now: datetime, by: str) -> None:
        self.session.execute(
            update(ApiToken)
            .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
            .values(revoked_at=now, revoked_by=by)
        )

    # throttling --------------------------------------------------------------------------
    def throttle(self, key: str) -> LoginThrottle | None:
        return self.session.get(LoginThrottle, key)

    def lock_throttle(self, key: str) -> LoginThrottle:
        """The throttle row of ``key`` (created if new), locked until the transaction ends.

        Sign-in attempts on one key therefore run one after the other on PostgreSQL: each
        reads the count its predecessors wrote, so no more passwords are checked than the
        limit allows (SQLite writers already run one at a time). The row is read afresh,
        not from the session's identity map.
        """
        dialect = self.session.get_bind().dialect.name
        insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        self.session.execute(
            insert(LoginThrottle)
            .values(key=key, failures=0)
            .on_conflict_do_nothing(index_elements=[LoginThrottle.key])
        )
        return self.session.scalars(
            select(LoginThrottle)
            .where(LoginThrottle.key == key)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).one()

    # self-report links ---------------------------------------------------------------------
    def link_by_hash(self, token_hash: str) -> SelfReportLink | None:
        return self.session.scalar(
            select(SelfReportLink).where(SelfReportLink.token_hash == token_hash)
        )

    def link_by_ref(self, ref: str) -> SelfReportLink | None:
        return self.session.scalar(select(SelfReportLink).where(SelfReportLink.ref == ref))

    def claim_link(self, link: SelfReportLink, now: datetime) -> bool:
        """Mark ``link`` used if it is still open, in one conditional UPDATE; True if so.

        Of simultaneous claims exactly one matches: on PostgreSQL the others wait for the
        winner's row lock, then re-check the condition and match nothing (SQLite writers
        run one at a time).
        """
        result = self.session.execute(
            update(SelfReportLink)
            .where(
                SelfReportLink.id == link.id,
                SelfReportLink.used_at.is_(None),
                SelfReportLink.revoked_at.is_(None),
                SelfReportLink.expires_at > now,
            )
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        )
        claimed = bool(getattr(result, "rowcount", 0) == 1)
        if claimed:
            set_committed_value(link, "used_at", now)
        return claimed

    def link_of_assessment(self, assessment_id: int) -> SelfReportLink | None:
        return self.session.scalar(
            select(SelfReportLink).where(SelfReportLink.assessment_id == assessment_id)
        )

    def claim_link_alert(self, link: SelfReportLink, now: datetime, by: str) -> bool:
        """Mark the link's suicide alert acknowledged unless it is already, in one
        conditional UPDATE; True if this call did (the second of two gets False)."""
        result = self.session.execute(
            update(SelfReportLink)
            .where(
                SelfReportLink.id == link.id,
                SelfReportLink.suicidal_ideation.is_(True),
                SelfReportLink.alert_acknowledged_at.is_(None),
            )
            .values(alert_acknowledged_at=now, alert_acknowledged_by=by)
            .execution_options(synchronize_session=False)
        )
        claimed = bool(getattr(result, "rowcount", 0) == 1)
        if claimed:
            set_committed_value(link, "alert_acknowledged_at", now)
            set_committed_value(link, "alert_acknowledged_by", by)
        return claimed

    def revoke_link(self, link: SelfReportLink, now: datetime, by: str) -> bool:
        """Revoke ``link`` if it is still open, in one conditional UPDATE (as
        :meth:`claim_link`: of a revocation and a submission at once, one wins); True if so."""
        result = self.session.execute(
            update(SelfReportLink)
            .where(
                SelfReportLink.id == link.id,
                SelfReportLink.used_at.is_(None),
                SelfReportLink.revoked_at.is_(None),
                SelfReportLink.expires_at > now,
            )
            .values(revoked_at=now, revoked_by=by)
            .execution_options(synchronize_session=False)
        )
        if getattr(result, "rowcount", 0) != 1:
            self.session.refresh(link)  # used, expired or revoked meanwhile
            return False
        set_committed_value(link, "revoked_at", now)
        set_committed_value(link, "revoked_by", by)
        return True

    def link_ref_exists(self, ref: str) -> bool:
        return self.link_by_ref(ref) is not None

    def token_ref_exists(self, ref: str) -> bool:
        return self.token_by_ref(ref) is not None

    def links_for_patient(self, patient_id: int, limit: int = 50) -> list[SelfReportLink]:
        return list(
            self.session.scalars(_PATIENT_LINKS, {"patient_id": patient_id, "limit": limit})
        )

    def open_alerts(self) -> list[tuple[SelfReportLink, str]]:
        """Self-reports with suicidal ideation not yet acknowledged, with the patient ref."""
        rows = self.session.execute(_OPEN_ALERTS)
        return [(r[0], r[1]) for r in rows]

    # audit viewer ------------------------------------------------------------------------
    def audit_events(
        self,
        *,
        patient_ref: str | None,
        actor: str | None,
        action: str | None,
        limit: int,
        offset: int,
    ) -> tuple[list[AuditEvent], int]:
        """A page of the audit log, newest first, filtered by patient, actor and action."""
        query = select(AuditEvent)
        if patient_ref:
            query = query.where(AuditEvent.patient_ref == patient_ref)
        if actor:
            query = query.where(AuditEvent.actor == actor)
        if action:
            query = query.where(AuditEvent.action == action)
        total = self.session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = self.session.scalars(
            query.order_by(AuditEvent.id.desc()).limit(limit).offset(offset)
        ).all()
        return list(rows), int(total)
