"""A delivery's status in words, as SPEC §14 wants people to read it: "in translation: 3
of 5 in the Turkmen queue, ETA 2 Jun 14:00 (D2)", "held: KZ-UZ link cut since 2 Jun
10:00 (D2)", "waiting for the office to open (at 3 Jun 09:00 (D3))", "rejected 1 Jun 10:05 (D1): no legal channel ...", "delivered 2 Jun 11:40
(D2)"."""

from __future__ import annotations

from typing import Any

from agencies.node.console.i18n import Labels


def status_words(recipient: dict[str, Any], labels: Labels) -> str:
    """One recipient's delivery (a `RecipientView` as JSON data) in words."""
    trail = recipient["trail"]
    status = recipient["status"]
    if status == "delivered":
        return labels("words.delivered", when=labels.moment(trail[-1]["when"]))
    if status in ("rejected", "dropped"):
        last = trail[-1]
        reason = labels.of("reason", last["reason"] or last["stage"])
        if last["disruption_id"]:
            reason += f" ({last['disruption_id']})"
        if last.get("hint"):
            return labels(
                "words.rejected_hint", when=last["when"], reason=reason, hint=last["hint"]
            )
        return labels(f"words.{status}", when=last["when"], reason=reason)
    now = recipient["now"]
    if now is None:
        return labels("words.pending")
    stage = now["stage"]
    if stage == "translation_wait":
        return labels(
            "words.translation_wait",
            position=now["position"],
            waiting=now["waiting"],
            pool=now["pool_name"],
            eta=labels.moment(now.get("eta")) or "?",
        )
    if stage == "translation_service":
        return labels(
            "words.translation_service", pool=now["pool_name"], due=labels.moment(now["due"])
        )
    if stage == "held":
        if now.get("held_by"):
            what = now.get("description") or now["held_by"]
            return labels("words.held", what=what, since=labels.moment(now["held_since"]))
        return labels("words.held_unknown", since=labels.moment(now.get("held_since")) or "?")
    if stage == "office_closed":
        word = "words.duty_officer" if now.get("duty_officer") else "words.office_closed"
        return labels(word, due=labels.moment(now["due"]))
    return labels(f"words.{stage}", due=labels.moment(now["due"]))
