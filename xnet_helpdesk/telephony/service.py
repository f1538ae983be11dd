"""A phone system's event, applied: the Call record, who is calling, which operators are told.

The endpoint (api.py) has authenticated the phone system; this module trusts its name and nothing in the
event. Calls are system-owned records written on the phone system's behalf (ignore_permissions, below)."""

from datetime import datetime, timezone

import frappe
from frappe.utils import get_datetime, now_datetime
from frappe.utils.data import convert_utc_to_system_timezone

from xnet_helpdesk.telephony import events as ev
from xnet_helpdesk.telephony import identify, routing
from xnet_helpdesk.telephony.numbers import to_e164

STATE_FIELDS = {
	"direction": "direction",
	"from_number": "from_number",
	"to_number": "to_number",
	"queue": "queue",
	"answered_at": "answered_at",
	"answering_number": "answering_number",
	"ended_at": "ended_at",
	"cause": "cause",
}
REJECT = {"action": "reject", "reason": "busy"}


def handle(system: str, fields: dict, received_at=None) -> dict:
	"""Apply one event; the answer for the PBX ({} or a rejection). BadEvent for a wrong field."""
	received_at = received_at or now_datetime()
	at = ev.event_time(fields.get("timestamp"), received_at, _local_from_unix)
	event = ev.parse_event(fields, at)
	try:
		return _apply(system, event)
	except _InsertRace:
		# a parallel request for the same call inserted it first: apply this event to that record
		return _apply(system, event)


class _InsertRace(Exception):
	pass


def _apply(system: str, event: ev.Event) -> dict:
	doc = _load(system, event.call_id)
	before = _state(doc) if doc else None
	after = ev.apply(before, event)
	if before is None and after.direction != "out" and is_blocked(after.from_number):
		after = ev.reject(after)
	if after == before:
		return REJECT if after.rejected else {}
	doc = _store(system, doc, before, after)
	routing.tell_operators(doc, before, after)
	return REJECT if after.rejected else {}


def _local_from_unix(seconds: float):
	moment = datetime.fromtimestamp(seconds, tz=timezone.utc)
	return convert_utc_to_system_timezone(moment).replace(tzinfo=None)


def call_key(system: str, call_id: str) -> str:
	return f"{system}\x1f{call_id}"[:140]


def _load(system: str, call_id: str):
	name = frappe.db.get_value("Call", {"call_key": call_key(system, call_id)}, "name", for_update=True)
	return frappe.get_doc("Call", name) if name else None


def _state(doc) -> ev.CallState:
	values = {key: doc.get(fieldname) for key, fieldname in STATE_FIELDS.items()}
	values = {key: (value or "") for key, value in values.items()}
	for key in ("answered_at", "ended_at"):
		values[key] = get_datetime(values[key]) if values[key] else None
	return ev.CallState(
		call_id=doc.call_id,
		started_at=get_datetime(doc.started_at),
		answered_by=doc.answered_by_name or "",
		rejected=doc.result == ev.REJECTED,
		**values,
	)


def _store(system: str, doc, before: ev.CallState | None, after: ev.CallState):
	if doc is None:
		doc = frappe.new_doc("Call")
		doc.update(
			{"call_id": after.call_id, "phone_system": system, "call_key": call_key(system, after.call_id)}
		)
	for key, fieldname in STATE_FIELDS.items():
		doc.set(fieldname, getattr(after, key) or None)
	doc.started_at = after.started_at
	doc.answered_by_name = after.answered_by or None
	doc.result = after.result
	doc.waiting_time = after.waiting_seconds
	doc.talking_time = after.talking_seconds
	if before is None or _caller_side(before) != _caller_side(after):
		_identify(doc, after)
	if after.answered_at and (before is None or before.answered_at is None):
		doc.answered_by = routing.answering_user(doc, after)
	if after.owes_callback and not doc.callback_status:
		doc.callback_status = "Open"
	# a system-owned record: the phone system (not a user) writes it, and the endpoint has authenticated it
	doc.flags.ignore_permissions = True
	if doc.is_new():
		_insert(doc)
	else:
		doc.save()
	if after.answered_at:
		# cheap (indexed) and idempotent; also when the caller's number arrives after the answer
		from xnet_helpdesk.telephony.callbacks import close_answered_callbacks

		close_answered_callbacks(doc)
	return doc


def _insert(doc) -> None:
	try:
		frappe.db.savepoint("xnet_call_insert")
		doc.insert()
	except frappe.DuplicateEntryError:
		# a parallel request for the same call won the insert: the caller's PBX retries, and that one applies
		frappe.db.rollback(save_point="xnet_call_insert")
		raise _InsertRace


def _caller_side(state: ev.CallState) -> tuple:
	return (state.from_number, state.to_number, state.direction)


def _identify(doc, state: ev.CallState) -> None:
	"""The caller (the other side: `from` of an incoming call, `to` of an outgoing one), the center."""
	numbers_region = identify.region()
	outgoing = state.direction == "out"
	remote = state.to_number if outgoing else state.from_number
	doc.caller_number = to_e164(remote, numbers_region)
	doc.service_center = routing.center_for(
		doc.phone_system, state.from_number if outgoing else state.to_number
	)
	matches = identify.contacts_with(doc.caller_number)
	doc.contact = matches[0] if len(matches) == 1 else None
	doc.matches = "\n".join(matches) if len(matches) > 1 else None
	doc.client_company = _company(doc.contact) if doc.contact else None
	engineer = None if matches or outgoing else identify.engineer_with_extension(remote)
	doc.caller_engineer = engineer.name if engineer else None


def _company(contact: str) -> str | None:
	from xnet_helpdesk.incident_flow.contacts import contact_company

	return contact_company(contact)


def is_blocked(raw_number: str) -> bool:
	number = to_e164(raw_number, identify.region())
	return bool(number) and bool(frappe.db.exists("Blocked Number", {"number_e164": number}))
