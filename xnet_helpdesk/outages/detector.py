"""Spotting an outage early: a burst of new incidents from one service center.

Each new incident (after_insert) counts the center's incidents registered within the window that are open
and not linked to a global problem (one indexed COUNT). At the threshold (Helpdesk Settings, a center's own
count and window override it) an Outage Alert lists them and the center's manager and its first-line
operators on duty get a "Possible outage" bell notification pointing to it. While the alert is open, later
incidents of the burst join it, and operators registering a new incident for that center see the
suggestion on the form. One action on the alert creates the Global Problem and links every listed incident;
"False alarm" dismisses it (no new alert for the center until its window has passed).
"""

import frappe
from frappe import _
from frappe.utils import add_to_date, now_datetime

from xnet_helpdesk.consts import CENTER_MANAGER, MANAGER, OPERATOR
from xnet_helpdesk.incident_flow.lifecycle import OPEN_STATUSES
from xnet_helpdesk.outages.burst import Threshold, is_burst, threshold_for

# set while a history is replayed (the demo's load): incidents inserted in seconds that happened over days
REPLAYING_HISTORY = "xnet_replaying_history"


def threshold(service_center: str) -> Threshold:
	settings = frappe.get_cached_doc("Helpdesk Settings")
	center = frappe.get_cached_value(
		"Service Center", service_center, ["burst_count", "burst_window_minutes"], as_dict=True
	)
	return threshold_for(
		settings.burst_count,
		settings.burst_window_minutes,
		center.burst_count if center else None,
		center.burst_window_minutes if center else None,
	)


def recent_unlinked(service_center: str, window_minutes: int) -> list[dict]:
	incident = frappe.qb.DocType("Incident")
	return (
		frappe.qb.from_(incident)
		.select(incident.name, incident.subject, incident.registered_on)
		.where(incident.service_center == service_center)
		.where(incident.registered_on >= add_to_date(now_datetime(), minutes=-window_minutes))
		.where(incident.status.isin(list(OPEN_STATUSES)))
		.where(incident.global_problem.isnull() | (incident.global_problem == ""))
		.orderby(incident.registered_on)
		.run(as_dict=True)
	)


def current_alert(service_center: str, window_minutes: int, statuses=("Open", "Dismissed")) -> dict | None:
	"""The center's alert raised (or dismissed) within the window: a burst is reported once."""
	return frappe.db.get_value(
		"Outage Alert",
		{
			"service_center": service_center,
			"status": ("in", statuses),
			"raised_on": (">=", add_to_date(now_datetime(), minutes=-window_minutes)),
		},
		["name", "status"],
		as_dict=True,
		order_by="raised_on desc",
	)


def check(doc, method=None) -> None:
	"""Incident after_insert: one query while nothing is going on, one more at the threshold."""
	if doc.global_problem or not doc.service_center or frappe.flags.get(REPLAYING_HISTORY):
		return
	limit = threshold(doc.service_center)
	if not limit.enabled:
		return
	existing = current_alert(doc.service_center, limit.window_minutes)
	if existing:
		if existing.status == "Open":
			join(existing.name, doc)
		return  # a false alarm stays dismissed for its window
	recent = recent_unlinked(doc.service_center, limit.window_minutes)
	if is_burst(len(recent), limit):
		raise_alert(doc.service_center, limit, recent)


def join(alert: str, incident) -> None:
	"""A later incident of the burst joins its alert: one row appended, the alert is not saved again (an
	outage may bring thousands)."""
	row = frappe.get_doc(
		{
			"doctype": "Outage Alert Incident",
			"parent": alert,
			"parenttype": "Outage Alert",
			"parentfield": "incidents",
			"idx": frappe.db.count("Outage Alert Incident", {"parent": alert}) + 1,
			"incident": incident.name,
			"subject": incident.subject,
			"registered_on": incident.registered_on,
		}
	)
	row.db_insert()


