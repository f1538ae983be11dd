"""Plain rules of the client portal (no Frappe imports): the reopen window, what the public lookup shows."""

from datetime import datetime, timedelta


def within_reopen_window(resolved_on: datetime | None, now: datetime, window_days: int) -> bool:
	"""A resolved incident may be reopened by its client for `window_days` days after its resolution.

	A window of 0 (or unset) means no limit while the incident is resolved.
	"""
	if not resolved_on:
		return False
	if not window_days or window_days <= 0:
		return True
	return now <= resolved_on + timedelta(days=window_days)


def first_name(full_name: str | None) -> str:
	"""What the public lookup shows of an engineer: the first word of their name only."""
	return (full_name or "").strip().split(" ")[0] if full_name else ""


def clean_incident_number(raw: str | None) -> str:
	"""Incident numbers as typed: trimmed, upper-cased, at most 40 characters of [A-Z0-9-]."""
	text = (raw or "").strip().upper()[:40]
	return "".join(ch for ch in text if ch.isascii() and (ch.isalnum() or ch == "-"))
