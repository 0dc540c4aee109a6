"""Security headers, session cookies and CSRF protection.

* **Headers** on every response: a Content-Security-Policy that allows scripts, styles and
  images from this origin only (no inline script or style, no CDN), no framing, no
  referrer outside this site (self-report links carry a token), ``nosniff``, and ``no-store`` caching for
  everything that is not a static asset. HSTS is sent over https.
* **Cookies**: the session cookie is HttpOnly, SameSite=Lax, and Secure with the
  ``__Host-`` prefix whenever the request arrived over https (or in production); in
  production only the prefixed cookie is read.
* **CSRF**: every state-changing request authenticated by the session cookie must carry
  a token (form field ``csrf_token`` or header ``X-CSRF-Token``) equal to an HMAC of the
  session secret, and a foreign ``Origin`` is refused. Bearer-token requests carry no
  ambient credential and are exempt. This is the OWASP "synchronizer token" pattern in its
  stateless HMAC form, plus origin verification.

References
----------
.. [1] OWASP Cheat Sheet Series: Cross-Site Request Forgery Prevention; Session Management;
   HTTP Security Response Headers.
.. [2] W3C Content Security Policy Level 3.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
SESSION_COOKIE = "trdcare_session"
SECURE_SESSION_COOKIE = "__Host-trdcare_session"
LOGIN_COOKIE = "trdcare_login"
SECURE_LOGIN_COOKIE = "__Host-trdcare_login"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"

_BASE_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
)


class SecurityHeadersMiddleware:
    """Add the security headers to every HTTP response (pure ASGI, no body buffering)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        is_static = scope.get("path", "").startswith("/static/")
        is_https = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for key, value in _BASE_HEADERS:
                    headers.append(key.decode(), value.decode())
                if is_static:
                    headers["cache-control"] = "public, max-age=3600"
                else:
                    headers["cache-control"] = "no-store"
                if is_https:
                    headers["strict-transport-security"] = "max-age=63072000; includeSubDomains"
            await send(message)

        await self.app(scope, receive, send_with_headers)


def is_secure_request(request: Request, force: bool) -> bool:
    return force or request.url.scheme == "https"


def session_cookie_name(secure: bool) -> str:
    return SECURE_SESSION_COOKIE if secure else SESSION_COOKIE


def login_cookie_name(secure: bool) -> str:
    return SECURE_LOGIN_COOKIE if secure else LOGIN_COOKIE


def read_cookie(
    cookies: Mapping[str, str], secure_name: str, plain_name: str, *, secure_only: bool
) -> str | None:
    """The cookie's value; with ``secure_only`` (production) only the ``__Host-`` one.

    A ``__Host-`` cookie can only have been set by this host over https; the plain name can
    be planted by a sibling domain or a plain http answer (session fixation), so where every
    cookie is set secure, the plain one is never read.
    """
    value = cookies.get(secure_name)
    if not value and not secure_only:
        value = cookies.get(plain_name)
    return value or None


def csrf_token(secret_key: str, purpose: str, bound_to: str) -> str:
    """HMAC-SHA256 of a session (or pre-login) secret: the form's CSRF token."""
    message = f"{purpose}:{bound_to}".encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()


def csrf_matches(secret_key: str, purpose: str, bound_to: str, given: str | None) -> bool:
    if not given or not bound_to:
        return False
    return hmac.compare_digest(csrf_token(secret_key, purpose, bound_to), given)


def origin_allowed(request: Request) -> bool:
    """A browser's Origin (when sent) must be this site's own."""
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None
    own = f"{request.url.scheme}://{request.url.netloc}"
    return origin == own
