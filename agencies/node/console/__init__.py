"""The team console (SPEC §15): web pages served by the node, server-rendered from
templates, with small scripts of the project's own for live updates; no build step, no
CDN, a strict Content-Security-Policy, English and Russian."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Final

import aiohttp_jinja2
import jinja2
from aiohttp import web

from agencies.node.console import control_pages, pages
from trafsim_bus.live.http import SESSIONS, Handler
from trafsim_bus.live.sessions import Sessions

CONTENT_SECURITY_POLICY: Final = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    )
)
"""No inline script or style, nothing from elsewhere."""


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every answer carries the CSP and refuses to be framed or sniffed."""
    response = await handler(request)
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    return response


def static_folder() -> Path:
    """The console's scripts and styles (package data)."""
    return Path(str(resources.files(__package__).joinpath("static")))


def setup_console(app: web.Application) -> None:
    """Add the console to an application that serves a live exercise."""
    aiohttp_jinja2.setup(
        app,
        loader=jinja2.PackageLoader(__package__, "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    app[SESSIONS] = Sessions()
    app.middlewares.append(security_headers)
    router = app.router
    router.add_get("/", pages.redirect_root)
    router.add_get("/console/", pages.home)
    router.add_post("/console/sign-in", pages.sign_in)
    router.add_post("/console/sign-out", pages.sign_out)
    router.add_get("/console/language/{lang}", pages.language)
    router.add_get("/console/agencies", pages.agencies)
    router.add_get("/console/control", control_pages.control)
    router.add_post("/console/control/inject", control_pages.add_inject)
    router.add_static("/console/static/", static_folder(), append_version=False)
    router.add_get("/console/{agency}/", pages.inbox)
    router.add_get("/console/{agency}/sent", pages.sent)
    router.add_get("/console/{agency}/cases", pages.cases)
    router.add_get("/console/{agency}/compose", pages.compose)
    router.add_get("/console/{agency}/messages/{envelope_id}", pages.message)
