"""Plain rules of the client portal (no Frappe imports): the reopen window and the leaderboard average."""

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


def bayesian_average(total_stars: float, count: int, prior_mean: float, prior_weight: float) -> float:
	"""The average pulled towards the prior by `prior_weight` imaginary ratings at `prior_mean`.

	One 5-star review (5 + 4.2*5)/(1+5) = 4.33 ranks below forty reviews averaging 4.6, as it should.
	"""
	if count < 0 or prior_weight < 0:
		raise ValueError("count and prior weight cannot be negative")
	if count + prior_weight == 0:
		return 0.0
	return (prior_mean * prior_weight + total_stars) / (prior_weight + count)


def first_name(full_name: str | None) -> str:
	"""What the public lookup shows of an engineer: the first word of their name only."""
	return (full_name or "").strip().split(" ")[0] if full_name else ""


def clean_incident_number(raw: str | None) -> str:
	"""Incident numbers as typed: trimmed, upper-cased, at most 40 characters of [A-Z0-9-]."""
	text = (raw or "").strip().upper()[:40]
	return "".join(ch for ch in text if ch.isascii() and (ch.isalnum() or ch == "-"))
