"""Account and user forms parsed by the API's models (issue 14, finding 14): every problem at
once beside its field, in plain words, the values kept (never a password)."""

from __future__ import annotations

from trdcare.core.inputs import NAME_MAX_CHARS
from web_support import PASSWORD, WebClient, assert_plain, client, csrf_from, field_errors, web_app

FIXTURES = (client, web_app)


def test_add_user_form_shows_every_problem_and_keeps_the_values(client: WebClient) -> None:
    client.as_role("admin", via="session")
    response = client.form(
        "/admin/users",
        {
            "username": "John Smith",
            "display_name": "J" * 20_000,
            "role": "superuser",
            "password": "a secret passphrase 99",
        },
    )
    assert response.status_code == 422
    errors = field_errors(response.text)
    assert errors["username"] == "Username is not written in the expected form (e.g. j.smith)."
    assert errors["display_name"].startswith(
        f"Display name is too long: at most {NAME_MAX_CHARS} characters"
    )
    assert errors["role"].startswith("Role must be one of: admin, physician, clinician")
    assert 'value="John Smith"' in response.text
    assert "a secret passphrase 99" not in response.text
    assert_plain(response.text)


def test_password_change_says_which_field_is_wrong(client: WebClient) -> None:
    client.as_role("clinician", via="session")
    response = client.form(
        "/account/password",
        {
            "current_password": PASSWORD,
            "new_password": "a new long passphrase 1",
            "confirm_password": "a new long passphrase 2",
        },
    )
    assert response.status_code == 422
    assert field_errors(response.text)["confirm_password"] == (
        "Repeated new password: does not match the new password."
    )
    assert "a new long passphrase" not in response.text
    token = client.form("/account/tokens", {"name": "n" * 500, "expires_in_days": "400"})
    assert token.status_code == 422
    errors = field_errors(token.text)
    assert errors["name"].startswith("What it is for is too long")
    assert errors["expires_in_days"] == "Valid for (days) must be at most 366."
    assert_plain(token.text)


def test_sign_in_without_a_username_says_so(client: WebClient) -> None:
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"csrf_token": csrf_from(page.text), "username": "", "password": "x"},
        follow_redirects=False,
    )
    assert response.status_code == 422
    assert "Username is required." in response.text
    assert_plain(response.text)


def test_a_short_new_password_is_said_in_the_first_round_with_the_other_problems(
    client: WebClient,
) -> None:
    """Before, the form first said only 'does not match'; the policy's 'too short' came only
    after that was corrected (a second round)."""
    client.as_role("clinician", via="session")
    response = client.form(
        "/account/password",
        {"current_password": "", "new_password": "x", "confirm_password": "x"},
    )
    assert response.status_code == 422
    errors = field_errors(response.text)
    assert errors["current_password"] == "Current password is required."
    assert errors["new_password"] == (
        "New password: is too short (allowed: 15 to 128 characters; given: 1 character)."
    )
    assert "confirm_password" not in errors  # the refused password is said once
    assert_plain(response.text)
