"""An incident's e-mails leave the save that caused them.

Frappe evaluates every Notification inside the save (Document.run_notifications): it loads each record,
renders subject and body, records a Communication and queues the e-mail: most of the cost of registering
an incident. For Incident the save only *decides* which Notifications fire (event, condition and value
change, checked as Frappe checks them) and writes that decision to Pending Notification in the same
transaction. After the commit a background job (one draining all such rows, see outgoing/wake.py) sends
them with Frappe's own Notification.send (Email Queue, Communication, System Notification: all as before)
and then the e-mails they queued (outgoing/prompt.py). A rolled-back save leaves nothing; a job that is lost
(Redis restarted, no worker) is found by the scheduler a minute later; a second runner of the same row finds
it gone. Admins edit the Notifications in the Desk as before.
"""

import json

import frappe
from frappe.email.doctype.notification.notification import get_context
from frappe.utils import add_to_date, cast, now_datetime

from xnet_helpdesk.outgoing.wake import wake

DOCTYPE = "Pending Notification"
JOB_ID = "xnet-outbox"
BATCH = 20
EVENTS = {"on_update": "Save", "after_insert": "New", "on_submit": "Submit", "on_cancel": "Cancel"}
MAX_ATTEMPTS = 5
# rows younger than this are their own job's; the scheduler leaves them alone
STALE_AFTER_SECONDS = 60


def enabled_notifications(doctype: str) -> list:
	"""The same list under the same cache key as Frappe's (cleared whenever a Notification is saved)."""
	return frappe.cache.hget(
		"notifications",
		doctype,
		lambda: frappe.get_all(
			"Notification",
			fields=["name", "event", "method"],
			filters={"enabled": 1, "document_type": doctype},
		),
	)


def decide(doc, method: str) -> None:
	"""Document.run_notifications for a doctype whose e-mails are sent after the commit."""
	firing_now = firing(doc, method)
	if firing_now:
		record(doc, firing_now)


def firing(doc, method: str, context: dict | None = None) -> list[str]:
	"""The Notifications this event of the save fires, each counted once per save (not recorded).
	`context`: the conditions' context, to share with another event of the same document state."""
	if (
		(frappe.flags.in_import and frappe.flags.mute_emails)
		or frappe.flags.in_patch
		or frappe.flags.in_install
	):
		return []
	if doc.flags.notifications is None:
		# a caller may set doc.flags.notifications = [] to keep a step quiet, as with Frappe's own
		doc.flags.notifications = enabled_notifications(doc.doctype)
	notifications = doc.flags.notifications
	if not notifications:
		return []
	event = EVENTS.get(method)
	if method == "on_change" and not doc.flags.in_delete:
		# unlike Frappe, also on insert: a field filled at registration (an engineer chosen by the operator)
		# changed from nothing, and its notification must not depend on which path filled it
		event = "Value Change"
	if doc.flags.notifications_executed is None:
		doc.flags.notifications_executed = []
	executed = doc.flags.notifications_executed
	result = []
	if context is None:
		context = {}  # the conditions' context, built once for all of them (it is the same document)
	for alert in notifications:
		if alert.name in executed:
			continue
		if not ((event and alert.event == event) or (alert.event == "Method" and method == alert.method)):
			continue
		executed.append(alert.name)
		if fires(doc, alert.name, alert.event, context):
			result.append(alert.name)
	return result


def fires(doc, name: str, event: str, context: dict | None = None) -> bool:
	"""Frappe's evaluate_alert without the sending. A broken condition is logged and skipped: an admin's
	typo in a Notification never stops an incident from being saved. `context`: a dict shared by the
	calls for one document state, filled with Frappe's condition context on first use."""
	try:
		alert = frappe.get_cached_doc("Notification", name)
		if alert.condition:
			if context is None:
				context = {}
			if not context:
				context.update(get_context(doc))
			if not frappe.safe_eval(alert.condition, None, context):
				return False
		if event == "Value Change":
			field = doc.meta.get_field(alert.value_changed)
			if not field:
				return False
			return cast(field.fieldtype, doc.get(alert.value_changed)) != cast(
				field.fieldtype, value_before(doc, alert.value_changed)
			)
		return True
	except Exception:
		frappe.log_error(f"Notification {name} could not be evaluated", reference_doctype="Notification")
		return False


