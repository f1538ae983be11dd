"""Spotting an outage early: a burst of new incidents from one service center, one client company, one
category, or sharing a word in their subjects (outages/burst.py decides; here are its data and effects).

Each new incident (after_insert) reads the open, unlinked incidents registered within the window (one
indexed query) and the alerts raised within it (one more). Joining an open alert it matches, or at the
threshold (Helpdesk Settings, a center's own count and window override it) raising one: an Outage Alert
lists the incidents, and the managers and first-line operators on duty of the centers involved get a
"Possible outage" bell notification pointing to it. While the alert is open, later incidents of the burst
join it, and operators registering a matching incident see the suggestion on the form. One action on the
alert creates the Global Problem and links every listed incident; "False alarm" dismisses it (nothing
more of that kind and key until its window has passed).
"""

import frappe
from frappe import _
from frappe.utils import add_to_date, cint, now_datetime

from xnet_helpdesk.consts import CENTER_MANAGER, MANAGER, OPERATOR
from xnet_helpdesk.incident_flow.lifecycle import OPEN_STATUSES
from xnet_helpdesk.outages import burst
from xnet_helpdesk.outages.burst import Known, Seen, Threshold, threshold_for

# set while a history is replayed (the demo's load): incidents inserted in seconds that happened over days
REPLAYING_HISTORY = "xnet_replaying_history"
# the most incidents one look reads (an outage brings thousands; the operators link them to the problem)
RECENT_LIMIT = 2000


def threshold(service_center: str | None) -> Threshold:
	settings = frappe.get_cached_doc("Helpdesk Settings")
	center = service_center and frappe.get_cached_value(
		"Service Center", service_center, ["burst_count", "burst_window_minutes"], as_dict=True
	)
	return threshold_for(
		settings.burst_count,
		settings.burst_window_minutes,
		center.burst_count if center else None,
		center.burst_window_minutes if center else None,
	)


def kinds() -> tuple[str, ...]:
	settings = frappe.get_cached_doc("Helpdesk Settings")
	return tuple(
		kind
		for kind, on in (
			(burst.CENTER, True),
			(burst.COMPANY, cint(settings.burst_by_company)),
			(burst.CATEGORY, cint(settings.burst_by_category)),
			(burst.WORDS, cint(settings.burst_by_subject_words)),
		)
		if on
	)


def _recent_query(window_minutes: int):
	incident = frappe.qb.DocType("Incident")
	return (
		frappe.qb.from_(incident)
		.select(
			incident.name,
			incident.subject,
			incident.registered_on,
			incident.service_center,
			incident.client_company,
			incident.category,
		)
		.where(incident.registered_on >= add_to_date(now_datetime(), minutes=-window_minutes))
		.where(incident.status.isin(list(OPEN_STATUSES)))
		.where(incident.global_problem.isnull() | (incident.global_problem == ""))
	)


def recent_unlinked(service_center: str, window_minutes: int) -> list[dict]:
	"""The center's new, open incidents not linked to a problem, within the window."""
	incident = frappe.qb.DocType("Incident")
	return (
		_recent_query(window_minutes)
		.where(incident.service_center == service_center)
		.orderby(incident.registered_on)
		.run(as_dict=True)
	)


def recent_everywhere(window_minutes: int) -> list[Seen]:
	incident = frappe.qb.DocType("Incident")
	rows = (
		_recent_query(window_minutes)
		.orderby(incident.registered_on, order=frappe.qb.desc)
		.limit(RECENT_LIMIT)
		.run(as_dict=True)
	)
	return [seen(row) for row in reversed(rows)]


def seen(row) -> Seen:
	return Seen(
		name=row.get("name"),
		registered_on=row.get("registered_on"),
		service_center=row.get("service_center"),
		client_company=row.get("client_company"),
		category=row.get("category"),
		subject=row.get("subject") or "",
	)


def alerts_within(window_minutes: int, statuses=("Open", "Dismissed")) -> list[Known]:
	"""The alerts raised (or dismissed) within the window: a burst is reported once."""
	rows = frappe.get_all(
		"Outage Alert",
		filters={
			"status": ("in", statuses),
			"raised_on": (">=", add_to_date(now_datetime(), minutes=-window_minutes)),
		},
		fields=["name", "burst_kind", "burst_key", "service_center", "status"],
		order_by="raised_on desc",
	)
	return [
		Known(row.name, row.burst_kind or burst.CENTER, row.burst_key or row.service_center, row.status)
		for row in rows
	]


def check(doc, method=None) -> None:
	"""Incident after_insert: two queries while nothing is going on, the alert's writes at the threshold."""
	if doc.global_problem or frappe.flags.get(REPLAYING_HISTORY):
		return
	limit = threshold(doc.service_center)
	if not limit.enabled:
		return
	decision = burst.decide(
		seen(doc),
		recent_everywhere(limit.window_minutes),
		alerts_within(limit.window_minutes),
		limit,
		kinds(),
	)
	if not decision:
		return
	if decision.join:
		join(decision.join, doc)
	else:
		raise_alert(doc, limit, decision)


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


def alert_title(kind: str, label: str) -> str:
	if kind == burst.WORDS:
		return _("Incidents about «{0}»").format(label)
	return label


