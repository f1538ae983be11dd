import pytest

from xnet_helpdesk.incident_flow import lifecycle as lc


def check(old, new, **facts):
	defaults = dict(
		has_engineer=True,
		has_resolution=True,
		reopen_reason_given=True,
		cancellation_reason_given=True,
		info_request_given=True,
	)
	defaults.update(facts)
	return [v.message for v in lc.check_transition(old, new, **defaults)]


@pytest.mark.parametrize("status", [lc.ASSIGNED, lc.IN_PROGRESS, lc.AWAITING_CLIENT, lc.RESOLVED])
def test_working_statuses_need_an_engineer(status):
	assert check(lc.REGISTERED, status, has_engineer=False) == ["An engineer must be set for status {0}"]


def test_resolved_needs_resolution_details():
	assert check(lc.IN_PROGRESS, lc.RESOLVED, has_resolution=False) == [
		"Resolution details are required to resolve the incident"
	]


def test_reopen_and_cancel_need_reasons():
	assert check(lc.RESOLVED, lc.REOPENED, reopen_reason_given=False) == [
		"A reason is required to reopen the incident"
	]
	assert check(lc.REGISTERED, lc.CANCELLED, cancellation_reason_given=False) == [
		"A reason is required to cancel the incident"
	]


def test_waiting_for_the_client_needs_the_question():
	assert check(lc.IN_PROGRESS, lc.AWAITING_CLIENT, info_request_given=False) == [
		"Write what the engineer needs from the client before waiting for them"
	]
	# saving an incident that already waits does not ask again
	assert check(lc.AWAITING_CLIENT, lc.AWAITING_CLIENT, info_request_given=False) == []


@pytest.mark.parametrize("final", [lc.CLOSED, lc.CANCELLED])
@pytest.mark.parametrize("target", [lc.REOPENED, lc.IN_PROGRESS, lc.REGISTERED, lc.RESOLVED])
def test_final_statuses_are_final(final, target):
	assert check(final, target) == ["Incident is {0}: it can no longer change status"]


def test_saving_in_the_same_status_needs_no_new_reason():
	assert check(lc.REOPENED, lc.REOPENED, reopen_reason_given=False) == []
	assert check(lc.CLOSED, lc.CLOSED) == []


def test_unknown_status_is_refused():
	assert check(lc.REGISTERED, "Escalated") == ["Unknown status {0}"]


def test_registration_and_first_response_keep_their_first_stamp():
	assert lc.stamps_for(None, lc.REGISTERED, {}) == {"registered_on": True}
	assert lc.stamps_for(lc.REOPENED, lc.IN_PROGRESS, {"accepted_on": "earlier"}) == {}
	assert lc.stamps_for(lc.ASSIGNED, lc.IN_PROGRESS, {"accepted_on": None}) == {"accepted_on": True}


def test_reopening_clears_the_resolution_stamp_and_nothing_changes_without_a_move():
	assert lc.stamps_for(lc.RESOLVED, lc.REOPENED, {}) == {"reopened_on": True, "resolved_on": None}
	assert lc.stamps_for(lc.RESOLVED, lc.RESOLVED, {}) == {}
	assert lc.stamps_for(lc.IN_PROGRESS, lc.AWAITING_CLIENT, {}) == {}


def test_open_statuses():
	assert lc.is_open(lc.REOPENED) and lc.is_open(lc.REGISTERED)
	assert not lc.is_open(lc.RESOLVED) and not lc.is_open(lc.CLOSED)
