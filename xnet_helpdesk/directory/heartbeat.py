"""The on-site agent's heartbeat as the helpdesk reads it, without Frappe: the body checked field by field
(a bad one is refused whole, with the reason, before anything is stored), the one-line summary of its last
batch, and when an agent counts as silent."""

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

KINDS = ("full", "incremental", "reconcile")
RESULTS = {"accepted": "Accepted", "failed": "Failed"}
MAX_ERRORS = 20
BATCH_KEY = re.compile(r"^[\w.:@-]{1,80}$")


class BadReport(Exception):
	"""The heartbeat body is not one the agent sends; the message names the field."""


@dataclass
class Batch:
	kind: str
	result: str  # "Accepted" / "Failed"
	size: int
	seconds: float
	counts: dict[str, int] = field(default_factory=dict)
	message: str = ""
	key: str = ""


@dataclass
class Report:
	agent_id: str
	version: str
	hostname: str = ""
	position: int | None = None
	errors: list[str] = field(default_factory=list)
	batch: Batch | None = None


def _text(body: dict, name: str, limit: int, required: bool = False) -> str:
	value = body.get(name)
	if value is None and not required:
		return ""
	if not isinstance(value, str) or (required and not value.strip()):
		raise BadReport(f"{name} must be a non-empty string" if required else f"{name} must be a string")
	if len(value) > limit:
		raise BadReport(f"{name} is longer than {limit} characters")
	if any(ord(c) < 32 and c not in "\t\n" for c in value):
		raise BadReport(f"{name} holds control characters")
	return value.strip()


def _count(value, name: str) -> int:
	if not isinstance(value, int) or isinstance(value, bool) or value < 0:
		raise BadReport(f"{name} must be a whole number >= 0")
	return value


def parse_report(body) -> Report:
	if not isinstance(body, dict):
		raise BadReport("the body must be a JSON object")
	report = Report(
		agent_id=_text(body, "agent_id", 140, required=True),
		version=_text(body, "version", 40, required=True),
		hostname=_text(body, "hostname", 140),
	)
	position = body.get("position")
	report.position = None if position is None else _count(position, "position")
	errors = body.get("errors") or []
	if not isinstance(errors, list) or len(errors) > MAX_ERRORS:
		raise BadReport(f"errors must be a list of at most {MAX_ERRORS} strings")
	for index, item in enumerate(errors):
		if not isinstance(item, str):
			raise BadReport(f"errors[{index}] must be a string")
		report.errors.append(item[:500])
	batch = body.get("last_batch")
	if batch is not None:
		report.batch = _parse_batch(batch)
	return report


def _parse_batch(batch) -> Batch:
	if not isinstance(batch, dict):
		raise BadReport("last_batch must be an object")
	kind = batch.get("kind")
	if kind not in KINDS:
		raise BadReport(f"last_batch.kind must be one of {', '.join(KINDS)}")
	result = batch.get("result")
	if result not in RESULTS:
		raise BadReport("last_batch.result must be accepted or failed")
	seconds = batch.get("seconds", 0)
	if not isinstance(seconds, int | float) or isinstance(seconds, bool) or not 0 <= seconds < 10**7:
		raise BadReport("last_batch.seconds must be a number of seconds")
	counts = batch.get("counts") or {}
	if not isinstance(counts, dict) or len(counts) > 20:
		raise BadReport("last_batch.counts must be an object of at most 20 counts")
	for key, value in counts.items():
		if not re.fullmatch(r"[a-z_]{1,40}", key):
			raise BadReport(f"last_batch.counts has a bad name {key[:40]!r}")
		_count(value, f"last_batch.counts.{key}")
	key = batch.get("batch") or ""
	if key and (not isinstance(key, str) or not BATCH_KEY.match(key)):
		raise BadReport("last_batch.batch must be up to 80 letters, digits and .:@_-")
	return Batch(
		kind=kind,
		result=RESULTS[result],
		size=_count(batch.get("size", 0), "last_batch.size"),
		seconds=float(seconds),
		counts=dict(counts),
		message=_text(batch, "message", 500),
		key=key,
	)


def is_silent(
	last_seen: datetime | None, interval_minutes: int, reported_on: datetime | None, now: datetime
) -> bool:
	"""Silent longer than its interval, and not yet reported for this silence (a heartbeat clears the
	report). An agent never seen is not silent: it was never installed."""
	if not last_seen or not interval_minutes or interval_minutes <= 0:
		return False
	if reported_on and reported_on >= last_seen:
		return False
	return now - last_seen > timedelta(minutes=interval_minutes)
