"""The phone systems' endpoint over real HTTP: authentication, idempotency, order, blocked numbers, routing
of the pop-ups, and every field's bad input (a clear 400, nothing stored)."""

import time

import frappe
import pytest

from tests.site import telephony_helpers as t


@pytest.fixture(scope="module")
def cti(world, server):
	built = t.build(world)
	t.cleanup_calls()
	frappe.cache.delete_keys("rl:xnet_helpdesk.telephony.api.event")
	yield built
	t.cleanup_calls()


@pytest.fixture
def realtime(site):
	listener = t.Realtime()
	yield listener
	listener.close()


def calls_count():
	frappe.db.rollback()
	return frappe.db.count("Call")


# --- authentication --------------------------------------------------------------------------------


@pytest.mark.parametrize(
	"system, token",
	[
		(None, None),
		(t.KAR_PBX, None),
		(None, t.KAR_TOKEN),
		(t.KAR_PBX, "wrong-" + t.KAR_TOKEN),
		(t.KAR_PBX, t.ALM_TOKEN),  # another system's token
		("No Such PBX", t.KAR_TOKEN),
	],
)
def test_a_wrong_or_missing_secret_is_401_and_stores_nothing(server, cti, system, token):
	before = calls_count()
	response = t.post(server, {"event": "newCall", "callId": t.call_id(), "direction": "in"}, system, token)
	assert response.status_code == 401
	assert calls_count() == before


def test_the_refusal_is_logged_without_the_body(server, cti):
	from tests.harness import bench

	secret_caller = "+77019998877"
	t.post(
		server,
		{"event": "newCall", "callId": "log-1", "direction": "in", "from": secret_caller},
		t.KAR_PBX,
		"nope",
	)
	logs = list((bench.bench_path() / "logs").glob("xnet_telephony*.log")) + list(
		(bench.bench_path() / "sites" / frappe.local.site / "logs").glob("xnet_telephony*.log")
	)
	text = "".join(path.read_text() for path in logs)
	assert "wrong token" in text
	assert secret_caller not in text and "log-1" not in text


def test_hmac_is_required_when_the_system_has_a_secret(server, cti):
	cid = t.call_id()
	fields = {"event": "newCall", "callId": cid, "from": t.KNOWN, "to": t.ALM_NUMBER, "direction": "in"}
	assert t.post(server, fields, t.ALM_PBX, t.ALM_TOKEN).status_code == 401
	assert t.post(server, fields, t.ALM_PBX, t.ALM_TOKEN, secret="other-secret").status_code == 401
	assert t.stored(cid, t.ALM_PBX) is None
	response = t.alm(server, fields)
	assert response.status_code == 200, response.text
	assert t.stored(cid, t.ALM_PBX).result == "Ringing"


def test_a_disabled_phone_system_is_refused(server, cti):
	frappe.db.set_value("Phone System", t.KAR_PBX, "enabled", 0)
	frappe.db.commit()
	try:
		assert t.new_call(server, t.call_id()).status_code == 401
	finally:
		frappe.db.set_value("Phone System", t.KAR_PBX, "enabled", 1)
		frappe.db.commit()


def test_the_endpoint_opens_nothing_else(server, cti):
	"""Authenticated as a phone system, the request is still a guest for everything else."""
	response = t.post(server, {"event": "newCall"}, headers={})
	assert response.status_code == 400
	import requests

	other = requests.get(
		server.base + "/api/resource/Call",
		headers={"X-Phone-System": t.KAR_PBX, "X-Phone-Token": t.KAR_TOKEN},
		timeout=30,
	)
	assert other.status_code == 403


# --- the calls -------------------------------------------------------------------------------------


def test_an_answered_call_from_a_known_client(server, cti):
	cid = t.call_id()
	assert t.new_call(server, cid, caller="8 701 555 01 01", queue="support").json() == {}
	assert t.answer(server, cid).json() == {}
	assert t.hangup(server, cid).json() == {}
	call = t.stored(cid)
	assert call.result == "Answered"
	assert call.caller_number == t.KNOWN
	assert call.contact == cti["contacts"]["known"]
	assert call.client_company == "TEST KarMet"
	assert call.service_center == "TEST Karaganda"
	assert call.answered_by == cti["users"]["cti_kar_op"]
	assert call.queue == "support"
	assert call.waiting_time is not None and call.talking_time is not None
	assert not call.callback_status


def test_form_encoded_events_with_a_list_of_users(server, cti):
	cid = t.call_id()
	fields = {
		"event": "newCall",
		"callId": cid,
		"from": "87015550101",
		"to": "87212505252",
		"direction": "in",
	}
	fields["user[]"] = ["Айгерим", "Дарья"]
	assert t.post(server, fields, as_json=False).status_code == 200
	user = frappe.db.get_value("User", cti["users"]["cti_kar_op2"], "name")
	response = t.post(server, {"event": "answer", "callId": cid, "user": user}, as_json=False)
	assert response.json() == {}
	call = t.stored(cid)
	assert (call.result, call.answered_by, call.contact) == ("Talking", user, cti["contacts"]["known"])


