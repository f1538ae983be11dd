"""SLA clocks as plain arithmetic over a service center's Calendar. Pure Python: no Frappe imports.

Two clocks run from registration, in business minutes of the incident's service center:
- response: stops when the engineer takes the incident into work (accepted_on);
- resolution: stops when the incident is resolved; Awaiting Client pauses it, and so does the time between
  a resolution and a reopening (reopening resumes it where it stopped).
Paused business minutes push the resolution deadline out by the same amount.
"""

from dataclasses import dataclass
from datetime import datetime

from xnet_helpdesk.business_hours.schedule import Calendar

MET = "Met"
PAUSED = "Paused"
ON_TRACK = "On Track"
AT_RISK = "At Risk"
BREACHED = "Breached"
AGREEMENT_STATUSES = (ON_TRACK, AT_RISK, BREACHED, PAUSED, MET)
_SEVERITY = {MET: 0, PAUSED: 1, ON_TRACK: 2, AT_RISK: 3, BREACHED: 4}


@dataclass(frozen=True)
class Targets:
	response_minutes: float
	resolution_minutes: float
	at_risk_share: float = 0.2  # "at risk" once less than this share of the target is left


@dataclass(frozen=True)
class Timeline:
	registered_on: datetime
	accepted_on: datetime | None = None
	resolved_on: datetime | None = None
	paused_since: datetime | None = None
	paused_minutes: float = 0.0


@dataclass(frozen=True)
class SlaState:
	response_by: datetime
	resolution_by: datetime
	response_status: str
	resolution_status: str
	agreement_status: str
	next_check_on: datetime | None  # when the status changes next if nothing else happens


def worst(*statuses: str) -> str:
	return max(statuses, key=_SEVERITY.__getitem__)


def _running_clock(calendar, start, target, extra, share, now):
	due = calendar.add_business_minutes(start, target + extra)
	warn = calendar.add_business_minutes(start, target * (1 - share) + extra)
	if now >= due:
		return BREACHED, None
	if now >= warn:
		return AT_RISK, due
	return ON_TRACK, warn


def evaluate(calendar: Calendar, targets: Targets, timeline: Timeline, now: datetime) -> SlaState:
	start = timeline.registered_on
	response_by = calendar.add_business_minutes(start, targets.response_minutes)
	resolution_by = calendar.add_business_minutes(start, targets.resolution_minutes + timeline.paused_minutes)
	checks = []

	if timeline.accepted_on:
		response_status = MET if timeline.accepted_on <= response_by else BREACHED
	else:
		response_status, check = _running_clock(
			calendar, start, targets.response_minutes, 0, targets.at_risk_share, now
		)
		checks.append(check)

	if timeline.resolved_on:
		resolution_status = MET if timeline.resolved_on <= resolution_by else BREACHED
	elif timeline.paused_since:
		resolution_status = BREACHED if timeline.paused_since > resolution_by else PAUSED
	else:
		resolution_status, check = _running_clock(
			calendar,
			start,
			targets.resolution_minutes,
			timeline.paused_minutes,
			targets.at_risk_share,
			now,
		)
		checks.append(check)

	agreement = worst(response_status, resolution_status)
	# a breach is final: nothing left to watch
	pending = [c for c in checks if c is not None] if agreement != BREACHED else []
	return SlaState(
		response_by=response_by,
		resolution_by=resolution_by,
		response_status=response_status,
		resolution_status=resolution_status,
		agreement_status=agreement,
		next_check_on=min(pending) if pending else None,
	)


def close_pause(calendar: Calendar, timeline: Timeline, now: datetime) -> Timeline:
	"""The timeline after a pause ends now: its business minutes join the paused total."""
	if not timeline.paused_since:
		return timeline
	extra = calendar.business_minutes_between(timeline.paused_since, now)
	return Timeline(
		registered_on=timeline.registered_on,
		accepted_on=timeline.accepted_on,
		resolved_on=timeline.resolved_on,
		paused_since=None,
		paused_minutes=timeline.paused_minutes + extra,
	)
