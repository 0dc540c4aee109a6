"""Pure account rules: the permission matrix, the password policy, the lockout machine."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from trdcare.accounts.domain import (
    LOCKOUT_POLICY,
    PERMISSIONS,
    ROLES,
    STAFF_ROLES,
    ThrottleState,
    check_password,
    is_allowed,
    matrix_markdown,
    permissions_of,
)
from trdcare.core.actor import ROLES as ACTOR_ROLES


def test_roles_are_the_actor_roles_without_system() -> None:
    assert set(ROLES) == set(ACTOR_ROLES) - {"system"}
    assert set(STAFF_ROLES) == set(ROLES) - {"patient"}


@pytest.mark.parametrize(
    ("role", "permission", "allowed"),
    [
        ("admin", "users.manage", True),
        ("admin", "clinical.read", False),
        ("admin", "patients.read", False),
        ("front_desk", "patients.write", True),
        ("front_desk", "clinical.read", False),
        ("front_desk", "self_report.send", True),
        ("technician", "tms.deliver", True),
        ("technician", "tms.plan", False),
        ("clinician", "tms.review", False),
        ("physician", "tms.review", True),
        ("physician", "tms.acknowledge", True),
        ("patient", "self_report.submit", True),
        ("patient", "patients.read", False),
    ],
)
def test_matrix_cells(role: str, permission: str, allowed: bool) -> None:
    assert is_allowed(role, permission) is allowed


def test_matrix_is_consistent_and_documented() -> None:
    for permission in PERMISSIONS.values():
        assert permission.roles <= set(ROLES), permission.id
        assert permission.roles, f"{permission.id} is held by nobody"
    assert permissions_of("patient") == ("self_report.submit",)
    table = matrix_markdown()
    assert table.count("\n") == len(PERMISSIONS) + 1
    with pytest.raises(ValueError, match="permission must be one of"):
        is_allowed("admin", "nope")


def test_password_policy() -> None:
    assert check_password("a long and unusual passphrase") == []
    assert [i.message for i in check_password("short")] == ["is too short"]
    assert "is a commonly used password" in [i.message for i in check_password("passwordpassword")]
    assert any(
        "username" in i.message for i in check_password("drsmithdrsmith", username="drsmith")
    )
    assert any("few characters" in i.message for i in check_password("aaaaaaaaaaaaaaaaab"))
    assert all("passphrase" not in str(i) for i in check_password("short passphrase"))


def test_lockout_after_the_limit_then_it_expires() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    state = ThrottleState()
    for _ in range(LOCKOUT_POLICY.user_max_failures - 1):
        state = state.after_failure("user:x", now, LOCKOUT_POLICY)
        assert not state.is_locked(now)
    state = state.after_failure("user:x", now, LOCKOUT_POLICY)
    assert state.is_locked(now)
    later = now + LOCKOUT_POLICY.lockout + timedelta(seconds=1)
    assert not state.is_locked(later)
    assert state.after_failure("user:x", later, LOCKOUT_POLICY).failures == 1
    ip = ThrottleState()
    for _ in range(LOCKOUT_POLICY.user_max_failures):
        ip = ip.after_failure("ip:1.2.3.4", now, LOCKOUT_POLICY)
    assert not ip.is_locked(now)
    assert state.after_success() == ThrottleState()
