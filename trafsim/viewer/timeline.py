"""The log as the viewer plays it: its records in order with the time of play of each, the
facts about envelopes and deliveries the board counts, and positions (a seq, a time of
play such as `D2 12:00`) resolved to the last record at or before them. Replay runs on
time of play: the records inside a calendar jump share the jump's time of play, so they
pass at once (SPEC §14)."""

from __future__ import annotations

import bisect
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

from trafsim_bus.core.restore import read_header
from trafsim_bus.log.records import Record, canonical
from trafsim_bus.scenario.model import Scenario
from trafsim_bus.timebase import MINUTE, SECOND, Calendar

ENDED: Final = ("delivered", "rejected", "dropped")
"""The kinds that end a delivery."""
Keep = Callable[[Record], bool]
"""A test on records (what the filters keep)."""
_AT = re.compile(r"^D([1-9][0-9]{0,4}) ([01][0-9]|2[0-3]):([0-5][0-9])(?::([0-5][0-9]))?$")


class PositionError(ValueError):
    """A position the log cannot be shown at; `key` names the catalogue sentence, `params`
    fill it."""

    def __init__(self, key: str, **params: object) -> None:
        self.key = key
        self.params = params
        super().__init__(f"{key}: {params}")


@dataclass(frozen=True, slots=True)
class EnvelopeFacts:
    """What the board needs to know of a submitted envelope."""

    envelope_id: str
    kind: str
    sender: str
    recipients: tuple[str, ...]
    case_refs: tuple[str, ...]
    priority: str


@dataclass(slots=True)
class DeliveryLife:
    """One delivery from its `delivery_created` to the record that ended it."""

    envelope_id: str
    recipient: str
    created_seq: int
    end_seq: int | None = None
    end_kind: str | None = None


@dataclass(frozen=True, slots=True)
class Position:
    """A moment of the log: the last record it includes and the time of play shown."""

    seq: int
    play_us: int