def raise_alert(service_center: str, limit: Threshold, recent: list[dict]) -> str:
	alert = frappe.get_doc(
		{
			"doctype": "Outage Alert",
			"service_center": service_center,
			"status": "Open",
			"raised_on": now_datetime(),
			"window_minutes": limit.window_minutes,
			"incidents": [
				{"incident": r.name, "subject": r.subject, "registered_on": r.registered_on} for r in recent
			],
		}
	)
	# the system raises it, whoever registered the incident that tipped the count (a client on the portal)
	alert.insert(ignore_permissions=True)
	notify(alert)
	return alert.name


def on_duty(service_center: str) -> list[str]:
	"""The center's manager and its first-line operators on duty (active, not Off Duty)."""
	users = frappe.get_all(
		"Support Engineer",
		filters={
			"service_center": service_center,
			"support_line": "First Line",
			"is_active": 1,
			"availability": ("!=", "Off Duty"),
		},
		pluck="user",
	)
	manager = frappe.get_cached_value("Service Center", service_center, "manager")
	return sorted({u for u in [manager, *users] if u})


def notify(alert) -> None:
	from frappe.desk.doctype.notification_log.notification_log import make_notification_logs

	from xnet_helpdesk.language import speaking, user_language

	numbers = ", ".join(row.incident for row in alert.incidents)
	for user in on_duty(alert.service_center):
		with speaking(user_language(user)):
			make_notification_logs(
				{
					"type": "Alert",
					"document_type": "Outage Alert",
					"document_name": alert.name,
					"subject": _("Possible outage at {0}: {1} new incidents in {2} minutes").format(
						alert.service_center, len(alert.incidents), alert.window_minutes
					),
					"email_content": "<p>{}</p><p>{}</p>".format(
						_("Incidents: {0}").format(numbers),
						_(
							"Open the alert to create the global problem and link them all, or mark it a false alarm."
						),
					),
				},
				[user],
			)


def _check_may_act(alert) -> None:
	if not frappe.has_permission("Outage Alert", "write", alert):
		frappe.throw(_("Not permitted"), frappe.PermissionError)
	if not set(frappe.get_roles()) & {OPERATOR, CENTER_MANAGER, MANAGER, "System Manager"}:
		frappe.throw(_("Not permitted"), frappe.PermissionError)


@frappe.whitelist(methods=["POST"])
def create_problem(alert: str) -> str:
	"""Create the Global Problem of an open alert's service center and link every listed open incident."""
	doc = frappe.get_doc("Outage Alert", alert)
	_check_may_act(doc)
	if doc.status != "Open":
		frappe.throw(_("Outage alert {0} is already {1}").format(doc.name, _(doc.status)))
	problem = frappe.get_doc(
		{
			"doctype": "Global Problem",
			"title": _("Possible outage at {0}").format(doc.service_center),
			"started_on": min(row.registered_on for row in doc.incidents),
			"affected_service_centers": [{"service_center": doc.service_center}],
		}
	).insert()
	for row in doc.incidents:
		incident = frappe.get_doc("Incident", row.incident)
		if incident.status in OPEN_STATUSES and not incident.global_problem:
			incident.global_problem = problem.name
			incident.save()
	doc.status, doc.global_problem = "Problem Created", problem.name
	doc.save()
	return problem.name


@frappe.whitelist(methods=["POST"])
def dismiss(alert: str) -> None:
	"""A false alarm: closed, and no new alert for the center until its window has passed."""
	doc = frappe.get_doc("Outage Alert", alert)
	_check_may_act(doc)
	if doc.status == "Open":
		doc.status = "Dismissed"
		doc.save()


@frappe.whitelist()
def suggestion(service_center: str | None = None) -> dict | None:
	"""For the Incident form: the center's open alert (a possible outage in progress), if any."""
	if not service_center or not frappe.has_permission("Outage Alert", "read"):
		return None
	limit = threshold(service_center)
	if not limit.enabled:
		return None
	found = current_alert(service_center, limit.window_minutes, statuses=("Open",))
	if not found:
		return None
	name = found.name
	count = frappe.db.count("Outage Alert Incident", {"parent": name, "parenttype": "Outage Alert"})
	return {
		"alert": name,
		"message": _("Possible outage at {0}: {1} new incidents in {2} minutes").format(
			service_center, count, limit.window_minutes
		),
	}