@pytest.mark.parametrize("event", ["newCall", "answer", "hangup"])
def test_the_same_event_twice_is_one_call_unchanged(server, cti, event):
	cid = t.call_id()
	t.new_call(server, cid)
	t.answer(server, cid)
	t.hangup(server, cid)
	first = t.stored(cid)
	send = {"newCall": t.new_call, "answer": t.answer, "hangup": t.hangup}[event]
	response = send(server, cid)
	assert response.status_code == 200 and response.json() == {}
	again = t.stored(cid)
	assert again.modified == first.modified
	assert frappe.db.count("Call", {"call_id": cid}) == 1


@pytest.mark.parametrize(
	"order",
	[("hangup", "answer", "newCall"), ("answer", "newCall", "hangup"), ("hangup", "newCall", "answer")],
)
def test_events_in_any_order_give_the_answered_call(server, cti, order):
	cid = t.call_id()
	send = {"newCall": t.new_call, "answer": t.answer, "hangup": t.hangup}
	for event in order:
		response = send[event](server, cid)
		assert response.status_code == 200, response.text
	call = t.stored(cid)
	assert call.result == "Answered"
	assert call.contact == cti["contacts"]["known"]
	assert call.answered_by == cti["users"]["cti_kar_op"]


def test_answer_for_an_unknown_call_is_recorded(server, cti):
	cid = t.call_id()
	response = t.answer(server, cid, extension="102")
	assert response.status_code == 200 and response.json() == {}
	call = t.stored(cid)
	assert call.result == "Talking"
	assert call.answered_by == cti["users"]["cti_kar_op2"]


def test_several_contacts_with_the_number_are_all_offered(server, cti):
	cid = t.call_id()
	t.new_call(server, cid, caller="8 (7212) 41 00 00")
	call = t.stored(cid)
	assert call.contact is None
	assert set(call.matches.split("\n")) == {cti["contacts"]["shared_a"], cti["contacts"]["shared_b"]}


def test_an_engineer_calling_from_an_extension_is_recognised(server, cti):
	cid = t.call_id()
	t.new_call(server, cid, caller="201")
	engineer = frappe.db.get_value("Support Engineer", {"user": cti["users"]["cti_alm_op"]})
	assert t.stored(cid).caller_engineer == engineer


def test_a_blocked_number_is_rejected_and_owes_no_callback(server, cti):
	cid = t.call_id()
	response = t.new_call(server, cid, caller="+7 701 555 06 66")
	assert response.json() == {"action": "reject", "reason": "busy"}
	# the PBX retries: the same answer, still one call
	assert t.new_call(server, cid, caller="+7 701 555 06 66").json() == {"action": "reject", "reason": "busy"}
	t.hangup(server, cid, cause="busy")
	call = t.stored(cid)
	assert call.result == "Rejected"
	assert not call.callback_status
	assert t.new_call(server, t.call_id(), caller=t.UNKNOWN).json() == {}


def test_the_dialled_number_picks_the_center(server, cti):
	"""The Karaganda PBX also carries the Almaty number in this test: its calls are Almaty's."""
	doc = frappe.get_doc("Phone System", t.KAR_PBX)
	doc.append("numbers", {"number": "+7 727 225 00 00", "service_center": "TEST Almaty"})
	doc.save()
	frappe.db.commit()
	try:
		cid = t.call_id()
		t.new_call(server, cid, dialled="8 727 225 00 00")
		assert t.stored(cid).service_center == "TEST Almaty"
	finally:
		doc.reload()
		doc.set("numbers", [row for row in doc.numbers if row.number_e164 != "+77272250000"])
		doc.save()
		frappe.db.commit()


# --- who is told -----------------------------------------------------------------------------------


def rooms(messages, event):
	return sorted(m["room"] for m in messages if m["event"] == event)


def test_a_ringing_call_reaches_only_the_centers_operators_on_duty(server, cti, realtime):
	cid = t.call_id()
	t.new_call(server, cid)
	messages = realtime.collect()
	users = cti["users"]
	assert rooms(messages, "xnet_call_ringing") == sorted(
		[f"user:{users['cti_kar_op']}", f"user:{users['cti_kar_op2']}"]
	)
	card = messages[0]["message"]
	assert card["callers"][0]["contact"] == cti["contacts"]["known"]
	assert card["prefill"]["contact"] == cti["contacts"]["known"]
	assert card["prefill"]["channel"] == "Phone"