@dataclass
class Timeline:
    """Every record read so far, indexed for positions; `append` takes new ones (a live
    exercise's log grows)."""

    scenario: Scenario
    records: list[Record] = field(default_factory=list)
    hashes: list[str] = field(default_factory=list)
    plays: list[int] = field(default_factory=list)
    """The time of play of each record, by seq (never decreasing)."""
    jumps: list[tuple[int, int]] = field(default_factory=list)
    """(exercise µs, µs jumped) of every calendar jump logged so far."""
    envelopes: dict[str, EnvelopeFacts] = field(default_factory=dict)
    deliveries: dict[tuple[str, str], DeliveryLife] = field(default_factory=dict)
    case_refs: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, first: Record) -> Timeline:
        """A timeline that starts with the log's first record (`exercise_started`)."""
        timeline = cls(read_header(first).scenario)
        timeline.append(first)
        return timeline

    def append(self, record: Record, digest: str | None = None) -> None:
        """Take the next record, with its stored hash (computed along the chain when the
        source gives none)."""
        if record.seq != len(self.records):
            raise ValueError(f"seq {record.seq} follows seq {len(self.records) - 1}")
        if digest is None:
            previous = bytes.fromhex(self.hashes[-1]) if self.hashes else bytes(32)
            digest = hashlib.sha256(previous + canonical(record)).hexdigest()
        if record.kind == "clock_jump":
            self.jumps.append((int(record.data["at_us"]), int(record.data["by_us"])))
        self.records.append(record)
        self.hashes.append(digest)
        play = self.calendar.play_us(record.t_us)
        self.plays.append(max(play, self.plays[-1]) if self.plays else play)
        self._index(record)

    def _index(self, record: Record) -> None:
        kind = record.kind
        if kind == "envelope_submitted":
            envelope = record.data["envelope"]
            facts = EnvelopeFacts(
                envelope_id=str(envelope["id"]),
                kind=str(envelope["body"]["kind"]),
                sender=str(envelope["sender"]),
                recipients=tuple(envelope["recipients"]),
                case_refs=tuple(envelope.get("case_refs") or ()),
                priority=str((envelope.get("priority") or {}).get("level", "normal")),
            )
            self.envelopes[facts.envelope_id] = facts
            self.case_refs.update(facts.case_refs)
        elif kind == "delivery_created":
            key = (str(record.envelope_id), str(record.recipient))
            self.deliveries[key] = DeliveryLife(key[0], key[1], record.seq)
        elif kind in ENDED:
            life = self.deliveries.get((str(record.envelope_id), str(record.recipient)))
            if life is not None:
                life.end_seq, life.end_kind = record.seq, kind

    # -- the log's extent --------------------------------------------------------------

    @property
    def head(self) -> int:
        """The seq of the last record."""
        return len(self.records) - 1

    @property
    def sealed(self) -> bool:
        """Whether the log ends with `exercise_ended`."""
        return self.records[-1].kind == "exercise_ended"

    @property
    def end_play_us(self) -> int:
        """The time of play of the last record."""
        return self.plays[-1]

    @property
    def calendar(self) -> Calendar:
        """Exercise times as people read them, with every jump logged so far."""
        return Calendar(self.scenario.startex, tuple(self.jumps))

    # -- time ---------------------------------------------------------------------------

    def exercise_us(self, play_us: int) -> int:
        """The exercise time of a time of play (a time equal to a jump's happens after it)."""
        jumped = 0
        for at_us, by_us in self.jumps:
            if at_us - jumped <= play_us:
                jumped += by_us
            else:
                break
        return play_us + jumped

    def label(self, play_us: int) -> str:
        """A time of play as people read it: `2 Jun 12:00 (D2)`."""
        return self.calendar.label(self.exercise_us(play_us))

    def day_time(self, play_us: int) -> str:
        """A time of play as scenarios write it (`D2 12:00`, with seconds when it has them)."""
        seconds = play_us // SECOND
        minutes = seconds // 60 + self.scenario.startex_minute
        day, minute = divmod(minutes, 24 * 60)
        text = f"D{day + 1} {minute // 60:02d}:{minute % 60:02d}"
        return f"{text}:{seconds % 60:02d}" if seconds % 60 else text

    def parse_at(self, text: str) -> int:
        """`"D2 12:00"` (or `"D2 12:00:30"`) → time of play; a `PositionError` when it is
        malformed or outside the exercise."""
        match = _AT.match(text.strip())
        if match is None:
            raise PositionError("error.at_format", value=text)
        day, hour, minute, second = (int(part or 0) for part in match.groups())
        minutes = (day - 1) * 24 * 60 + hour * 60 + minute - self.scenario.startex_minute
        play = minutes * MINUTE + second * SECOND
        if play < 0:
            raise PositionError("error.at_before", value=text, startex=self.day_time(0))
        if play > self.scenario.play_us:
            raise PositionError(
                "error.at_after", value=text, endex=self.day_time(self.scenario.play_us)
            )
        return play

    # -- positions ----------------------------------------------------------------------

    def at_play(self, play_us: int) -> Position:
        """The moment at a time of play: every record at or before it (clamped to the log)."""
        play = min(max(play_us, 0), self.end_play_us)
        seq = max(bisect.bisect_right(self.plays, play) - 1, 0)
        return Position(seq, play)

    def at_seq(self, seq: int) -> Position:
        """The moment just after record `seq`."""
        return Position(seq, self.plays[seq])

    def next_seq(self, seq: int, wanted: frozenset[str] | None, keep: Keep | None) -> int | None:
        """The first record after `seq` of a wanted kind (any, when None) that `keep`
        keeps; None when there is none."""
        for following in range(seq + 1, len(self.records)):
            record = self.records[following]
            if (wanted is None or record.kind in wanted) and (keep is None or keep(record)):
                return following
        return None

    def previous_seq(
        self, seq: int, wanted: frozenset[str] | None, keep: Keep | None
    ) -> int | None:
        """The last record before `seq` of a wanted kind that `keep` keeps."""
        for earlier in range(seq - 1, -1, -1):
            record = self.records[earlier]
            if (wanted is None or record.kind in wanted) and (keep is None or keep(record)):
                return earlier
        return None