def value_before(doc, fieldname: str):
	"""The field's value before this change (None for a new document). doc.flags.changed_from overrides it:
	the assignment stores the engineer ahead of its save (for the workflow's condition) and names the true
	old value there, so its save notifies the change; the save that triggered the assignment then takes the
	assignment's values as its starting point (Incident.catch_up_with_assignment), so nobody is told twice."""
	changed_from = doc.flags.changed_from or {}
	if fieldname in changed_from:
		return changed_from[fieldname]
	before = doc.get_doc_before_save()
	return before.get(fieldname) if before else None


def record(doc, names: list[str]) -> None:
	record_names(doc.doctype, doc.name, names)


def record_names(doctype: str, name: str, names: list[str]) -> None:
	now = now_datetime()
	row = frappe.get_doc(
		{
			"doctype": DOCTYPE,
			"reference_doctype": doctype,
			"reference_name": name,
			"notifications": json.dumps(names),
			"attempts": 0,
		}
	)
	row.name = frappe.generate_hash(length=12)
	row.owner = row.modified_by = frappe.session.user
	row.creation = row.modified = now
	row.db_insert()
	wake("xnet_helpdesk.outgoing.outbox.deliver_due", JOB_ID, "short")


def deliver(pending: str) -> bool:
	"""Send one row's notifications and delete it, in one transaction. False when another runner had it."""
	row = frappe.db.get_value(
		DOCTYPE,
		pending,
		["reference_doctype", "reference_name", "notifications"],
		as_dict=True,
		for_update=True,
	)
	if not row:
		return False
	if frappe.db.exists(row.reference_doctype, row.reference_name):
		doc = frappe.get_doc(row.reference_doctype, row.reference_name)
		for name in json.loads(row.notifications or "[]"):
			if frappe.db.get_value("Notification", name, "enabled"):
				# Notification.send logs its own failures (a template error) and never raises for them
				frappe.get_doc("Notification", name).send(doc)
	frappe.db.delete(DOCTYPE, {"name": pending})
	return True


def pending_notifications(doctype: str, name: str) -> list[str]:
	"""The Notifications decided for a document and not sent yet."""
	names = []
	for row in frappe.get_all(
		DOCTYPE, filters={"reference_doctype": doctype, "reference_name": name}, pluck="notifications"
	):
		names.extend(json.loads(row or "[]"))
	return names


def deliver_all(
	stale_only: bool = False, limit: int = 500, commit: bool = True, names: list[str] | None = None
) -> int:
	"""Scheduled every minute: rows whose job was lost. Each row commits on its own; a failure is kept
	on the row (attempts, last error) and retried until MAX_ATTEMPTS. With commit=False (tests, a caller
	that owns the transaction) everything stays in the caller's transaction and errors propagate."""
	filters = {"attempts": ("<", MAX_ATTEMPTS)}
	if stale_only:
		filters["creation"] = ("<", add_to_date(now_datetime(), seconds=-STALE_AFTER_SECONDS))
	sent = 0
	if names is None:
		names = frappe.get_all(DOCTYPE, filters=filters, pluck="name", order_by="creation", limit=limit)
	for name in names:
		if not commit:
			sent += deliver(name)
			continue
		try:
			sent += deliver(name)
			frappe.db.commit()
		except Exception:
			frappe.db.rollback()
			error = frappe.get_traceback()
			frappe.db.set_value(
				DOCTYPE,
				name,
				{"attempts": (frappe.db.get_value(DOCTYPE, name, "attempts") or 0) + 1, "last_error": error},
				update_modified=False,
			)
			frappe.db.commit()
	return sent


def deliver_stale() -> int:
	return deliver_all(stale_only=True)


def deliver_due() -> int:
	"""The job woken by the commits that decide notifications (outgoing/wake.py): every row never tried,
	until none is left; a row that fails is kept with its error for the per-minute sweep."""
	from xnet_helpdesk.outgoing import prompt

	sent = 0
	# the e-mails these notifications queue leave from here, at the end of each batch (no second job)
	with prompt.sending_here():
		# a failure counts an attempt, so each pass takes only rows nobody has tried: the loop always ends
		while names := frappe.get_all(
			DOCTYPE, filters={"attempts": 0}, pluck="name", order_by="creation", limit=BATCH
		):
			sent += deliver_all(names=names)
			prompt.send_due()
	return sent
