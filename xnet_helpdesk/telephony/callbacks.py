"""The callback list: incoming calls nobody took, per center, until an operator has called back or the
caller rang again and was answered."""

import frappe
from frappe import _
from frappe.utils import add_days, now_datetime

OPEN, TAKEN, DONE, CLOSED_BY_CALL = "Open", "Taken", "Done", "Closed by a Later Call"
PENDING = (OPEN, TAKEN)
RESULTS = ("Reached", "No Answer", "Wrong Number")


def take(doc) -> None:
	doc.check_permission("write")
	user = frappe.session.user
	if doc.callback_status == TAKEN and doc.callback_by == user:
		return
	if doc.callback_status != OPEN:
		frappe.throw(_("This call is not waiting for a callback"))
	_set(doc, callback_status=TAKEN, callback_by=user)


def mark(doc, result: str, note: str | None = None) -> None:
	"""The callback's outcome: done, or back on the list when nobody answered."""
	doc.check_permission("write")
	if result not in RESULTS:
		frappe.throw(_("Unknown callback result: {0}").format(result))
	if doc.callback_status not in PENDING:
		frappe.throw(_("This call is not waiting for a callback"))
	if doc.callback_status == TAKEN and doc.callback_by != frappe.session.user:
		frappe.throw(_("{0} is calling this client back").format(doc.callback_by))
	note = (note or "").strip()[:1000] or None
	status = OPEN if result == "No Answer" else DONE
	_set(
		doc,
		callback_status=status,
		callback_result=result,
		callback_note=note,
		callback_by=frappe.session.user,
	)


def _set(doc, **values) -> None:
	# the fields are read-only in the form (only these two actions change them); the check was above
	doc.update(values)
	doc.flags.ignore_permissions = True
	doc.save()


def close_answered_callbacks(answered) -> int:
	"""The caller rang again and was answered (or we reached them): their pending callbacks are done."""
	if not answered.caller_number:
		return 0
	call = frappe.qb.DocType("Call")
	pending = (
		frappe.qb.from_(call)
		.select(call.name)
		.where(call.caller_number == answered.caller_number)
		.where(call.callback_status.isin(PENDING))
		.where(call.name != answered.name)
		.where(call.started_at <= answered.started_at)
		.run(pluck=True)
	)
	for name in pending:
		frappe.db.set_value(
			"Call", name, {"callback_status": CLOSED_BY_CALL, "closed_by_call": answered.name}
		)
	return len(pending)


def link_incident(incident, method=None) -> None:
	"""Incident after_insert: the call it was registered from leads to it."""
	name = incident.get("call")
	call = name and frappe.db.get_value("Call", name, ["name", "incident"], as_dict=True)
	if call and not call.incident:
		frappe.db.set_value("Call", name, "incident", incident.name)


def purge_old_calls() -> int:
	"""Daily: calls older than Helpdesk Settings' Keep Calls (Days); 0 keeps them."""
	days = frappe.db.get_single_value("Helpdesk Settings", "call_retention_days") or 0
	if days <= 0:
		return 0
	cutoff = add_days(now_datetime(), -days)
	names = frappe.get_all("Call", filters={"started_at": ("<", cutoff)}, pluck="name")
	if names:
		frappe.db.delete("Call", {"name": ("in", names)})
	return len(names)
