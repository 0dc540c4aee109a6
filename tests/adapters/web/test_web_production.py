"""Production mode refuses what is only safe on a developer's machine (issue 14, findings 6
and 8): demo logins, a session cookie without the ``__Host-`` prefix, self-report links built
from the request's Host header; and the embedded database is private to its owner."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
import typer
from fastapi import FastAPI
from sqlalchemy import Engine, text

from trdcare.accounts import service as account_service
from trdcare.accounts.schemas import UserUpdate
from trdcare.adapters.db.engine import make_engine, unit_of_work
from trdcare.adapters.web.app import create_app
from trdcare.adapters.web.security import SECURE_SESSION_COOKIE, SESSION_COOKIE
from trdcare.adapters.web.serve import DEMO_USERS, prepare
from trdcare.adapters.web.settings import ConfigurationError, load_web_settings
from web_support import SETUP, WebClient, csrf_from, make_settings, username_for, web_app

FIXTURES = (web_app,)
PUBLIC_URL = "https://trd.clinic.example"


@pytest.fixture
def production_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("TRDCARE_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("TRDCARE_SECRET_KEY", "k" * 48)
    monkeypatch.setenv("TRDCARE_AUDIT_KEY", "a" * 48)
    monkeypatch.setenv("TRDCARE_PUBLIC_URL", PUBLIC_URL)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


class TestDemoLogins:
    def test_production_refuses_a_database_with_demo_logins(
        self,
        production_env: None,
        monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """Finding 6: a data folder made in development, then served in production, let the
        demo physician sign in."""
        data = tmp_path / "data"
        logins = prepare(load_web_settings(data_dir=data), demo=True, patients=3)
        physician = next(login for login in logins if login.role == "physician")
        monkeypatch.setenv("TRDCARE_ENV", "production")
        settings = load_web_settings(data_dir=data)
        with pytest.raises(ConfigurationError) as refused:
            create_app(settings)
        message = str(refused.value)
        assert "demo" in message and physician.username in message
        assert "trdcare user set" in message and "--deactivate" in message
        # `trdcare serve` says the same before starting anything (exit 2).
        with pytest.raises(typer.Exit) as exit_info:
            prepare(settings, demo=True)
        assert exit_info.value.exit_code == 2
        assert physician.username in capsys.readouterr().err
        # Once every demo login is deactivated the clinic starts, and they cannot sign in.
        engine = make_engine(settings.database_url)
        with unit_of_work(engine) as session:
            for username, _, _ in DEMO_USERS:
                user = account_service.get_user(session, username)
                account_service.update_user(
                    session, SETUP, user, UserUpdate(is_active=False, reason="production")
                )
        engine.dispose()
        app = create_app(settings)
        try:
            with WebClient(app, base_url=PUBLIC_URL) as browser:
                page = browser.get("/login")
                signed_in = browser.post(
                    "/login",
                    data={
                        "csrf_token": csrf_from(page.text),
                        "username": physician.username,
                        "password": physician.password,
                    },
                    follow_redirects=False,
                )
            assert signed_in.status_code == 401
        finally:
            app.state.engine.dispose()


class TestProductionSettings:
    def test_production_needs_the_public_https_address(
        self, production_env: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        """Finding 8: without TRDCARE_PUBLIC_URL, link URLs came from the Host header."""
        monkeypatch.setenv("TRDCARE_ENV", "production")
        monkeypatch.delenv("TRDCARE_PUBLIC_URL")
        with pytest.raises(ConfigurationError, match="TRDCARE_PUBLIC_URL: production mode needs"):
            load_web_settings(data_dir=tmp_path)
        monkeypatch.setenv("TRDCARE_PUBLIC_URL", "http://trd.clinic.example")
        with pytest.raises(ConfigurationError, match=r"TRDCARE_PUBLIC_URL: .*https"):
            load_web_settings(data_dir=tmp_path)
        monkeypatch.setenv("TRDCARE_PUBLIC_URL", PUBLIC_URL + "/")
        assert load_web_settings(data_dir=tmp_path).public_url == PUBLIC_URL

    def test_production_reads_only_the_host_prefixed_session_cookie(
        self, web_app: FastAPI, database_url: str, engine: Engine, tmp_path: Path
    ) -> None:
        """Finding 8: the plain ``trdcare_session`` cookie (which a sibling site or a plain
        http answer can plant) was accepted in production beside ``__Host-``."""
        settings = make_settings(
            database_url, tmp_path, production=True, secure_cookies=True, public_url=PUBLIC_URL
        )
        app = create_app(settings)
        try:
            with unit_of_work(app.state.engine) as session:
                user = account_service.get_user(session, username_for("physician"))
                raw = account_service.start_session(
                    session,
                    user,
                    source="test",
                    user_agent="pytest",
                    policy=settings.session_policy,
                )
            with WebClient(app, base_url=PUBLIC_URL) as browser:
                browser.cookies.set(SESSION_COOKIE, raw)
                assert browser.get("/api/v1/me").status_code == 401
                browser.cookies.clear()
                browser.cookies.set(SECURE_SESSION_COOKIE, raw)
                assert browser.get("/api/v1/me").status_code == 200
        finally:
            app.state.engine.dispose()


class TestPrivateDatabase:
    def test_the_sqlite_file_and_its_new_folder_are_owner_only(self, tmp_path: Path) -> None:
        """Finding 8: the database was created world-readable (0644) in a 0755 folder."""
        folder = tmp_path / "new" / "data"
        previous = os.umask(0o022)  # a usual default: what the file got before
        try:
            engine = make_engine(f"sqlite:///{folder / 'trdcare.sqlite3'}")
            with engine.begin() as conn:
                conn.execute(text("CREATE TABLE t (x INTEGER)"))
                conn.execute(text("INSERT INTO t VALUES (1)"))
                # While a connection is open, the -wal and -shm files exist too.
                modes = {p.name: _mode(p) for p in folder.iterdir()}
            engine.dispose()
        finally:
            os.umask(previous)
        assert _mode(folder) == 0o700
        assert set(modes) >= {"trdcare.sqlite3", "trdcare.sqlite3-wal"}
        assert modes == dict.fromkeys(modes, 0o600)

    def test_the_development_data_folder_is_owner_only(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        for name in list(os.environ):
            if name.startswith("TRDCARE_"):
                monkeypatch.delenv(name)
        folder = tmp_path / "fresh"
        previous = os.umask(0o022)
        try:
            load_web_settings(data_dir=folder)  # writes the development secret key
        finally:
            os.umask(previous)
        assert _mode(folder) == 0o700
