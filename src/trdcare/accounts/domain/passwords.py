"""Password policy: length, a block list and context words; no composition rules.

Follows NIST SP 800-63B-4 section 3.1.1.2: a password used as the only authentication
factor is at least 15 characters long, at least 64 characters are accepted, no composition
rules (upper/lower/digit) are imposed, and candidates are checked against a block list of
commonly used passwords and context-specific words (the service name, the username).

References
----------
.. [1] NIST Special Publication 800-63B-4, Digital Identity Guidelines: Authentication and
   Authenticator Management, August 2025, section 3.1.1.2 (Password Verifiers).
"""

from __future__ import annotations

from dataclasses import dataclass

from trdcare.core.errors import Issue

# Short excerpt of the most common passwords in public breach corpora; anything this long
# enough to pass the length rule that still appears on such lists.
COMMON_PASSWORDS: frozenset[str] = frozenset(
    {
        "123456789012345",
        "1234567890123456",
        "qwertyuiopasdfgh",
        "passwordpassword",
        "password1234567",
        "iloveyouiloveyou",
        "aaaaaaaaaaaaaaa",
        "correcthorsebatterystaple",
        "qwertyuiop123456",
        "1q2w3e4r5t6y7u8i",
        "letmeinletmein1",
        "welcome12345678",
        "changemechangeme",
        "administrator123",
    }
)
CONTEXT_WORDS: tuple[str, ...] = ("trdcare", "password")


@dataclass(frozen=True, slots=True)
class PasswordPolicy:
    """Declared limits of a password (NIST SP 800-63B-4, 3.1.1.2)."""

    min_length: int = 15
    max_length: int = 128
    min_distinct_characters: int = 5


PASSWORD_POLICY = PasswordPolicy()


def check_password(
    password: str, *, username: str = "", policy: PasswordPolicy = PASSWORD_POLICY
) -> list[Issue]:
    """Every reason ``password`` is refused (empty list: acceptable).

    The password itself is never echoed in an issue.

    Examples
    --------
    >>> [i.message for i in check_password("short")]
    ['is too short']
    >>> check_password("a long and unusual passphrase")
    []
    """
    issues: list[Issue] = []
    allowed_len = f"{policy.min_length} to {policy.max_length} characters"
    size = f"{len(password)} character{'' if len(password) == 1 else 's'}"
    if len(password) < policy.min_length:
        issues.append(Issue("password", "is too short", allowed_len, size))
    if len(password) > policy.max_length:
        issues.append(Issue("password", "is too long", allowed_len, size))
    if len(set(password)) < policy.min_distinct_characters:
        issues.append(
            Issue(
                "password",
                "repeats too few characters",
                f"at least {policy.min_distinct_characters} different characters",
            )
        )
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS:
        issues.append(Issue("password", "is a commonly used password"))
    words = [w for w in (*CONTEXT_WORDS, username.lower()) if len(w) >= 3]
    if any(lowered == w or lowered.replace(w, "").strip() == "" for w in words):
        issues.append(Issue("password", "is only the username or the service name"))
    return issues
