"""The Frappe side of SLA clocks: pick the policy, feed the incident's timeline to sla/clock.py, store the
deadlines and the agreement status; a scheduled job re-evaluates incidents whose status is due to change."""

import frappe
from frappe.utils import now_datetime

from xnet_helpdesk.business_hours.centers import aware, naive, service_center_calendar
from xnet_helpdesk.incident_flow import lifecycle
from xnet_helpdesk.sla.clock import Targets, Timeline, close_pause, evaluate

# server-owned incident fields: whatever a client sends for them is ignored
SLA_FIELDS = (
	"sla_policy",
	"agreement_status",
	"response_by",
	"resolution_by",
	"sla_next_check_on",
	"sla_paused_since",
	"sla_paused_minutes",
)
PAUSING_STATUSES = frozenset({lifecycle.AWAITING_CLIENT, lifecycle.RESOLVED})
STOPPED_STATUSES = frozenset({lifecycle.CLOSED, lifecycle.CANCELLED})


def policy_for(priority: str | None, client_company: str | None) -> dict | None:
	"""The company's own enabled policy for the priority, else the default one (no company)."""
	policy = frappe.qb.DocType("SLA Policy")
	rows = (
		frappe.qb.from_(policy)
		.select(policy.name, policy.client_company, policy.response_time_hours, policy.resolution_time_hours)
		.where(policy.enabled == 1)
		.where(policy.priority == (priority or ""))
		.where(policy.client_company.isnull() | (policy.client_company == (client_company or "")))
		.run(as_dict=True)
	)
	rows.sort(key=lambda r: not r.client_company)
	return rows[0] if rows else None


def at_risk_share() -> float:
	percent = frappe.db.get_single_value("Helpdesk Settings", "sla_at_risk_percent")
	return min(max(float(percent if percent is not None else 20), 0), 100) / 100


def apply_to_incident(doc) -> None:
	"""Validate step of Incident (after the lifecycle stamped its timestamps)."""
	before = doc.get_doc_before_save()
	old_status = before.status if before else None
	if doc.status == lifecycle.CANCELLED:
		doc.sla_next_check_on = None
		return
	if not doc.registered_on:
		return
	if not doc.sla_policy or doc.has_value_changed("priority") or doc.has_value_changed("client_company"):
		policy = policy_for(doc.priority, doc.client_company)
		doc.sla_policy = policy.name if policy else None
	else:
		policy = frappe.db.get_value(
			"SLA Policy",
			doc.sla_policy,
			["name", "response_time_hours", "resolution_time_hours"],
			as_dict=True,
		)
	if not policy:
		for fieldname in SLA_FIELDS[1:5]:
			doc.set(fieldname, None)
		return

	calendar = service_center_calendar(doc.service_center)
	now = aware(now_datetime())
	timeline = Timeline(
		registered_on=aware(doc.registered_on),
		accepted_on=aware(doc.accepted_on),
		resolved_on=aware(doc.resolved_on) if doc.status in (lifecycle.RESOLVED, lifecycle.CLOSED) else None,
		paused_since=aware(doc.sla_paused_since),
		paused_minutes=float(doc.sla_paused_minutes or 0),
	)
	if old_status != doc.status:
		if (
			timeline.paused_since
			and doc.status not in PAUSING_STATUSES
			and doc.status not in STOPPED_STATUSES
		):
			timeline = close_pause(calendar, timeline, now)
		elif doc.status in PAUSING_STATUSES and not timeline.paused_since:
			timeline = Timeline(**{**timeline.__dict__, "paused_since": now})
	targets = Targets(
		response_minutes=float(policy.response_time_hours) * 60,
		resolution_minutes=float(policy.resolution_time_hours) * 60,
		at_risk_share=at_risk_share(),
	)
	# the pause of an Awaiting Client incident runs on; a resolved one is judged by its resolution time
	state = evaluate(
		calendar,
		targets,
		timeline
		if doc.status == lifecycle.AWAITING_CLIENT or timeline.resolved_on
		else Timeline(**{**timeline.__dict__, "paused_since": None}),
		now,
	)
	doc.sla_paused_since = naive(timeline.paused_since)
	doc.sla_paused_minutes = timeline.paused_minutes
	doc.response_by = naive(state.response_by)
	doc.resolution_by = naive(state.resolution_by)
	doc.agreement_status = state.agreement_status
	doc.sla_next_check_on = None if doc.status in STOPPED_STATUSES else naive(state.next_check_on)


def check_agreements(limit: int = 500, commit: bool = True) -> list[str]:
	"""Scheduled: re-evaluate incidents whose agreement status is due to change (On Track -> At Risk ->
	Breached). Saving them lets the standard "SLA Alert" Notification tell the center manager."""
	incident = frappe.qb.DocType("Incident")
	names = (
		frappe.qb.from_(incident)
		.select(incident.name)
		.where(incident.sla_next_check_on <= now_datetime())
		.where(incident.status.isin(list(lifecycle.OPEN_STATUSES)))
		.orderby(incident.sla_next_check_on)
		.limit(limit)
		.run(pluck=True)
	)
	changed = []
	for name in names:
		doc = frappe.get_doc("Incident", name)
		previous = doc.agreement_status
		frappe.db.savepoint("xnet_sla_check")
		try:
			doc.save(ignore_permissions=True)  # the system re-evaluates its own clock fields
		except Exception:
			frappe.db.rollback(save_point="xnet_sla_check")
			doc.log_error("SLA check failed")
			frappe.db.set_value("Incident", name, "sla_next_check_on", None, update_modified=False)
		else:
			if doc.agreement_status != previous:
				changed.append(name)
		if commit:
			frappe.db.commit()
	return changed
