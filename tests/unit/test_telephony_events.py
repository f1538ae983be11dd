"""The call a PBX's generic-CTI events build, whatever order they arrive in and however often."""

import itertools
from datetime import datetime, timedelta

import pytest

from xnet_helpdesk.telephony.events import (
	ANSWERED,
	BUSY,
	FORWARDED,
	MISSED,
	REJECTED,
	RINGING,
	TALKING,
	BadEvent,
	apply,
	event_time,
	parse_event,
	reject,
)

T0 = datetime(2026, 12, 1, 10, 0, 0)


def event(kind, second=0, **fields):
	body = {"event": kind, "callId": "c-1", **fields}
	if kind == "newCall":
		body.setdefault("direction", "in")
		body.setdefault("from", "8 701 555 12 34")
		body.setdefault("to", "+7 7212 50 52 52")
	return parse_event(body, T0 + timedelta(seconds=second))


def run(*events):
	state = None
	for item in events:
		state = apply(state, item)
	return state


NEW = event("newCall", 0, queue="support")
ANSWER = event("answer", 12, user="Aigerim", answeringNumber="101")
HANGUP = event("hangup", 72, cause="normalClearing")


def test_an_answered_call():
	call = run(NEW, ANSWER, HANGUP)
	assert call.result == ANSWERED
	assert (call.waiting_seconds, call.talking_seconds) == (12, 60)
	assert (call.answered_by, call.answering_number, call.queue) == ("Aigerim", "101", "support")
	assert (call.from_number, call.direction) == ("8 701 555 12 34", "in")
	assert not call.owes_callback


def test_states_on_the_way():
	assert run(NEW).result == RINGING
	assert run(NEW, ANSWER).result == TALKING
	assert run(NEW).waiting_seconds is None


@pytest.mark.parametrize("order", list(itertools.permutations([NEW, ANSWER, HANGUP])))
def test_every_order_of_the_three_events_gives_the_same_answered_call(order):
	call = run(*order)
	assert call.result == ANSWERED
	assert call.answered_by == "Aigerim"
	assert call.from_number == "8 701 555 12 34"
	assert call.started_at == T0


def test_hangup_before_answer_arriving_late_keeps_the_answer_inside_the_call():
	late_answer = event("answer", 90, user="Aigerim")
	call = run(NEW, HANGUP, late_answer)
	assert call.result == ANSWERED
	assert call.answered_at == HANGUP.at
	assert call.talking_seconds == 0


def test_answer_for_an_unknown_call_starts_it():
	call = run(ANSWER)
	assert call.result == TALKING
	assert call.started_at == ANSWER.at
	assert call.waiting_seconds == 0


@pytest.mark.parametrize("repeated", [NEW, ANSWER, HANGUP])
def test_the_same_event_twice_changes_nothing(repeated):
	once = run(NEW, ANSWER, HANGUP)
	assert apply(once, repeated) == once
	# also when it comes again later (a bridge's retry)
	again = parse_event({**_fields(repeated), "event": repeated.kind}, T0 + timedelta(minutes=5))
	assert apply(once, again) == once


def _fields(item):
	return {
		"callId": item.call_id,
		"direction": item.direction,
		"from": item.from_number,
		"cause": item.cause,
	}


def test_a_second_answer_by_someone_else_does_not_steal_the_call():
	call = run(NEW, ANSWER, event("answer", 20, user="Daria"))
	assert call.answered_by == "Aigerim"


@pytest.mark.parametrize(
	"cause, result",
	[
		("cancel", MISSED),
		("noAnswer", MISSED),
		("normalClearing", MISSED),
		("congestion", MISSED),
		("notFound", MISSED),
		("busy", BUSY),
		("forwarded", FORWARDED),
		(None, MISSED),
	],
)
def test_an_unanswered_call(cause, result):
	hangup = event("hangup", 30, **({"cause": cause} if cause else {}))
	call = run(NEW, hangup)
	assert call.result == result
	assert call.waiting_seconds == 30
	assert call.talking_seconds is None
	assert call.owes_callback == (result in (MISSED, BUSY))


def test_an_outgoing_call_nobody_took_owes_no_callback():
	call = run(event("newCall", 0, direction="out"), event("hangup", 20, cause="noAnswer"))
	assert call.result == MISSED
	assert not call.owes_callback


def test_a_rejected_call():
	call = reject(run(NEW, event("hangup", 1, cause="busy")))
	assert call.result == REJECTED
	assert not call.owes_callback
	assert reject(call) is call


def test_users_may_be_a_list_and_form_style():
	assert event("newCall", user=["Aigerim", "Daria", "Aigerim"]).users == ("Aigerim", "Daria")
	assert parse_event({"event": "answer", "callId": "x", "user[]": ["Daria"]}, T0).users == ("Daria",)


@pytest.mark.parametrize(
	"body, field",
	[
		({}, "event"),
		({"event": "ring", "callId": "1"}, "event"),
		({"event": ["newCall"], "callId": "1"}, "event"),
		({"event": "answer"}, "callId"),
		({"event": "answer", "callId": "  "}, "callId"),
		({"event": "answer", "callId": "x" * 141}, "callId"),
		({"event": "answer", "callId": "a\x00b"}, "callId"),
		({"event": "answer", "callId": {"a": 1}}, "callId"),
		({"event": "newCall", "callId": "1"}, "direction"),
		({"event": "newCall", "callId": "1", "direction": "sideways"}, "direction"),
		({"event": "hangup", "callId": "1", "cause": "bored"}, "cause"),
		({"event": "newCall", "callId": "1", "direction": "in", "from": "1" * 65}, "from"),
		({"event": "newCall", "callId": "1", "direction": "in", "to": ["1"]}, "to"),
		({"event": "answer", "callId": "1", "user": "u" * 141}, "user"),
		({"event": "answer", "callId": "1", "user": [{"x": 1}]}, "user"),
		({"event": "answer", "callId": "1", "answeringNumber": "1\n2"}, "answeringNumber"),
		({"event": "newCall", "callId": "1", "direction": "in", "queue": "q" * 141}, "queue"),
		({"event": "answer", "callId": True}, "callId"),
	],
)
def test_bad_fields_are_named(body, field):
	with pytest.raises(BadEvent) as raised:
		parse_event(body, T0)
	assert raised.value.field == field


def _local(seconds):
	return datetime(1970, 1, 1) + timedelta(seconds=seconds)


EPOCH_T0 = (T0 - datetime(1970, 1, 1)).total_seconds()


def test_event_time_is_the_bridges_timestamp_or_the_arrival():
	assert event_time(None, T0, _local) == T0
	assert event_time("", T0, _local) == T0
	assert event_time(str(EPOCH_T0 - 30), T0, _local) == T0 - timedelta(seconds=30)
	assert event_time(EPOCH_T0 - 3600, T0, _local) == T0 - timedelta(hours=1)


@pytest.mark.parametrize(
	"value", ["soon", "nan", "inf", True, EPOCH_T0 - 2 * 86400, EPOCH_T0 + 3600, 1e30, [1], {"a": 1}]
)
def test_bad_timestamps(value):
	with pytest.raises(BadEvent) as raised:
		event_time(value, T0, _local)
	assert raised.value.field == "timestamp"
