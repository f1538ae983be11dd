"""Missed calls become the center's callback list; an operator takes one, calls back and marks it; a
caller who rang again and was answered closes theirs. Calls are kept as long as the settings say."""

import frappe
import pytest
from frappe.utils import add_days, now_datetime

from tests.site import telephony_helpers as t
from xnet_helpdesk.telephony import callbacks


@pytest.fixture(scope="module")
def cti(world, server):
	built = t.build(world)
	t.cleanup_calls()
	yield built
	t.cleanup_calls()


def missed(server, caller=t.KNOWN, cause="noAnswer"):
	cid = t.call_id()
	t.new_call(server, cid, caller=caller)
	t.hangup(server, cid, cause=cause)
	return t.stored(cid)


@pytest.mark.parametrize("cause, result", [("noAnswer", "Missed"), ("cancel", "Missed"), ("busy", "Busy")])
def test_a_call_nobody_took_is_on_the_callback_list(server, cti, cause, result):
	call = missed(server, cause=cause)
	assert (call.result, call.callback_status) == (result, "Open")


def test_an_operator_takes_calls_back_and_marks_it(server, cti):
	call = missed(server)
	operator = cti["users"]["cti_kar_op"]
	frappe.set_user(operator)
	doc = frappe.get_doc("Call", call.name)
	doc.take_callback()
	assert (doc.callback_status, doc.callback_by) == ("Taken", operator)
	doc.mark_callback("No Answer", "не берёт трубку")
	assert doc.callback_status == "Open"
	doc.take_callback()
	doc.mark_callback("Reached", "перезвонили, принтер заработал")
	doc.reload()
	assert (doc.callback_status, doc.callback_result) == ("Done", "Reached")


def test_another_operator_cannot_mark_a_taken_callback(server, cti):
	call = missed(server)
	frappe.set_user(cti["users"]["cti_kar_op"])
	frappe.get_doc("Call", call.name).take_callback()
	frappe.set_user(cti["users"]["cti_kar_op2"])
	doc = frappe.get_doc("Call", call.name)
	with pytest.raises(frappe.ValidationError):
		doc.mark_callback("Reached")
	with pytest.raises(frappe.ValidationError):
		doc.take_callback()
	frappe.set_user("Administrator")
	doc.reload()
	assert (doc.callback_status, doc.callback_by) == ("Taken", cti["users"]["cti_kar_op"])


@pytest.mark.parametrize("result", ["", "Maybe", None])
def test_a_bad_callback_result_changes_nothing(server, cti, result):
	call = missed(server)
	doc = frappe.get_doc("Call", call.name)
	with pytest.raises(frappe.ValidationError):
		doc.mark_callback(result)
	doc.reload()
	assert doc.callback_status == "Open" and not doc.callback_result


def test_an_engineer_cannot_work_the_callback_list(server, cti, world):
	call = missed(server)
	frappe.set_user(world["users"]["kar_engineer"])
	with pytest.raises(frappe.PermissionError):
		frappe.get_doc("Call", call.name).take_callback()


def test_a_center_manager_sees_only_their_centers_calls(server, cti, world):
	kar = missed(server)
	cid = t.call_id()
	t.alm(server, {"event": "newCall", "callId": cid, "from": t.KNOWN, "to": t.ALM_NUMBER, "direction": "in"})
	alm = t.stored(cid, t.ALM_PBX)
	frappe.set_user(world["users"]["kar_center_manager"])
	visible = set(frappe.get_list("Call", pluck="name"))
	assert kar.name in visible and alm.name not in visible


def test_the_caller_rang_again_and_was_answered(server, cti):
	first = missed(server, caller="8 701 555 01 01")
	second = missed(server, caller="+7 701 555 01 01", cause="busy")
	other = missed(server, caller=t.UNKNOWN)
	cid = t.call_id()
	t.new_call(server, cid, caller="701 555 01 01")
	t.answer(server, cid)
	answered = t.stored(cid)
	for call in (first, second):
		closed = t.stored(call.call_id)
		assert (closed.callback_status, closed.closed_by_call) == ("Closed by a Later Call", answered.name)
	assert t.stored(other.call_id).callback_status == "Open"


def test_a_call_still_ringing_closes_nothing(server, cti):
	first = missed(server)
	t.new_call(server, t.call_id())
	assert t.stored(first.call_id).callback_status == "Open"


def test_an_incident_registered_from_the_call_is_linked(server, cti, world):
	call = missed(server)
	incident = frappe.get_doc(
		{
			"doctype": "Incident",
			"subject": "Звонок: не печатает",
			"channel": "Phone",
			"contact": cti["contacts"]["known"],
			"call": call.name,
		}
	).insert()
	assert frappe.db.get_value("Call", call.name, "incident") == incident.name


def test_old_calls_go_after_the_retention_period(server, cti):
	old = missed(server)
	recent = missed(server)
	frappe.db.set_value("Call", old.name, "started_at", add_days(now_datetime(), -400))
	frappe.db.set_single_value("Helpdesk Settings", "call_retention_days", 365)
	assert callbacks.purge_old_calls() >= 1
	assert not frappe.db.exists("Call", old.name)
	assert frappe.db.exists("Call", recent.name)
	frappe.db.set_single_value("Helpdesk Settings", "call_retention_days", 0)
	assert callbacks.purge_old_calls() == 0
