"""Which center a call belongs to and which operators hear of it: never every Desk user.

- a ringing call: the operators of the PBX queue it waits in (Phone System → Queue Operators), else the
  on-duty first line of the center the dialled number belongs to;
- the answer: the one who answered (their extension or their user), whose Desk opens the caller card;
- the end: whoever was told it rang, so their pop-up goes away.
"""

import frappe

from xnet_helpdesk.consts import OPERATOR
from xnet_helpdesk.telephony import events as ev
from xnet_helpdesk.telephony.numbers import extension, to_e164

ON_DUTY = ("Available", "Busy")
RINGING_EVENT = "xnet_call_ringing"
ANSWERED_EVENT = "xnet_call_answered"
ENDED_EVENT = "xnet_call_ended"


def center_for(system: str, dialled: str | None) -> str | None:
	"""The center of the dialled number (Phone System → Numbers), else the phone system's own."""
	from xnet_helpdesk.telephony.identify import region

	number = to_e164(dialled, region())
	if number:
		row = frappe.qb.DocType("Phone System Number")
		center = (
			frappe.qb.from_(row)
			.select(row.service_center)
			.where(row.parent == system)
			.where(row.number_e164 == number)
			.where(row.service_center.isnotnull() & (row.service_center != ""))
			.limit(1)
			.run(pluck=True)
		)
		if center:
			return center[0]
	return frappe.db.get_value("Phone System", system, "service_center")


def on_duty_operators(center: str | None) -> list[str]:
	"""Operators of the center (a Support Engineer record in it) who are active and not away."""
	if not center:
		return []
	engineer = frappe.qb.DocType("Support Engineer")
	has_role = frappe.qb.DocType("Has Role")
	user = frappe.qb.DocType("User")
	return (
		frappe.qb.from_(engineer)
		.join(has_role)
		.on((has_role.parent == engineer.user) & (has_role.parenttype == "User"))
		.join(user)
		.on(user.name == engineer.user)
		.select(engineer.user)
		.distinct()
		.where(engineer.service_center == center)
		.where(engineer.is_active == 1)
		.where(engineer.availability.isin(ON_DUTY))
		.where(has_role.role == OPERATOR)
		.where(user.enabled == 1)
		.orderby(engineer.user)
		.run(pluck=True)
	)


def queue_operators(system: str, queue: str | None) -> list[str]:
	if not queue:
		return []
	row = frappe.qb.DocType("Phone System Queue")
	users = (
		frappe.qb.from_(row)
		.select(row.operator)
		.distinct()
		.where(row.parent == system)
		.where(row.queue == queue)
		.orderby(row.operator)
		.run(pluck=True)
	)
	# a queue's operator who went off duty (or left) is not disturbed
	away = set(
		frappe.get_all(
			"Support Engineer",
			filters={"user": ("in", users or [""]), "availability": ("not in", ON_DUTY)},
			pluck="user",
		)
	)
	disabled = set(
		frappe.get_all("User", filters={"name": ("in", users or [""]), "enabled": 0}, pluck="name")
	)
	return [u for u in users if u not in away and u not in disabled]


def ringing_operators(doc) -> list[str]:
	return queue_operators(doc.phone_system, doc.queue) or on_duty_operators(doc.service_center)


def answering_user(doc, state: ev.CallState) -> str | None:
	"""The helpdesk user who took the call: by the extension the PBX reports, else by the user it names
	(a login or an engineer's full name, as generic-CTI bridges send)."""
	number = extension(state.answering_number)
	if number:
		user = frappe.db.get_value("Support Engineer", {"phone_extension": number, "is_active": 1}, "user")
		if user:
			return user
	name = (state.answered_by or "").strip()
	if not name:
		return None
	if frappe.db.exists("User", {"name": name, "enabled": 1}):
		return name
	return frappe.db.get_value("Support Engineer", {"full_name": name, "is_active": 1}, "user")


def tell_operators(doc, before: ev.CallState | None, after: ev.CallState) -> None:
	"""Realtime messages to the users concerned only (after the commit, so the card can be read)."""
	if after.direction == "out" or after.rejected:
		return
	from xnet_helpdesk.telephony.card import card_for

	was_ringing = before is not None and before.result == ev.RINGING
	if after.result == ev.RINGING and not was_ringing:
		card = card_for(doc)
		for user in ringing_operators(doc):
			frappe.publish_realtime(RINGING_EVENT, card, user=user, after_commit=True)
	elif after.answered_at and (before is None or before.answered_at is None) and doc.answered_by:
		frappe.publish_realtime(ANSWERED_EVENT, card_for(doc), user=doc.answered_by, after_commit=True)
	if after.ended_at and (before is None or before.ended_at is None):
		message = {"call": doc.name, "result": after.result}
		for user in set(ringing_operators(doc)) - {doc.answered_by}:
			frappe.publish_realtime(ENDED_EVENT, message, user=user, after_commit=True)
