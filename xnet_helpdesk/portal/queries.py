"""Small read functions behind the portal pages. Each returns plain dicts; none trusts the request."""

import frappe
from frappe import _
from frappe.utils import cint, get_datetime, now_datetime, strip_html

from xnet_helpdesk.incident_flow import lifecycle
from xnet_helpdesk.incident_flow.contact_details import InvalidPhone, normalize_email, normalize_phone
from xnet_helpdesk.portal import rules

# the workflow steps a client sees, each stamped by the incident's lifecycle
STEP_FIELDS = [
	"registered_on",
	"assigned_on",
	"accepted_on",
	"resolved_on",
	"reopened_on",
	"closed_on",
	"cancelled_on",
]
LIST_FIELDS = ["name", "subject", "status", "modified", "registered_on", "contact_name"]
PAGE_SIZE = 50


def step_labels() -> dict:
	return {
		"registered_on": _("Registered"),
		"assigned_on": _("Engineer assigned"),
		"accepted_on": _("Taken into work"),
		"resolved_on": _("Resolved"),
		"reopened_on": _("Reopened"),
		"closed_on": _("Closed"),
		"cancelled_on": _("Cancelled"),
	}


def steps(incident: dict) -> list[dict]:
	labels = step_labels()
	rows = [
		{"label": labels[field], "on": get_datetime(incident[field])}
		for field in STEP_FIELDS
		if incident.get(field)
	]
	return sorted(rows, key=lambda row: row["on"])


def status_label(status: str) -> str:
	return _(status)


def _contact_values(contact: str | None) -> tuple[set, set]:
	if not contact:
		return set(), set()
	emails = frappe.get_all(
		"Contact Email", filters={"parent": contact, "parenttype": "Contact"}, pluck="email_id"
	)
	phones = frappe.get_all(
		"Contact Phone", filters={"parent": contact, "parenttype": "Contact"}, pluck="phone"
	)
	return {e.lower() for e in emails if e}, set(phones)


def _normalized(value: str) -> tuple[str | None, str | None]:
	email = normalize_email(value) if "@" in value else None
	phone = None
	if not email:
		try:
			phone = normalize_phone(value)
		except InvalidPhone:
			phone = None
	return (email.lower() if email else None), phone


def _phones_match(phone: str, stored: set) -> bool:
	for candidate in stored:
		try:
			if normalize_phone(candidate) == phone:
				return True
		except InvalidPhone:
			continue
	return False


def lookup(number: str, contact_value: str) -> dict | None:
	"""The public status of an incident, or None: a wrong number and a wrong contact look the same."""
	number = rules.clean_incident_number(number)
	email, phone = _normalized((contact_value or "").strip()[:200])
	if not number or not (email or phone):
		return None
	incident = frappe.db.get_value(
		"Incident",
		number,
		[
			"name",
			"status",
			"contact",
			"contact_email",
			"contact_phone",
			"engineer_name",
			"planned_resolution_time",
			*STEP_FIELDS,
		],
		as_dict=True,
	)
	if not incident:
		return None
	emails, phones = _contact_values(incident.contact)
	if incident.contact_email:
		emails.add(incident.contact_email.lower())
	if incident.contact_phone:
		phones.add(incident.contact_phone)
	if not ((email and email in emails) or (phone and _phones_match(phone, phones))):
		return None
	return {
		"number": incident.name,
		"status": incident.status,
		"status_label": status_label(incident.status),
		"steps": steps(incident),
		"engineer": rules.first_name(incident.engineer_name),
		"planned_resolution_time": incident.planned_resolution_time,
	}


def my_incidents(status: str | None = None, search: str | None = None, page: int = 0) -> list[dict]:
	"""The logged-in client's incidents (a representative's: the company's), through the permission scope."""
	filters = {}
	if status in lifecycle.STATUSES:
		filters["status"] = status
	number = rules.clean_incident_number(search)
	if number:
		filters["name"] = ["like", f"%{number}%"]
	rows = frappe.get_list(
		"Incident",
		filters=filters,
		fields=LIST_FIELDS,
		order_by="modified desc",
		start=max(cint(page), 0) * PAGE_SIZE,
		page_length=PAGE_SIZE,
	)
	for row in rows:
		row["status_label"] = status_label(row.status)
	return rows


def _text(html: str | None, limit: int = 5000) -> str:
	return strip_html(html or "").strip()[:limit]


def replies(incident: str) -> list[dict]:
	"""The e-mails exchanged with the client about the incident (never internal comments)."""
	rows = frappe.get_all(
		"Communication",
		filters={
			"reference_doctype": "Incident",
			"reference_name": incident,
			"communication_type": "Communication",
		},
		fields=["sent_or_received", "sender_full_name", "communication_date", "content"],
		order_by="communication_date asc",
		limit=100,
	)
	return [
		{
			"from_us": row.sent_or_received == "Sent",
			"sender": row.sender_full_name or "",
			"on": get_datetime(row.communication_date),
			"text": _text(row.content, 3000),
		}
		for row in rows
	]


def rating_of(incident: str) -> dict | None:
	"""The client's stored rating."""
	return frappe.db.get_value(
		"Engineer Rating", incident, ["stars", "comment", "submitted_on"], as_dict=True
	)


def incident_detail(incident: str) -> dict:
	"""Everything the incident page shows; the caller has already checked access."""
	from xnet_helpdesk.portal.actions import can_write

	doc = frappe.db.get_value(
		"Incident",
		incident,
		[
			"name",
			"subject",
			"status",
			"priority",
			"description",
			"resolution_details",
			"service_center",
			"engineer_name",
			"planned_resolution_time",
			"global_problem",
			"last_reopen_reason",
			"contact_name",
			"client_info_request",
			*STEP_FIELDS,
		],
		as_dict=True,
	)
	settings = frappe.get_cached_doc("Helpdesk Settings")
	window = cint(settings.reopen_window_days)
	resolved = doc.status == lifecycle.RESOLVED
	timeline = [{"kind": "step", **row} for row in steps(doc)]
	timeline += [{"kind": "reply", **row} for row in replies(incident)]
	timeline.sort(key=lambda row: row["on"])
	rating = rating_of(incident)
	return {
		"number": doc.name,
		"subject": doc.subject,
		"status": doc.status,
		"status_label": status_label(doc.status),
		"priority": _(doc.priority) if doc.priority else "",
		"description": _text(doc.description),
		"resolution": _text(doc.resolution_details),
		"service_center": doc.service_center,
		"engineer": doc.engineer_name or "",
		"contact_name": doc.contact_name or "",
		"planned_resolution_time": doc.planned_resolution_time,
		# what the outage's manager has told its clients, newest first
		"problem_updates": problem_updates(doc.global_problem),
		"last_reopen_reason": doc.last_reopen_reason or "",
		"timeline": timeline,
		"can_reopen": resolved and rules.within_reopen_window(doc.resolved_on, now_datetime(), window),
		"can_confirm": resolved,
		"can_write": can_write(doc.status),
		"awaiting_client": doc.status == lifecycle.AWAITING_CLIENT,
		# what the engineer asked for, while they wait for it
		"info_request": (doc.client_info_request or "").strip()
		if doc.status == lifecycle.AWAITING_CLIENT
		else "",
		# a rating can be given and changed until the incident is closed
		"can_rate": resolved,
		"rating": rating,
	}


def problem_updates(problem: str | None) -> list[dict]:
	from xnet_helpdesk.outages.updates import updates_of

	return updates_of(problem) if problem else []
