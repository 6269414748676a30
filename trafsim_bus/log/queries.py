"""The evaluator's common questions as SQL over a log's tables (docs/log-schema.md): the
canned queries `trafsim explore` gives Datasette. Read-only; times in exercise hours."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final


@dataclass(frozen=True)
class Query:
    """One canned query: a title, what it answers, and its SQL (named parameters `:x`)."""

    title: str
    description: str
    sql: str


_DELAY = "json_extract(e.data, '$.delivery.delay_us.{part}') / 3600e6"

QUERIES: Final[dict[str, Query]] = {
    "deliveries": Query(
        "Deliveries and their delays",
        "Every delivery: who sent what to whom, over which channel, how it ended, and "
        "where its delay came from (hours). Filter by :kind, :sender or :recipient "
        "(empty for all).",
        f"""
select d.envelope_id, v.kind, v.sender, d.recipient, d.channel, d.status, d.reason,
       round(v.t_us / 3600e6, 3) as submitted_h,
       round(d.delivered_us / 3600e6, 3) as delivered_h,
       round((d.delivered_us - v.t_us) / 3600e6, 3) as total_h,
       round({_DELAY.format(part="channel_latency")}, 3) as channel_latency_h,
       round({_DELAY.format(part="translation_wait")}, 3) as translation_wait_h,
       round({_DELAY.format(part="translation_service")}, 3) as translation_service_h,
       round({_DELAY.format(part="outage_hold")}, 3) as outage_hold_h,
       round({_DELAY.format(part="office_hours_wait")}, 3) as office_hours_wait_h,
       round({_DELAY.format(part="other")}, 3) as other_h
from deliveries d
join envelopes v on v.envelope_id = d.envelope_id
left join events e on e.seq = d.final_seq and e.kind = 'delivered'
where (:kind = '' or v.kind = :kind)
  and (:sender = '' or v.sender = :sender)
  and (:recipient = '' or d.recipient = :recipient)
order by d.created_seq, d.recipient
""",
    ),
    "trail": Query(
        "One message's trail",
        "Every stage a message passed, per recipient, with its outcome, reason and added "
        "delay (hours). :envelope is the id or its start.",
        """
select b.seq, round(b.t_us / 3600e6, 3) as at_h, b.envelope_id, b.recipient, b.stage,
       b.outcome, b.reason, round(b.added_us / 3600e6, 3) as added_h
from barrier_trail b
where b.envelope_id like :envelope || '%'
order by b.seq
""",
    ),
    "rejections_by_reason": Query(
        "Rejections by reason",
        "How many deliveries the bus rejected for each reason, from how many senders, "
        "of which message types.",
        """
select d.reason, count(*) as rejected, count(distinct v.sender) as senders,
       group_concat(distinct v.kind) as kinds
from deliveries d join envelopes v on v.envelope_id = d.envelope_id
where d.status = 'rejected'
group by d.reason
order by rejected desc, d.reason
""",
    ),
    "rejections_by_case": Query(
        "Rejections by case",
        "Rejected deliveries of each case, by reason.",
        """
select c.case_ref, d.reason, count(*) as rejected
from deliveries d
join case_refs c on c.envelope_id = d.envelope_id
where d.status = 'rejected'
group by c.case_ref, d.reason
order by c.case_ref, rejected desc, d.reason
""",
    ),
    "case_timeline": Query(
        "A case's messages in order",
        "Every envelope of :case (a case ref) with its deliveries' outcomes.",
        """
select v.seq, round(v.t_us / 3600e6, 3) as submitted_h, v.envelope_id, v.origin,
       v.sender, v.kind,
       (select group_concat(d.recipient || ':' || d.status, ', ')
          from deliveries d where d.envelope_id = v.envelope_id) as deliveries
from envelopes v join case_refs c on c.envelope_id = v.envelope_id
where c.case_ref = :case
order by v.seq
""",
    ),
}
"""Every canned query by its name (its address in Datasette: `/<db>/<name>`)."""


def datasette_metadata(database: str) -> dict[str, Any]:
    """Datasette metadata that gives the database named `database` the canned queries."""
    return {
        "title": "trafsim event log",
        "description": "An exercise's event log: records in `events`, projections beside "
        "them. Canned queries answer the common questions (docs/log-schema.md).",
        "databases": {
            database: {
                "queries": {
                    name: {
                        "title": query.title,
                        "description": query.description,
                        "sql": query.sql.strip(),
                    }
                    for name, query in QUERIES.items()
                }
            }
        },
    }
