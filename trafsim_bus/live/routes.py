"""Routes described once: registered on the application from these descriptions, and the
OpenAPI 3.1 document generated from them and from the msgspec types they name, so that
every route is in the document by construction (a test checks it all the same)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import msgspec
from aiohttp import web

from trafsim_bus.live.http import ErrorBody, Handler

_PARAMETER = re.compile(r"\{(\w+)\}")
_REASONS = {
    200: "OK",
    202: "Accepted: committed to the log",
    400: "Not JSON",
    401: "No token, or not one of this exercise's",
    403: "Another agency's resource, or a sender other than the token's agency",
    404: "Unknown (or a message this caller may not see)",
    409: "The exercise has not started, or has ended",
    413: "The body is over the limit",
    422: "A schema or rule violation, with the path of the bad value",
}


@dataclass(frozen=True)
class ApiRoute:
    """One route: method, path, what it does, who may call it, what it takes and gives."""

    method: str
    path: str
    summary: str
    handler: Handler
    roles: tuple[str, ...]
    request: Any = None
    response: Any = None
    success: int = 200
    errors: tuple[int, ...] = (401, 404)
    query: tuple[tuple[str, str, str], ...] = ()
    """(name, type, description) of query parameters."""
    stream: bool = False
    """Server-Sent Events (`text/event-stream`)."""


def register(app: web.Application, routes: Iterable[ApiRoute]) -> None:
    """Add the routes to an application."""
    for route in routes:
        app.router.add_route(route.method, route.path, route.handler)


def openapi(routes: Iterable[ApiRoute], *, title: str, version: str) -> dict[str, Any]:
    """The OpenAPI 3.1 document of the routes, schemas from their msgspec types."""
    routes = list(routes)
    types = {ErrorBody}
    for route in routes:
        types.update(t for t in (route.request, route.response) if t is not None)
    refs, components = msgspec.json.schema_components(
        sorted(types, key=repr), ref_template="#/components/schemas/{name}"
    )
    schema_of = dict(zip(sorted(types, key=repr), refs, strict=True))
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        operation: dict[str, Any] = {
            "summary": route.summary,
            "operationId": f"{route.method.lower()}_{re.sub(r'[^a-z0-9]+', '_', route.path.lower()).strip('_')}",
            "security": [{"bearer": []}],
            "x-roles": list(route.roles),
            "parameters": [
                {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                for name in _PARAMETER.findall(route.path)
            ]
            + [
                {
                    "name": name,
                    "in": "query",
                    "required": False,
                    "schema": {"type": kind},
                    "description": text,
                }
                for name, kind, text in route.query
            ],
            "responses": {},
        }
        if route.request is not None:
            operation["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": schema_of[route.request]}},
            }
        content: dict[str, Any] = (
            {"text/event-stream": {"schema": {"type": "string"}}}
            if route.stream
            else {"application/json": {"schema": schema_of[route.response]}}
            if route.response is not None
            else {}
        )
        operation["responses"][str(route.success)] = {
            "description": _REASONS.get(route.success, "OK"),
            **({"content": content} if content else {}),
        }
        for status in route.errors:
            operation["responses"][str(status)] = {
                "description": _REASONS[status],
                "content": {"application/json": {"schema": schema_of[ErrorBody]}},
            }
        paths.setdefault(route.path, {})[route.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