def raise_alert(doc, limit: Threshold, decision) -> str:
	alert = frappe.get_doc(
		{
			"doctype": "Outage Alert",
			"title": alert_title(decision.kind, decision.label),
			"burst_kind": decision.kind,
			"burst_key": decision.key,
			"service_center": doc.service_center,
			"client_company": decision.key if decision.kind == burst.COMPANY else None,
			"category": decision.key if decision.kind == burst.CATEGORY else None,
			"status": "Open",
			"raised_on": now_datetime(),
			"window_minutes": limit.window_minutes,
			"incidents": [
				{"incident": r.name, "subject": r.subject, "registered_on": r.registered_on}
				for r in decision.members
			],
		}
	)
	# the system raises it, whoever registered the incident that tipped the count (a client on the portal)
	alert.insert(ignore_permissions=True)
	notify(alert)
	return alert.name


def centers_of(alert) -> list[str]:
	"""The service centers of the alert's incidents (a company or a word spans several)."""
	if alert.burst_kind in (None, "", burst.CENTER):
		return [alert.service_center] if alert.service_center else []
	names = [row.incident for row in alert.incidents]
	centers = frappe.get_all(
		"Incident", filters={"name": ("in", names)}, pluck="service_center", distinct=True
	)
	return sorted({c for c in [*centers, alert.service_center] if c})


def on_duty(service_centers: str | list[str]) -> list[str]:
	"""The centers' managers and their first-line operators on duty (active, not Off Duty)."""
	if isinstance(service_centers, str):
		service_centers = [service_centers]
	if not service_centers:
		return []
	users = frappe.get_all(
		"Support Engineer",
		filters={
			"service_center": ("in", service_centers),
			"support_line": "First Line",
			"is_active": 1,
			"availability": ("!=", "Off Duty"),
		},
		pluck="user",
	)
	managers = [frappe.get_cached_value("Service Center", c, "manager") for c in service_centers]
	return sorted({u for u in [*managers, *users] if u})


def notify(alert) -> None:
	from frappe.desk.doctype.notification_log.notification_log import make_notification_logs

	from xnet_helpdesk.language import speaking, user_language

	numbers = ", ".join(row.incident for row in alert.incidents)
	for user in on_duty(centers_of(alert)):
		with speaking(user_language(user)):
			make_notification_logs(
				{
					"type": "Alert",
					"document_type": "Outage Alert",
					"document_name": alert.name,
					"subject": headline(alert, len(alert.incidents)),
					"email_content": "<p>{}</p><p>{}</p>".format(
						_("Incidents: {0}").format(numbers),
						_(
							"Open the alert to create the global problem and link them all, or mark it a false alarm."
						),
					),
				},
				[user],
			)


def headline(alert, count: int) -> str:
	""" "Possible outage …" as its reader says it (called inside their language)."""
	kind, key = alert.burst_kind or burst.CENTER, alert.burst_key or alert.service_center
	if kind == burst.COMPANY:
		text = _("Possible outage at client company {0}: {1} new incidents in {2} minutes")
	elif kind == burst.CATEGORY:
		text = _("Possible outage in category {0}: {1} new incidents in {2} minutes")
	elif kind == burst.WORDS:
		text = _("Possible outage, incidents about «{0}»: {1} new incidents in {2} minutes")
		key = word_of(alert)
	else:
		text = _("Possible outage at {0}: {1} new incidents in {2} minutes")
	return text.format(key, count, alert.window_minutes)


def word_of(alert) -> str:
	"""The shared word as the alert's incidents wrote it, its shortest form (the key is its stem)."""
	forms = [burst.subject_words(row.subject).get(alert.burst_key) for row in alert.incidents]
	return min(filter(None, forms), key=len, default=alert.burst_key)


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
	kind = doc.burst_kind or burst.CENTER
	scope = (
		{"affected_client_companies": [{"client_company": doc.burst_key}]}
		if kind == burst.COMPANY
		else {"affected_service_centers": [{"service_center": c} for c in centers_of(doc)]}
	)
	problem = frappe.get_doc(
		{
			"doctype": "Global Problem",
			"title": problem_title(doc),
			"started_on": min(row.registered_on for row in doc.incidents),
			**scope,
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


def problem_title(alert) -> str:
	kind = alert.burst_kind or burst.CENTER
	if kind == burst.WORDS:
		return _("Possible outage: incidents about «{0}»").format(word_of(alert))
	if kind == burst.CENTER:
		return _("Possible outage at {0}").format(alert.service_center)
	return _("Possible outage: {0}").format(alert.burst_key)


@frappe.whitelist(methods=["POST"])
def dismiss(alert: str) -> None:
	"""A false alarm: closed, and no new alert for the center until its window has passed."""
	doc = frappe.get_doc("Outage Alert", alert)
	_check_may_act(doc)
	if doc.status == "Open":
		doc.status = "Dismissed"
		doc.save()


@frappe.whitelist()
def suggestion(
	service_center: str | None = None,
	client_company: str | None = None,
	category: str | None = None,
	subject: str | None = None,
) -> dict | None:
	"""For the Incident form: an open alert (a possible outage in progress) the incident being registered
	matches — by its center, company, category or a word of its subject — if any."""
	if not (service_center or client_company or category or subject):
		return None
	if not frappe.has_permission("Outage Alert", "read"):
		return None
	limit = threshold(service_center)
	if not limit.enabled:
		return None
	draft = Seen(
		name="",
		registered_on=now_datetime(),
		service_center=service_center or None,
		client_company=client_company or None,
		category=category or None,
		subject=(subject or "")[:500],
	)
	open_alerts = alerts_within(limit.window_minutes, statuses=("Open",))
	for kind, key in burst.keys_of(draft, kinds()):
		for found in open_alerts:
			if (found.kind, found.key) != (kind, key):
				continue
			alert = frappe.get_doc("Outage Alert", found.name)
			if not frappe.has_permission("Outage Alert", "read", alert):
				continue
			return {"alert": alert.name, "message": headline(alert, len(alert.incidents))}
	return None
