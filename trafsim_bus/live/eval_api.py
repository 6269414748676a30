"""The evaluator API (SPEC §15, `/api/v1/eval`): an evaluator follows a live exercise
from its log: the metrics so far, records by seq range, and every record as it is
committed (Server-Sent Events). It reads everything and changes nothing."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from trafsim_bus.live.exercise import record_json
from trafsim_bus.live.http import (
    EXERCISE,
    ApiError,
    caller,
    json_response,
    query_int,
    stream_feed,
)
from trafsim_bus.live.routes import ApiRoute
from trafsim_bus.log.reader import reading, rows
from trafsim_bus.metrics import compute_metrics

PAGE_LIMIT = 5000
"""Records one request may ask for."""
READERS = ("evaluator", "controller")


def _reader(request: web.Request) -> None:
    if caller(request).role not in READERS:
        raise ApiError(403, "forbidden", "only the evaluator and the controller read the log")


async def metrics(request: web.Request) -> web.Response:
    """GET /eval/metrics: the metrics document of the log as committed so far (one moment
    of it; `sealed` false while the exercise runs)."""
    _reader(request)
    db = request.config_dict[EXERCISE].db
    with reading(db) as conn:
        found = list(rows(conn))
    head = (found[-1][0].seq, found[-1][1]) if found else (0, "")
    return json_response(compute_metrics((record for record, _ in found), head))


async def records(request: web.Request) -> web.Response:
    """GET /eval/records?from_seq=&to_seq=: the records in a seq range (to the end when
    `to_seq` is left out), at most `PAGE_LIMIT` (`next_from_seq`: where the next page of
    the range starts, null when the range is done)."""
    _reader(request)
    first = query_int(request, "from_seq", 0, 0, 2**62)
    last = query_int(request, "to_seq", 2**62, 0, 2**62)
    if last < first:
        raise ApiError(422, "bad_query", f"expected to_seq >= from_seq ({first})", "query.to_seq")
    db = request.config_dict[EXERCISE].db
    found: list[dict[str, Any]] = []
    following = None
    with reading(db) as conn:
        for record, _ in rows(conn, first, last):
            if len(found) == PAGE_LIMIT:
                following = record.seq
                break
            found.append(record_json(record))
    return json_response({"records": found, "next_from_seq": following})


async def feed(request: web.Request) -> web.StreamResponse:
    """GET /eval/events: every record as it is committed (`event: record`), until ENDEX."""
    _reader(request)
    return await stream_feed(request, None, records=True)


ROUTES = (
    ApiRoute("GET", "/api/v1/eval/metrics", "The metrics of the log so far (SPEC §12, §16)",
             metrics, READERS, errors=(401, 403)),
    ApiRoute("GET", "/api/v1/eval/records", "Records by seq range", records, READERS,
             errors=(401, 403, 422)),
    ApiRoute("GET", "/api/v1/eval/events", "Every record as it is committed (SSE)", feed,
             READERS, stream=True, errors=(401, 403)),
)  # fmt: skip
"""The evaluator API's routes."""
