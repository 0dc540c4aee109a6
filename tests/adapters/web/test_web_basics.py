"""The web application's plumbing: health, headers, problem+json, sign-in, CSRF, logoff."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi import FastAPI
from sqlalchemy import select, update

from trdcare.adapters.db.engine import unit_of_work
from trdcare.adapters.db.models import AuditEvent, WebSession
from trdcare.adapters.web.logs import redact
from trdcare.adapters.web.security import SECURE_SESSION_COOKIE, SESSION_COOKIE
from trdcare.adapters.web.settings import ConfigurationError, load_web_settings
from trdcare.core.clock import utc_now
from web_support import PASSWORD, WebClient, client, csrf_from, username_for, web_app

FIXTURES = (client, web_app)


def sign_in(client: WebClient, username: str, password: str = PASSWORD) -> object:
    page = client.get("/login")
    assert page.status_code == 200
    return client.post(
        "/login",
        data={"csrf_token": csrf_from(page.text), "username": username, "password": password},
        follow_redirects=False,
    )


class TestHealthAndHeaders:
    def test_health_needs_no_auth_and_carries_security_headers(self, client: WebClient) -> None:
        response = client.get("/api/v1/health")
        assert response.status_code == 200 and response.json()["status"] == "ok"
        csp = response.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "same-origin"
        assert response.headers["cache-control"] == "no-store"

    def test_static_assets_are_local(self, client: WebClient) -> None:
        for asset in ("/static/app.css", "/static/app.js", "/static/favicon.svg"):
            response = client.get(asset)
            assert response.status_code == 200, asset
            assert "public" in response.headers["cache-control"]

    def test_pages_have_no_inline_script_or_cdn(self, client: WebClient) -> None:
        html = client.get("/login").text
        assert "<script>" not in html and "<script " not in html.replace(
            '<script src="/static/', ""
        )
        assert "style=" not in html and "http://" not in html and "https://" not in html

    def test_openapi_is_served_and_docs_need_no_cdn(self, client: WebClient) -> None:
        schema = client.get("/api/v1/openapi.json").json()
        assert "/api/v1/patients" in schema["paths"]
        assert schema["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
        assert client.get("/docs").status_code == 404


class TestProblems:
    def test_api_without_credentials_is_401_problem(self, client: WebClient) -> None:
        response = client.get("/api/v1/patients")
        assert response.status_code == 401
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.headers["www-authenticate"].startswith("Bearer")
        body = response.json()
        assert body["status"] == 401 and body["code"] == "not_authenticated"

    def test_bad_token_is_401(self, client: WebClient) -> None:
        client.headers["authorization"] = "Bearer trd_nope"
        assert client.get("/api/v1/patients").status_code == 401
        client.headers["authorization"] = "Basic abc"
        assert client.get("/api/v1/patients").status_code == 401

    def test_validation_error_names_the_field(self, client: WebClient) -> None:
        client.as_role("front_desk")
        response = client.post(
            "/api/v1/patients",
            json={"mrn": "X1", "given_name": "A", "family_name": "B", "birth_date": "not-a-date"},
        )
        assert response.status_code == 422
        body = response.json()
        assert body["code"] == "invalid_input"
        assert [e["path"] for e in body["errors"]] == ["birth_date"]
        assert body["errors"][0]["pointer"] == "#/birth_date"
        assert body["detail"].startswith("Date of birth must be a date")

    def test_domain_error_keeps_its_code(self, client: WebClient) -> None:
        client.as_role("front_desk")
        response = client.post(
            "/api/v1/patients",
            json={"mrn": "X1", "given_name": "A", "family_name": "B", "birth_date": "2999-01-01"},
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["path"] == "birth_date"

    def test_unknown_route_is_problem_json_under_api(self, client: WebClient) -> None:
        response = client.get("/api/v1/nothing-here")
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("application/problem+json")
        assert client.get("/nothing-here").headers["content-type"].startswith("text/html")

    def test_internal_errors_are_bare_500_without_data(
        self, web_app: FastAPI, caplog: pytest.LogCaptureFixture
    ) -> None:
        @web_app.get("/api/v1/boom")
        def boom() -> None:
            raise RuntimeError("secret patient detail")

        with WebClient(web_app, raise_server_exceptions=False) as test_client:
            response = test_client.get("/api/v1/boom")
        assert response.status_code == 500
        assert "secret" not in response.text
        assert response.json()["code"] == "internal_error"
        assert "secret patient detail" not in caplog.text
        assert "RuntimeError" in caplog.text


class TestSignIn:
    def test_sign_in_sets_a_hardened_cookie_and_lands_by_role(self, client: WebClient) -> None:
        response = sign_in(client, username_for("front_desk"))
        assert response.status_code == 303 and response.headers["location"] == "/patients"
        cookie = next(h for h in response.headers.get_list("set-cookie") if SESSION_COOKIE in h)
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie
        assert client.get("/patients").status_code == 200

    def test_over_https_the_cookie_is_secure_and_host_prefixed(self, web_app: FastAPI) -> None:
        with WebClient(web_app, base_url="https://testserver") as https_client:
            https_client.engine = web_app.state.engine
            response = sign_in(https_client, username_for("physician"))
        cookie = next(h for h in response.headers.get_list("set-cookie") if "session" in h)
        assert cookie.startswith(SECURE_SESSION_COOKIE) and "Secure" in cookie
        assert "strict-transport-security" in response.headers

    def test_wrong_password_then_lockout(self, client: WebClient) -> None:
        name = username_for("clinician")
        for _ in range(4):
            assert sign_in(client, name, "wrong password wrong").status_code == 401
        assert sign_in(client, name, "wrong password wrong").status_code == 429
        # Locked: even the right password is refused now.
        assert sign_in(client, name).status_code == 429
        with unit_of_work(client.engine) as session:
            denied = session.scalars(
                select(AuditEvent.detail).where(AuditEvent.action == "denied")
            ).all()
        assert {"reason": "locked"} in denied and {"reason": "invalid"} in denied

    def test_login_form_without_csrf_is_refused(self, client: WebClient) -> None:
        client.get("/login")
        response = client.post(
            "/login", data={"username": username_for("physician"), "password": PASSWORD}
        )
        assert response.status_code == 403

    def test_next_must_stay_on_this_site(self, client: WebClient) -> None:
        page = client.get("/login?next=//evil.example/")
        response = client.post(
            "/login",
            data={
                "csrf_token": csrf_from(page.text),
                "username": username_for("physician"),
                "password": PASSWORD,
                "next": "//evil.example/",
            },
            follow_redirects=False,
        )
        assert response.headers["location"] == "/dashboard"

    def test_pages_redirect_anonymous_users_to_login(self, client: WebClient) -> None:
        response = client.get("/patients", follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == "/login?next=/patients"


class TestCsrfAndSessions:
    def test_state_change_with_cookie_needs_the_csrf_token(self, client: WebClient) -> None:
        client.as_role("front_desk", via="session")
        data = {"mrn": "M1", "given_name": "A", "family_name": "B", "birth_date": "1990-01-01"}
        refused = client.post("/patients/new", data=data, follow_redirects=False)
        assert refused.status_code == 403
        assert client.form("/patients/new", data).status_code == 303

    def test_api_json_with_cookie_needs_the_csrf_header(self, client: WebClient) -> None:
        client.as_role("front_desk", via="session")
        body = {"mrn": "M2", "given_name": "A", "family_name": "B", "birth_date": "1990-01-01"}
        assert client.post("/api/v1/patients", json=body).status_code == 403
        ok = client.post("/api/v1/patients", json=body, headers={"X-CSRF-Token": client.csrf})
        assert ok.status_code == 201

    def test_foreign_origin_is_refused(self, client: WebClient) -> None:
        client.as_role("front_desk", via="session")
        data = {"mrn": "M3", "given_name": "A", "family_name": "B", "birth_date": "1990-01-01"}
        response = client.form("/patients/new", data, headers={"Origin": "https://evil.example"})
        assert response.status_code == 403

    def test_inactivity_logs_off(self, client: WebClient) -> None:
        client.as_role("physician", via="session")
        assert client.get("/patients").status_code == 200
        with unit_of_work(client.engine) as session:
            session.execute(
                update(WebSession).values(last_seen_at=utc_now() - timedelta(minutes=16))
            )
        response = client.get("/patients", follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/login")
        with unit_of_work(client.engine) as session:
            ended = session.scalars(select(WebSession.ended_reason)).all()
        assert ended == ["idle"]

    def test_logout_ends_the_session(self, client: WebClient) -> None:
        client.as_role("physician", via="session")
        response = client.form("/logout")
        assert response.status_code == 303
        assert client.get("/api/v1/me").status_code == 401


class TestSettings:
    def test_production_refuses_to_start_without_a_secret_key(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: object
    ) -> None:
        monkeypatch.setenv("TRDCARE_ENV", "production")
        monkeypatch.setenv("TRDCARE_PUBLIC_URL", "https://trd.clinic.example")
        monkeypatch.delenv("TRDCARE_SECRET_KEY", raising=False)
        with pytest.raises(ConfigurationError, match="TRDCARE_SECRET_KEY"):
            load_web_settings(data_dir=str(tmp_path))
        monkeypatch.setenv("TRDCARE_SECRET_KEY", "short")
        with pytest.raises(ConfigurationError, match="TRDCARE_SECRET_KEY"):
            load_web_settings(data_dir=str(tmp_path))
        monkeypatch.setenv("TRDCARE_SECRET_KEY", "k" * 40)
        settings = load_web_settings(data_dir=str(tmp_path))
        assert settings.production and settings.secure_cookies

    def test_development_key_is_kept_private_and_stable(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: object
    ) -> None:
        monkeypatch.delenv("TRDCARE_ENV", raising=False)
        monkeypatch.delenv("TRDCARE_SECRET_KEY", raising=False)
        first = load_web_settings(data_dir=str(tmp_path))
        second = load_web_settings(data_dir=str(tmp_path))
        assert first.secret_key == second.secret_key and len(first.secret_key) >= 32
        key_file = first.base.data_dir / "secret_key"
        assert oct(key_file.stat().st_mode)[-3:] == "600"

    def test_bad_environment_values_name_the_variable(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: object
    ) -> None:
        monkeypatch.setenv("TRDCARE_SESSION_IDLE_MINUTES", "0")
        with pytest.raises(ConfigurationError, match="TRDCARE_SESSION_IDLE_MINUTES"):
            load_web_settings(data_dir=str(tmp_path))
        monkeypatch.delenv("TRDCARE_SESSION_IDLE_MINUTES")
        monkeypatch.setenv("TRDCARE_REQUESTS_PER_WORKER", "65")
        with pytest.raises(
            ConfigurationError,
            match=r"TRDCARE_REQUESTS_PER_WORKER: out of range \(allowed: 1 to 64",
        ):
            load_web_settings(data_dir=str(tmp_path))
        monkeypatch.setenv("TRDCARE_REQUESTS_PER_WORKER", "8")
        assert load_web_settings(data_dir=str(tmp_path)).requests_per_worker == 8

    def test_access_log_redacts_link_tokens(self) -> None:
        assert redact("/r/abcDEF123?x=1") == "/r/[redacted]?x=1"
        assert redact("/api/v1/self-report/tok") == "/api/v1/self-report/[redacted]"
        assert redact("/patients/P-0123456789") == "/patients/P-0123456789"
