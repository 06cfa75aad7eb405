"""The review app's defences that are not routes: security headers on every response, a
request log that holds only method, route template and status, and the Origin and CSRF
checks every POST passes before its form is used."""

from __future__ import annotations

import hmac
import logging
import secrets
from collections.abc import Collection
from urllib.parse import urlsplit

from starlette.datastructures import FormData, MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
STATIC_PREFIX = "/static/"
CSRF_FIELD = "csrf"
CSRF_KEY = "csrf"

logger = logging.getLogger(__name__)


class CheckFailed(Exception):
    """A POST failed the Origin or CSRF check; the response is a 403 and nothing is read
    further."""


class SecurityHeadersMiddleware:
    """Adds ``SECURITY_HEADERS`` to every response, and ``Cache-Control: no-store`` to every
    response but the static files (pages carry item text and CSRF tokens)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cacheable = str(scope.get("path", "")).startswith(STATIC_PREFIX)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers[name] = value
                if not cacheable:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)


class RequestLogMiddleware:
    """Logs one line per request: method, route template (``/items/{item_id}``, never the
    path itself) and status. Nothing of the query, the body or the page reaches the log."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "<no route>"
            logger.info("%s %s %d", scope.get("method", "-"), template, status)


def allowed_origins(hosts: Collection[str], port: int) -> frozenset[str]:
    """``http://<host>:<port>`` for each trusted host."""
    return frozenset(f"http://{host}:{port}" for host in hosts)


def check_origin(request: Request, origins: Collection[str]) -> None:
    """The request's ``Origin`` (or, without one, its ``Referer``'s origin) is ours.

    Raises:
        CheckFailed: it is another, or the request names none.
    """
    origin = request.headers.get("origin")
    if origin is None:
        referer = request.headers.get("referer")
        if referer is None:
            raise CheckFailed("no Origin or Referer")
        parts = urlsplit(referer)
        origin = f"{parts.scheme}://{parts.netloc}"
    if origin not in origins:
        raise CheckFailed("cross-origin request")


def csrf_token(request: Request) -> str:
    """The session's CSRF token, made on first use."""
    token = request.session.get(CSRF_KEY)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        request.session[CSRF_KEY] = token
    return token


def check_csrf(request: Request, form: FormData) -> None:
    """The form's CSRF field matches the session's token (constant time).

    Raises:
        CheckFailed: it is missing or differs, or the session has none.
    """
    expected = request.session.get(CSRF_KEY)
    given = form.get(CSRF_FIELD)
    if not isinstance(expected, str) or not expected or not isinstance(given, str):
        raise CheckFailed("no CSRF token")
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise CheckFailed("CSRF token differs")
