"""Login throttling and lockout as a pure state machine.

Each key (``user:<name>`` or ``ip:<address>``) counts failed logins in a sliding window.
Reaching the limit locks the key for a fixed time; a success clears the user key. Per-user
lockout stops guessing against one account; the per-address limit stops spraying many
accounts from one place. The limits follow NIST SP 800-63B-4 section 3.2.2 (a verifier
SHALL limit consecutive failed attempts to no more than 100; lower limits with a temporary
lockout are allowed) and OWASP's Authentication Cheat Sheet (account lockout with an
observation window and a lockout duration).

References
----------
.. [1] NIST Special Publication 800-63B-4, section 3.2.2 (Rate Limiting / Throttling).
.. [2] OWASP Cheat Sheet Series, Authentication Cheat Sheet, "Account Lockout".
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class LockoutPolicy:
    """How many failures in which window lock a key, and for how long."""

    user_max_failures: int = 5
    ip_max_failures: int = 30
    window: timedelta = timedelta(minutes=15)
    lockout: timedelta = timedelta(minutes=15)

    def limit_for(self, key: str) -> int:
        return self.ip_max_failures if key.startswith("ip:") else self.user_max_failures


LOCKOUT_POLICY = LockoutPolicy()


@dataclass(frozen=True, slots=True)
class ThrottleState:
    """The failure count of one key since ``window_started_at`` and any lock."""

    failures: int = 0
    window_started_at: datetime | None = None
    locked_until: datetime | None = None

    def is_locked(self, now: datetime) -> bool:
        return self.locked_until is not None and now < self.locked_until

    def after_failure(self, key: str, now: datetime, policy: LockoutPolicy) -> ThrottleState:
        """The state after one more failed attempt at ``now``."""
        if self.window_started_at is None or now - self.window_started_at > policy.window:
            state = ThrottleState(failures=1, window_started_at=now, locked_until=None)
        else:
            state = replace(self, failures=self.failures + 1)
        if state.failures >= policy.limit_for(key):
            state = replace(state, locked_until=now + policy.lockout)
        return state

    def after_success(self) -> ThrottleState:
        return ThrottleState()
