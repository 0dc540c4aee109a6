"""Accounts over HTTP and the CLI on both databases: users, tokens (hashed, revocable,
expiring), one's own account, the admin pages, `trdcare user ...`."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update
from typer.testing import CliRunner

from trdcare.adapters.db.engine import unit_of_work
from trdcare.adapters.db.models import ApiToken, User, WebSession
from trdcare.cli import app as cli_app
from trdcare.core.clock import utc_now
from web_support import PASSWORD, WebClient, client, username_for, web_app

FIXTURES = (client, web_app)
NEW_USER = {
    "username": "new.nurse",
    "display_name": "New Nurse",
    "role": "clinician",
    "password": "another long passphrase",
}


class TestUsersApi:
    def test_admin_adds_and_deactivates_a_user(self, client: WebClient) -> None:
        client.as_role("admin")
        created = client.post("/api/v1/users", json=NEW_USER)
        assert created.status_code == 201 and "password" not in created.json()
        assert client.post("/api/v1/users", json=NEW_USER).status_code == 409
        weak = client.post(
            "/api/v1/users", json={**NEW_USER, "username": "x.y", "password": "short"}
        )
        assert weak.status_code == 422 and weak.json()["errors"][0]["path"] == "password"
        bad_role = client.post(
            "/api/v1/users", json={**NEW_USER, "username": "p.q", "role": "patient"}
        )
        assert bad_role.status_code == 422
        token = client.post("/api/v1/users/new.nurse/tokens", json={"name": "integration"}).json()
        assert token["token"].startswith("trd_")
        changed = client.patch(
            "/api/v1/users/new.nurse", json={"is_active": False, "reason": "left the clinic"}
        )
        assert changed.status_code == 200 and changed.json()["is_active"] is False
        client.headers["authorization"] = f"Bearer {token['token']}"
        assert client.get("/api/v1/me").status_code == 401
        client.as_role("admin")
        users = client.get("/api/v1/users").json()
        assert users["total"] == 6

    def test_admins_cannot_lock_themselves_out(self, client: WebClient) -> None:
        client.as_role("admin")
        r = client.patch(
            f"/api/v1/users/{username_for('admin')}", json={"role": "physician", "reason": "oops"}
        )
        assert r.status_code == 409


class TestTokens:
    def test_tokens_are_hashed_revocable_and_expire(self, client: WebClient) -> None:
        client.as_role("physician")
        me = client.get("/api/v1/me").json()
        assert me["role"] == "physician" and "tms.plan" in me["permissions"]
        created = client.post("/api/v1/me/tokens", json={"name": "script", "expires_in_days": 5})
        raw = created.json()["token"]
        with unit_of_work(client.engine) as session:
            hashes = session.scalars(select(ApiToken.token_hash)).all()
        assert raw not in hashes
        client.headers["authorization"] = f"Bearer {raw}"
        assert client.get("/api/v1/me").status_code == 200
        listed = client.get("/api/v1/me/tokens").json()
        assert any(t["ref"] == created.json()["ref"] for t in listed)
        with unit_of_work(client.engine) as session:
            session.execute(
                update(ApiToken)
                .where(ApiToken.ref == created.json()["ref"])
                .values(expires_at=utc_now() - timedelta(seconds=1))
            )
        assert client.get("/api/v1/me").status_code == 401
        client.as_role("physician")
        second = client.post("/api/v1/me/tokens", json={"name": "two"}).json()
        revoked = client.post(f"/api/v1/me/tokens/{second['ref']}/revoke")
        assert revoked.json()["revoked_at"] is not None
        client.headers["authorization"] = f"Bearer {second['token']}"
        assert client.get("/api/v1/me").status_code == 401

    def test_admin_sees_and_revokes_any_token(self, client: WebClient) -> None:
        client.as_role("technician")
        mine = client.post("/api/v1/me/tokens", json={"name": "x"}).json()
        client.as_role("admin")
        tokens = client.get("/api/v1/tokens").json()
        assert any(t["ref"] == mine["ref"] and t["username"] == "technician.test" for t in tokens)
        assert client.post(f"/api/v1/tokens/{mine['ref']}/revoke").status_code == 200
        client.as_role("physician")
        assert client.post(f"/api/v1/me/tokens/{mine['ref']}/revoke").status_code == 404

    def test_roles_matrix_endpoint(self, client: WebClient) -> None:
        client.as_role("front_desk")
        matrix = client.get("/api/v1/roles").json()
        assert {r["role"] for r in matrix["roles"]} >= {"admin", "patient"}


class TestPages:
    def test_account_page_password_change_ends_sessions(self, client: WebClient) -> None:
        client.as_role("clinician", via="session")
        page = client.get("/account")
        assert page.status_code == 200 and "What this role may do" in page.text
        mismatch = client.form(
            "/account/password",
            {"current_password": PASSWORD, "new_password": "x" * 20, "confirm_password": "y" * 20},
        )
        assert mismatch.status_code == 422
        wrong = client.form(
            "/account/password",
            {
                "current_password": "not my password",
                "new_password": "a fresh long passphrase",
                "confirm_password": "a fresh long passphrase",
            },
        )
        assert wrong.status_code == 422 and "current_password" in wrong.text
        ok = client.form(
            "/account/password",
            {
                "current_password": PASSWORD,
                "new_password": "a fresh long passphrase",
                "confirm_password": "a fresh long passphrase",
            },
        )
        assert ok.status_code == 303
        with unit_of_work(client.engine) as session:
            assert session.scalars(select(WebSession.ended_reason)).all() == ["password_changed"]
        created = client.as_role("clinician", via="session").form(
            "/account/tokens", {"name": "cli"}
        )
        assert created.status_code == 200 and 'id="new-token"' in created.text

    def test_admin_pages(self, client: WebClient) -> None:
        client.as_role("admin", via="session")
        assert "Roles and permissions" in client.get("/admin/users").text
        added = client.form("/admin/users", NEW_USER)
        assert added.status_code == 200 and "Added user new.nurse" in added.text
        weak = client.form("/admin/users", {**NEW_USER, "username": "w.w", "password": "short"})
        assert weak.status_code == 422
        changed = client.form(
            "/admin/users/new.nurse", {"role": "technician", "reason": "now runs the TMS room"}
        )
        assert changed.status_code == 200
        with unit_of_work(client.engine) as session:
            assert (
                session.scalar(select(User.role).where(User.username == "new.nurse"))
                == "technician"
            )
        assert client.get("/admin/audit?action=create").status_code == 200
        assert client.get("/", follow_redirects=False).headers["location"] == "/admin/users"


class TestCli:
    def test_user_add_list_token_roles(self, client: WebClient) -> None:
        url = client.engine.url.render_as_string(hide_password=False)
        runner = CliRunner()
        added = runner.invoke(
            cli_app,
            [
                "--database-url",
                url,
                "user",
                "add",
                "cli.doc",
                "--role",
                "physician",
                "--password-stdin",
                "--json",
            ],
            input="a long cli passphrase\n",
        )
        assert added.exit_code == 0, added.output
        bad = runner.invoke(
            cli_app,
            [
                "--database-url",
                url,
                "user",
                "add",
                "cli.two",
                "--role",
                "nurse",
                "--generate-password",
            ],
        )
        assert bad.exit_code == 2 and "role" in bad.output
        listed = runner.invoke(cli_app, ["--database-url", url, "user", "list", "--json"])
        assert '"cli.doc"' in listed.output
        token = runner.invoke(
            cli_app, ["--database-url", url, "user", "token", "cli.doc", "--json"]
        )
        assert token.exit_code == 0 and '"token": "trd_' in token.output
        roles = runner.invoke(cli_app, ["user", "roles"])
        assert roles.exit_code == 0 and "| `tms.plan` |" in roles.output
