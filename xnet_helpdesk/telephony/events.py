"""Zammad's generic CTI events (newCall, answer, hangup) and the state of one call they build. No Frappe.

A PBX bridge retries, reorders and repeats: `apply` is order-tolerant and idempotent. The same event twice
changes nothing; a hangup before its answer, or an answer for a call never announced, still yields the
one right record (Zammad's own CTI raises on these and loses the call).
"""

import dataclasses
import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

EVENTS = ("newCall", "answer", "hangup")
DIRECTIONS = ("in", "out")
CAUSES = ("normalClearing", "busy", "cancel", "noAnswer", "congestion", "notFound", "forwarded")
MAX_ID = 140
MAX_TEXT = 140
MAX_NUMBER = 64
# how far an event's own timestamp may lie from its arrival (a bridge that queued it while we were down)
MAX_DELAY = timedelta(days=1)
MAX_AHEAD = timedelta(minutes=5)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

RINGING, TALKING = "Ringing", "Talking"
ANSWERED, MISSED, BUSY, REJECTED, FORWARDED = "Answered", "Missed", "Busy", "Rejected", "Forwarded"
# what a callback is owed for: an incoming call nobody took
LOST = frozenset({MISSED, BUSY})


class BadEvent(ValueError):
	def __init__(self, field: str, message: str):
		super().__init__(f"{field}: {message}")
		self.field = field
		self.message = message


@dataclass(frozen=True)
class Event:
	kind: str
	call_id: str
	at: datetime
	direction: str = ""
	from_number: str = ""
	to_number: str = ""
	users: tuple[str, ...] = ()
	answering_number: str = ""
	queue: str = ""
	cause: str = ""


def _text(fields: dict, key: str, limit: int) -> str:
	value = fields.get(key)
	if value is None:
		return ""
	if isinstance(value, bool) or not isinstance(value, str | int):
		raise BadEvent(key, "must be text")
	text = str(value).strip()
	if len(text) > limit:
		raise BadEvent(key, f"longer than {limit} characters")
	if _CONTROL.search(text):
		raise BadEvent(key, "contains control characters")
	return text


def _users(fields: dict) -> tuple[str, ...]:
	value = fields.get("user", fields.get("user[]"))
	values = value if isinstance(value, list | tuple) else [value]
	users = []
	for item in values:
		text = _text({"user": item}, "user", MAX_TEXT)
		if text and text not in users:
			users.append(text)
	return tuple(users)


def event_time(value, received_at: datetime, to_local) -> datetime:
	"""The event's own `timestamp` (Unix seconds, a bridge's queued event keeps its time) as a local
	datetime (`to_local` converts seconds), or the arrival time when there is none."""
	if value is None or value == "":
		return received_at
	try:
		seconds = float(value)
	except (TypeError, ValueError):
		raise BadEvent("timestamp", "must be Unix seconds")
	if isinstance(value, bool) or not math.isfinite(seconds):
		raise BadEvent("timestamp", "must be Unix seconds")
	try:
		at = to_local(seconds)
	except (OverflowError, OSError, ValueError):
		raise BadEvent("timestamp", "out of range")
	if not received_at - MAX_DELAY <= at <= received_at + MAX_AHEAD:
		raise BadEvent("timestamp", "more than a day old or in the future")
	return at


def parse_event(fields: dict, at: datetime) -> Event:
	"""Check every field a PBX sends (form or JSON); BadEvent names the first wrong one."""
	kind = _text(fields, "event", MAX_TEXT)
	if kind not in EVENTS:
		raise BadEvent("event", "must be one of " + ", ".join(EVENTS))
	call_id = _text(fields, "callId", MAX_ID)
	if not call_id:
		raise BadEvent("callId", "is required")
	direction = _text(fields, "direction", MAX_TEXT)
	if direction and direction not in DIRECTIONS:
		raise BadEvent("direction", "must be in or out")
	if kind == "newCall" and not direction:
		raise BadEvent("direction", "is required for newCall")
	cause = _text(fields, "cause", MAX_TEXT)
	if cause and cause not in CAUSES:
		raise BadEvent("cause", "must be one of " + ", ".join(CAUSES))
	return Event(
		kind=kind,
		call_id=call_id,
		at=at,
		direction=direction,
		from_number=_text(fields, "from", MAX_NUMBER),
		to_number=_text(fields, "to", MAX_NUMBER),
		users=_users(fields),
		answering_number=_text(fields, "answeringNumber", MAX_NUMBER),
		queue=_text(fields, "queue", MAX_TEXT),
		cause=cause,
	)


@dataclass(frozen=True)
class CallState:
	call_id: str
	started_at: datetime
	direction: str = ""
	from_number: str = ""
	to_number: str = ""
	queue: str = ""
	answered_at: datetime | None = None
	answered_by: str = ""
	answering_number: str = ""
	ended_at: datetime | None = None
	cause: str = ""
	rejected: bool = False

	@property
	def result(self) -> str:
		if self.rejected:
			return REJECTED
		if self.answered_at is not None:
			return ANSWERED if self.ended_at is not None else TALKING
		if self.ended_at is None:
			return RINGING
		if self.cause == "busy":
			return BUSY
		if self.cause == "forwarded":
			return FORWARDED
		return MISSED

	@property
	def waiting_seconds(self) -> int | None:
		until = self.answered_at or self.ended_at
		return None if until is None else _seconds(until - self.started_at)

	@property
	def talking_seconds(self) -> int | None:
		if self.answered_at is None or self.ended_at is None:
			return None
		return _seconds(self.ended_at - self.answered_at)

	@property
	def owes_callback(self) -> bool:
		return self.direction != "out" and self.result in LOST


def _seconds(delta: timedelta) -> int:
	return max(0, round(delta.total_seconds()))


def _earliest(*values):
	present = [v for v in values if v is not None]
	return min(present) if present else None


def apply(state: CallState | None, event: Event) -> CallState:
	"""The call after `event`, whatever arrived before it. Equal to `state` for a repeated event."""
	if state is None:
		state = CallState(call_id=event.call_id, started_at=event.at)
	changes = {
		# what the first event that knew it said stays; a later newCall fills what an early answer lacked
		key: getattr(event, key)
		for key in ("direction", "from_number", "to_number", "queue")
		if not getattr(state, key) and getattr(event, key)
	}
	if event.kind == "newCall":
		changes["started_at"] = min(state.started_at, event.at)
	elif event.kind == "answer":
		changes.update(_answer(state, event))
	elif event.kind == "hangup" and state.ended_at is None:
		# an answer may still come (it was sent before the hangup and arrives after it)
		changes["ended_at"] = max(event.at, state.answered_at or event.at)
		changes["cause"] = event.cause or "normalClearing"
	return dataclasses.replace(state, **changes) if changes else state


def _answer(state: CallState, event: Event) -> dict:
	if state.answered_at is not None:
		return {}
	# an answer that arrives after its hangup happened before it
	answered_at = _earliest(event.at, state.ended_at)
	changes = {
		"answered_at": answered_at,
		"started_at": min(state.started_at, answered_at),
		"answered_by": event.users[0] if event.users else "",
		"answering_number": event.answering_number,
	}
	return changes


def reject(state: CallState) -> CallState:
	"""A blocked caller: the PBX is told to refuse the call, and it is never owed a callback."""
	return state if state.rejected else dataclasses.replace(state, rejected=True)
