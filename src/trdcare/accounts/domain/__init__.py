"""Pure rules of the accounts room: roles, the permission matrix, passwords and lockout."""

from trdcare.accounts.domain.lockout import LOCKOUT_POLICY, LockoutPolicy, ThrottleState
from trdcare.accounts.domain.passwords import PASSWORD_POLICY, PasswordPolicy, check_password
from trdcare.accounts.domain.permissions import (
    PERMISSIONS,
    ROLE_DESCRIPTIONS,
    ROLES,
    SELF_REPORT_LINK_FIELDS,
    STAFF_ROLES,
    Permission,
    is_allowed,
    matrix_markdown,
    may_see_link_field,
    permissions_of,
)

__all__ = [
    "LOCKOUT_POLICY",
    "PASSWORD_POLICY",
    "PERMISSIONS",
    "ROLES",
    "ROLE_DESCRIPTIONS",
    "SELF_REPORT_LINK_FIELDS",
    "STAFF_ROLES",
    "LockoutPolicy",
    "PasswordPolicy",
    "Permission",
    "ThrottleState",
    "check_password",
    "is_allowed",
    "matrix_markdown",
    "may_see_link_field",
    "permissions_of",
]
