"""`trdcare audit verify` / `audit checkpoint` and the audit key's settings (both databases
for the commands)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, delete, select
from typer.testing import CliRunner

from trdcare.adapters.db.engine import unit_of_work
from trdcare.adapters.db.models import AuditEvent
from trdcare.adapters.web.settings import ConfigurationError, load_web_settings
from trdcare.audit import service as audit
from trdcare.audit.keys import (
    AUDIT_KEY_FILENAME,
    ENV_AUDIT_KEY,
    ENV_AUDIT_KEY_FILE,
    AuditKeyError,
    load_audit_key,
)
from trdcare.cli import app
from trdcare.core.actor import Actor

runner = CliRunner()
ACTOR = Actor(username="dr.test", role="physician", source="test")


def trdcare(url: str, *args: str) -> Any:
    return runner.invoke(app, ["--database-url", url, "audit", *args])


def _record(engine: Engine, n: int) -> None:
    with unit_of_work(engine) as session:
        for i in range(n):
            audit.record(session, ACTOR, "read", "patient", patient_ref=f"P-{i}")


def test_verify_says_what_it_checked_and_what_it_cannot(
    database_url: str, engine: Engine, tmp_path: Path
) -> None:
    checkpoints = tmp_path / "cp.jsonl"
    for _ in range(4):
        _record(engine, 3)
    written = trdcare(database_url, "checkpoint", "--checkpoints", str(checkpoints), "--json")
    assert written.exit_code == 0, written.output
    with engine.connect() as conn:
        # 12, and the command's own first-run event (the read-model rebuild, if any).
        total = len(conn.scalars(select(AuditEvent.id)).all())
    assert json.loads(written.stdout)["entries"] == total >= 12
    ok = trdcare(database_url, "verify", "--checkpoints", str(checkpoints))
    assert ok.exit_code == 0, ok.output
    assert f"audit log intact: {total} entries" in ok.stdout
    assert (
        "checked:" in ok.stdout and "not checked (what this verification cannot tell):" in ok.stdout
    )
    assert "sealed with the audit key" in ok.stdout
    assert "signed checkpoint(s)" in ok.stdout
    assert "can rewrite everything" in ok.stdout
    # The newest five deleted: found through the checkpoint, named, exit 1.
    with unit_of_work(engine) as session:
        ids = session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)).all()
        session.execute(delete(AuditEvent).where(AuditEvent.id.in_(ids[-5:])))
    broken = trdcare(database_url, "verify", "--checkpoints", str(checkpoints), "--json")
    assert broken.exit_code == 1
    doc = json.loads(broken.stdout)
    assert doc["intact"] is False and doc["first_broken"]["entry_id"] == ids[-1]
    assert doc["checked"][0].startswith("a broken chain was read only up to its first break")
    assert doc["not_checked"]
    refused = trdcare(database_url, "checkpoint", "--checkpoints", str(checkpoints))
    assert refused.exit_code == 1 and "no checkpoint written" in refused.stderr
    assert len(checkpoints.read_text(encoding="utf-8").splitlines()) == 1


def test_verify_with_the_wrong_key_names_it(
    database_url: str, engine: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _record(engine, 2)
    monkeypatch.setenv(ENV_AUDIT_KEY, "a-different-clinic-key-" + "w" * 30)
    result = trdcare(database_url, "verify", "--checkpoints", str(tmp_path / "none.jsonl"))
    assert result.exit_code == 1
    assert "BROKEN" in result.stdout and "wrong key" in result.stdout


def test_production_without_an_audit_key_refuses_to_start(
    database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TRDCARE_ENV", "production")
    monkeypatch.setenv("TRDCARE_SECRET_KEY", "s" * 40)
    monkeypatch.setenv("TRDCARE_PUBLIC_URL", "https://trd.example.org")
    monkeypatch.delenv(ENV_AUDIT_KEY)
    with pytest.raises(ConfigurationError, match=f"{ENV_AUDIT_KEY_FILE}: production mode needs"):
        load_web_settings(data_dir=str(tmp_path))
    result = trdcare(database_url, "verify")
    assert result.exit_code == 2
    assert "production mode needs an audit key" in result.stderr
    assert not (tmp_path / AUDIT_KEY_FILENAME).exists()  # never made up in production
    key_file = tmp_path / "elsewhere" / "audit.key"
    key_file.parent.mkdir()
    key_file.write_text("f" * 40 + "\n", encoding="utf-8")
    monkeypatch.setenv(ENV_AUDIT_KEY_FILE, str(key_file))
    settings = load_web_settings(data_dir=str(tmp_path))
    assert settings.audit_key == load_audit_key(tmp_path, production=True)


def test_the_development_key_is_made_once_and_kept_private(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(ENV_AUDIT_KEY)
    first = load_audit_key(tmp_path, production=False)
    again = load_audit_key(tmp_path, production=False)
    assert first == again
    assert (tmp_path / AUDIT_KEY_FILENAME).stat().st_mode & 0o077 == 0
    monkeypatch.setenv(ENV_AUDIT_KEY, "too short")
    with pytest.raises(AuditKeyError, match=rf"{ENV_AUDIT_KEY}: the audit key is too short"):
        load_audit_key(tmp_path, production=False)
    monkeypatch.setenv(ENV_AUDIT_KEY_FILE, str(tmp_path / "missing.key"))
    with pytest.raises(AuditKeyError, match=f"{ENV_AUDIT_KEY_FILE}: no such file"):
        load_audit_key(tmp_path, production=False)
