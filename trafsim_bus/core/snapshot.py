"""The core's whole state as plain data: what a restored core must equal, value for value."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import msgspec

from trafsim_bus.core.agenda import Entry
from trafsim_bus.core.disruptions import DisruptionState
from trafsim_bus.core.msel import InjectState
from trafsim_bus.core.state import BusState


def snapshot(state: BusState, entries: list[Entry], next_seq: int) -> dict[str, Any]:
    """Every part of the state, with the agenda's live `entries`, as comparable values."""
    clock = state.clock
    registry = state.registry
    disruptions = state.disruptions
    return {
        "next_seq": next_seq,
        "phase": state.phase,
        "clock": {
            "now": clock.now,
            "started": clock.started,
            "paused": clock.paused,
            "speed": clock.speed,
            "ended": clock.ended,
            "play_end_us": clock.play_end_us,
            "jumps": [(j.at_play_us, j.by_us, j.origin) for j in clock.jumps],
        },
        "agenda": [
            (entry.t_us, entry.key, repr(entry.payload), entry.play_us) for entry in entries
        ],
        "pending": {
            key.draw_key: {
                "stage": p.stage,
                "due_us": p.due_us,
                "queued_us": p.queued_us,
                "submitted_us": p.submitted_us,
                "created_seq": p.created_seq,
                "latency_us": p.latency_us,
                "delays": dict(sorted(p.delays.items())),
                "machine": p.machine,
                "certified": p.certified,
                "held_since": p.held_since,
                "transit_after_hold": p.transit_after_hold,
                "opens_us": p.opens_us,
                "channel": p.channel.id,
                "translation": None
                if p.translation is None
                else (p.translation.pool.id, p.translation.side, p.translation.target),
            }
            for key, p in sorted(state.pending.items())
        },
        "pools": {
            pool_id: {
                "servers": pool.servers,
                "waiting": [key.draw_key for key in pool.waiting],
                "serving": {key.draw_key: t for key, t in sorted(pool.serving.items())},
            }
            for pool_id, pool in state.pools.items()
        },
        "disruptions": {
            "scheduled": {i: _disruption(d) for i, d in disruptions.scheduled.items()},
            "active": [(i, _disruption(d)) for i, d in disruptions.active.items()],
            "ended": {i: _disruption(d) for i, d in sorted(disruptions.ended.items())},
        },
        "registry": {
            "digests": sorted((str(i), d.hex()) for i, d in registry.digests.items()),
            "submitted": sorted((str(i), seq) for i, seq in registry.submitted.items()),
            "by_kind": {
                kind: [str(envelope.id) for envelope in envelopes]
                for kind, envelopes in sorted(registry.by_kind.items())
            },
            "consents": {
                consent_id: msgspec.to_builtins(record)
                for consent_id, record in sorted(registry.consents.latest.items())
            },
            "restricted": sorted((str(i), sorted(p)) for i, p in registry.restricted.items()),
            "delivered": sorted((k.draw_key, seq) for k, seq in registry.delivered.items()),
            "reads": sorted((k.draw_key, seq) for k, seq in registry.reads.items()),
            "planted": sorted((str(i), p) for i, p in registry.planted.items()),
        },
        "msel": {
            "injects": {i: _inject(s) for i, s in state.msel.injects.items()},
            "claimed": sorted(state.msel.claimed.items()),
            "sent": sorted((str(i), inject) for i, inject in state.msel.sent.items()),
            "history": {
                f"{event}:{kind}": [asdict(seen) for seen in seen_list]
                for (event, kind), seen_list in sorted(state.msel.history.items())
            },
        },
        "wakes": {seq: asdict(wake) for seq, wake in sorted(state.wakes.items())},
        "sends": {
            seq: (send.agency, send.origin, str(send.envelope.id), send.due_us, send.planted)
            for seq, send in sorted(state.sends.items())
        },
        "background": {i: (b.i, b.play_us) for i, b in sorted(state.background.items())},
        "simcell": sorted(state.simcell),
    }


def _disruption(state: DisruptionState) -> dict[str, Any]:
    d = state.disruption
    return {
        "type": d.type,
        "probability": d.probability,
        "attributes": dict(d.attributes),
        "start_play_us": d.start_play_us,
        "duration_us": d.duration_us,
        "origin": state.origin,
        "start_us": state.start_us,
        "end_us": state.end_us,
        "held": [key.draw_key for key in state.held],
    }


def _inject(state: InjectState) -> dict[str, Any]:
    return {
        "origin": state.origin,
        "status": state.status,
        "due_play_us": state.due_play_us,
        "fired_us": list(state.fired_us),
        "held_from": state.held_from,
        "armed_us": state.armed_us,
        "match": None if state.match is None else asdict(state.match),
        "fire_us": state.fire_us,
        "released": state.released,
        "definition": repr(state.inject),
    }
