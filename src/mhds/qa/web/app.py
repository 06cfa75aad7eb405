"""The review web app: ``create_app(settings)`` builds it over one QA run, ``serve(settings)``
runs it with uvicorn on loopback (another address only with ``allow_remote``).

Defences: a signed, HttpOnly, SameSite=Strict session cookie; a CSRF token in every form and
an Origin check on every POST; only ``127.0.0.1`` and ``localhost`` as Host (no DNS
rebinding); a strict Content-Security-Policy; Jinja autoescaping; and a request log that holds
method, route template and status only, never a path, a form or item text.
"""

from __future__ import annotations

import copy
import ipaddress
import logging
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.staticfiles import StaticFiles
from uvicorn.config import LOGGING_CONFIG

from mhds.errors import ConfigError
from mhds.qa.run import read_run, sample_records
from mhds.qa.web.routes import LoginRequired, NotAllowed, Site, render, router
from mhds.qa.web.security import (
    CheckFailed,
    RequestLogMiddleware,
    SecurityHeadersMiddleware,
    allowed_origins,
)
from mhds.qa.web.views import format_score
from mhds.store.base import Store

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
LOOPBACK = ("127.0.0.1", "localhost", "::1")
TRUSTED_HOSTS = ("127.0.0.1", "localhost")
SESSION_COOKIE = "mhds_qa_session"
SESSION_MAX_AGE = 12 * 60 * 60
ALLOW_REMOTE_FLAG = "--allow-remote"

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class WebSettings:
    """How the review app runs.

    Attributes:
        store: the store holding the QA run.
        run: the QA run's name.
        qa_prefix: where QA runs live in the store (the registry layout's ``qa``).
        host: the address to bind; loopback unless ``allow_remote``.
        port: the port to bind (POSTs must come from a page on this port).
        allow_remote: allow a non-loopback ``host`` (``--allow-remote``).
        secret_key: signs session cookies; random per process by default, so a restart
            logs everyone out.
    """

    store: Store
    run: str
    qa_prefix: str = "qa/"
    host: str = "127.0.0.1"
    port: int = 8765
    allow_remote: bool = False
    secret_key: bytes = field(default_factory=lambda: secrets.token_bytes(32), repr=False)

    def __post_init__(self) -> None:
        if not 1 <= self.port <= 65535:
            raise ConfigError(f"port {self.port} is not between 1 and 65535")
        if len(self.secret_key) < 16:
            raise ConfigError("the session secret key needs at least 16 bytes")

    @property
    def trusted_hosts(self) -> tuple[str, ...]:
        """Host names the app answers to: loopback names, and a remote address bound with
        ``allow_remote`` (an IP literal; a wildcard address adds nothing)."""
        extra = []
        if self.host == "::1":
            extra.append("[::1]")
        elif self.host not in LOOPBACK and self.allow_remote and not _is_wildcard(self.host):
            extra.append(f"[{self.host}]" if ":" in self.host else self.host)
        return TRUSTED_HOSTS + tuple(extra)


def check_bind(settings: WebSettings) -> None:
    """Refuse a non-loopback address unless the settings allow it.

    Raises:
        ConfigError: ``host`` is not loopback and ``allow_remote`` is off (naming the flag).
    """
    if settings.host not in LOOPBACK and not settings.allow_remote:
        raise ConfigError(
            f"refusing to bind {settings.host!r}: the review app serves clinical text and "
            f"binds to loopback (127.0.0.1, localhost, ::1); pass {ALLOW_REMOTE_FLAG} to "
            "bind another address"
        )


def create_app(settings: WebSettings) -> FastAPI:
    """The review app over the QA run ``settings.run``.

    Raises:
        ConfigError: no such QA run.
    """
    run = read_run(settings.store, settings.qa_prefix, settings.run)
    templates = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    templates.filters["score"] = format_score
    site = Site(
        store=settings.store,
        qa_prefix=settings.qa_prefix,
        run=run,
        records=sample_records(settings.store, settings.qa_prefix, run.name),
        origins=allowed_origins(settings.trusted_hosts, settings.port),
        templates=templates,
    )
    # The first is outermost: every response, a refused Host included, gets the headers.
    middleware = [
        Middleware(RequestLogMiddleware),
        Middleware(SecurityHeadersMiddleware),
        Middleware(TrustedHostMiddleware, allowed_hosts=list(settings.trusted_hosts)),
        Middleware(
            SessionMiddleware,
            secret_key=settings.secret_key.hex(),
            session_cookie=SESSION_COOKIE,
            max_age=SESSION_MAX_AGE,
            same_site="strict",
            https_only=False,
        ),
    ]
    app = FastAPI(
        title="mhds review",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        middleware=middleware,
    )
    app.state.site = site
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_exception_handler(LoginRequired, _login_required)
    app.add_exception_handler(NotAllowed, _not_allowed)
    app.add_exception_handler(CheckFailed, _check_failed)
    app.add_exception_handler(HTTPException, _http_error)
    return app


def server_config(settings: WebSettings, *, configure_logging: bool = True) -> uvicorn.Config:
    """The uvicorn configuration ``serve`` runs: no access log (the app logs method, route
    template and status), no Server header, no proxy headers trusted.

    Args:
        settings: the app's settings.
        configure_logging: install uvicorn's log handlers plus one for the app's request log
            (off where the caller owns logging, as in tests).

    Raises:
        ConfigError: a non-loopback host without ``allow_remote``, or no such QA run.
    """
    check_bind(settings)
    return uvicorn.Config(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        access_log=False,
        server_header=False,
        proxy_headers=False,
        log_config=_log_config() if configure_logging else None,
    )


def serve(settings: WebSettings) -> None:
    """Run the review app until interrupted.

    Raises:
        ConfigError: a non-loopback host without ``allow_remote``, or no such QA run.
    """
    config = server_config(settings)
    if settings.host not in LOOPBACK:
        logger.warning(
            "serving on %s without TLS: put it behind a TLS proxy that keeps the Host header",
            settings.host,
        )
    uvicorn.Server(config).run()


def _is_wildcard(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_unspecified
    except ValueError:
        return False


def _log_config() -> dict[str, Any]:
    config = copy.deepcopy(LOGGING_CONFIG)
    config["loggers"]["mhds.qa.web"] = {
        "handlers": ["default"],
        "level": "INFO",
        "propagate": False,
    }
    return config


def _page(request: Request, status_code: int, title: str, message: str, login: bool) -> Response:
    site: Site = request.app.state.site
    return render(
        request,
        site,
        "error.html",
        status_code=status_code,
        title=title,
        message=message,
        login=login,
    )


async def _login_required(request: Request, exc: Exception) -> Response:
    if request.method in ("GET", "HEAD"):
        return RedirectResponse("/login", status_code=303)
    return _page(request, 401, "Log in first", "This needs a session: log in again.", True)


async def _not_allowed(request: Request, exc: Exception) -> Response:
    # One answer whether the item exists or not: a reviewer learns nothing of others' items.
    return _page(request, 403, "Not available", "This page is not available to you.", False)


async def _check_failed(request: Request, exc: Exception) -> Response:
    # A stale or foreign form gets the same answer whatever failed, so it teaches nothing.
    message = "The form was not accepted (it may have expired): reload the page and retry."
    return _page(request, 403, "Request refused", message, True)


async def _http_error(request: Request, exc: Exception) -> Response:
    code = exc.status_code if isinstance(exc, HTTPException) else 500
    if code == 404:
        return _page(request, 404, "Not found", "There is no such page.", False)
    return _page(request, code, "Error", "The request could not be handled.", False)