def test_the_other_centers_operator_gets_nothing(server, cti, realtime):
	cid = t.call_id()
	t.new_call(server, cid)
	t.answer(server, cid)
	t.hangup(server, cid)
	messages = realtime.collect()
	assert messages
	for user in ("cti_alm_op", "cti_kar_off"):
		assert f"user:{cti['users'][user]}" not in {m["room"] for m in messages}
	# nothing is broadcast to the site or to a doctype room
	assert all(m["room"].startswith("user:") for m in messages)


def test_the_answer_goes_to_the_one_who_answered(server, cti, realtime):
	cid = t.call_id()
	t.new_call(server, cid)
	realtime.collect(0.5)
	t.answer(server, cid, extension="102")
	messages = realtime.collect()
	assert rooms(messages, "xnet_call_answered") == [f"user:{cti['users']['cti_kar_op2']}"]


def test_a_queue_with_operators_reaches_them_only(server, cti, realtime):
	doc = frappe.get_doc("Phone System", t.KAR_PBX)
	doc.append("queues", {"queue": "vip", "operator": cti["users"]["cti_kar_op2"]})
	doc.save()
	frappe.db.commit()
	try:
		t.new_call(server, t.call_id(), queue="vip")
		assert rooms(realtime.collect(), "xnet_call_ringing") == [f"user:{cti['users']['cti_kar_op2']}"]
	finally:
		doc.reload()
		doc.set("queues", [])
		doc.save()
		frappe.db.commit()


def test_an_unknown_caller_card_prefills_the_number(server, cti, realtime):
	t.new_call(server, t.call_id(), caller="8 777 555 01 99")
	card = realtime.collect()[0]["message"]
	assert card["unknown"] is True
	assert card["prefill"]["contact_phone"] == t.UNKNOWN
	assert "contact" not in card["prefill"]


# --- bad input -------------------------------------------------------------------------------------

GOOD = {"event": "newCall", "callId": "bad-input", "from": t.KNOWN, "to": t.KAR_NUMBER, "direction": "in"}


@pytest.mark.parametrize(
	"changes, field",
	[
		({"event": None}, "event"),
		({"event": "ring"}, "event"),
		({"event": ["newCall"]}, "event"),
		({"callId": None}, "callId"),
		({"callId": ""}, "callId"),
		({"callId": "x" * 141}, "callId"),
		({"callId": {"a": 1}}, "callId"),
		({"direction": None}, "direction"),
		({"direction": "up"}, "direction"),
		({"from": "1" * 65}, "from"),
		({"from": ["+77015550101"]}, "from"),
		({"to": "\x00"}, "to"),
		({"user": [{"name": "x"}]}, "user"),
		({"user": "u" * 141}, "user"),
		({"answeringNumber": 101.5}, "answeringNumber"),
		({"queue": "q" * 141}, "queue"),
		({"cause": "bored"}, "cause"),
		({"timestamp": "yesterday"}, "timestamp"),
		({"timestamp": 1}, "timestamp"),
	],
)
def test_bad_fields_get_400_naming_the_field_and_store_nothing(server, cti, changes, field):
	fields = {key: value for key, value in {**GOOD, **changes}.items() if value is not None}
	before = calls_count()
	response = t.post(server, fields)
	assert response.status_code == 400, response.text
	assert response.json()["field"] == field
	assert calls_count() == before


@pytest.mark.parametrize(
	"raw, content_type",
	[(b"[1, 2]", "application/json"), (b"x" * 20000, "application/x-www-form-urlencoded")],
)
def test_a_body_that_is_no_event_is_refused(server, cti, raw, content_type):
	before = calls_count()
	response = t.post(server, raw=raw, headers={"Content-Type": content_type})
	assert 400 <= response.status_code < 500
	assert calls_count() == before


def test_bad_input_leaves_an_existing_call_unchanged(server, cti):
	cid = t.call_id()
	t.new_call(server, cid)
	first = t.stored(cid)
	assert t.post(server, {"event": "hangup", "callId": cid, "cause": "bored"}).status_code == 400
	assert t.stored(cid).modified == first.modified


# --- rate limit ------------------------------------------------------------------------------------


def test_events_beyond_the_rate_limit_are_refused(server, cti):
	from frappe.installer import update_site_config

	frappe.cache.delete_keys("rl:xnet_helpdesk.telephony.api.event")
	update_site_config("xnet_cti_rate_limit", 3)
	try:
		ids = [t.call_id() for _ in range(4)]
		statuses = [t.new_call(server, cid).status_code for cid in ids]
		assert statuses == [200, 200, 200, 429]
		assert t.stored(ids[-1]) is None
	finally:
		update_site_config("xnet_cti_rate_limit", "None")
		frappe.cache.delete_keys("rl:xnet_helpdesk.telephony.api.event")
