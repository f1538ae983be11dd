"""Every transition of the shipped workflow, tried over REST by every role; and the server's own rules,
which hold whatever the client (form, REST, import) sends."""

import json

import frappe
import pytest

from tests.harness.http import api_client
from tests.harness.states import NEEDS, bring_to
from tests.harness.world import make_incident
from xnet_helpdesk.setup import workflow_definition as wf

ROLE_USERS = {
	"Helpdesk Operator": "operator",
	"Helpdesk Engineer": "kar_engineer",
	"Service Center Manager": "kar_center_manager",
	"Helpdesk Manager": "manager",
	"Helpdesk Client": "karmet_client",
}
TRANSITIONS = sorted({(state, action, nxt, tuple(roles)) for state, action, nxt, roles, _c in wf.TRANSITIONS})


@pytest.fixture(scope="module")
def clients(world, server):
	return {role: api_client(server, world["users"][key]) for role, key in ROLE_USERS.items()}


def incident_in(world, committed, state):
	doc = bring_to(make_incident(world, "karmet_client"), state, world["users"]["kar_engineer"])
	committed.append(doc.name)
	return doc


def stored(name, *fields):
	"""Read what the server committed (a fresh transaction: ours may hold an older snapshot)."""
	frappe.db.rollback()
	return frappe.db.get_value("Incident", name, list(fields), as_dict=True)


def apply_over_rest(client, doc, action):
	return client.post(
		"/api/method/frappe.model.workflow.apply_workflow",
		data={"doc": json.dumps(doc.as_dict(), default=str), "action": action},
	)


@pytest.mark.parametrize("role", sorted(ROLE_USERS))
@pytest.mark.parametrize("transition", TRANSITIONS, ids=lambda t: f"{t[0]}-{t[1]}")
def test_each_transition_is_open_exactly_to_its_roles(world, clients, committed, role, transition):
	state, action, next_state, roles = transition
	doc = incident_in(world, committed, state)
	for field, value in NEEDS.get(action, {}).items():
		doc.set(field, value if value is not None else world["users"]["kar_engineer"])
	doc.save()
	frappe.db.commit()
	response = apply_over_rest(clients[role], doc, action)
	after = stored(doc.name, "workflow_state", "status")
	if role in roles:
		assert response.status_code == 200, response.text
		assert (after.workflow_state, after.status) == (next_state, next_state)
	else:
		assert response.status_code in (403, 417), response.text
		assert (after.workflow_state, after.status) == (state, state)


FORBIDDEN_JUMPS = [
	("Registered", "Resolved"),
	("Registered", "Closed"),
	("Assigned", "Resolved"),
	("Resolved", "In Progress"),
	("Closed", "Reopened"),
	("Cancelled", "Registered"),
	("Awaiting Client", "Closed"),
]


@pytest.mark.parametrize("start, target", FORBIDDEN_JUMPS)
def test_jumps_outside_the_workflow_are_refused_over_rest(world, clients, committed, start, target):
	doc = incident_in(world, committed, start)
	frappe.db.commit()
	manager = clients["Helpdesk Manager"]
	for payload in ({"workflow_state": target}, {"status": target}):
		response = manager.put(f"/api/resource/Incident/{doc.name}", payload)
		assert response.status_code >= 400, (payload, response.text)
		assert stored(doc.name, "status").status == start


def test_status_change_without_workflow_state_goes_through_the_workflow(world, clients, committed):
	"""A kanban drag sends only `status`: it is a real transition when the workflow allows it."""
	doc = incident_in(world, committed, "Assigned")
	frappe.db.commit()
	engineer = clients["Helpdesk Engineer"]
	response = engineer.put(f"/api/resource/Incident/{doc.name}", {"status": "In Progress"})
	assert response.status_code == 200, response.text
	after = stored(doc.name, "workflow_state", "status", "accepted_on")
	assert after.workflow_state == "In Progress" and after.status == "In Progress" and after.accepted_on


def says(response, message: str) -> bool:
	"""The user's language is Russian: the refusal carries the translated rule (up to its first argument)."""
	expected = frappe._(message, lang="ru").split("{0}")[0].strip()
	return expected in response.json().get("exception", "")


def test_server_rules_hold_over_rest(world, clients, committed):
	manager = clients["Helpdesk Manager"]
	# Assigned needs an engineer
	fresh = incident_in(world, committed, "Registered")
	frappe.db.commit()
	response = manager.put(f"/api/resource/Incident/{fresh.name}", {"workflow_state": "Assigned"})
	assert response.status_code == 417
	assert says(response, "An engineer must be set for status {0}")
	# Resolved needs resolution details: try to resolve without them
	working = incident_in(world, committed, "In Progress")
	frappe.db.commit()
	response = manager.put(f"/api/resource/Incident/{working.name}", {"workflow_state": "Resolved"})
	assert response.status_code == 417 and says(
		response, "Resolution details are required to resolve the incident"
	)
	# Awaiting Client needs what the engineer asks the client for
	response = manager.put(f"/api/resource/Incident/{working.name}", {"workflow_state": "Awaiting Client"})
	assert response.status_code == 417 and says(
		response, "Write what the engineer needs from the client before waiting for them"
	)
	assert stored(working.name, "status").status == "In Progress"
	response = manager.put(
		f"/api/resource/Incident/{working.name}",
		{"workflow_state": "Awaiting Client", "client_info_request": "Номер лицензии 1С"},
	)
	assert response.status_code == 200, response.text
	assert stored(working.name, "status").status == "Awaiting Client"
	# Reopened needs a reason
	resolved = incident_in(world, committed, "Resolved")
	frappe.db.commit()
	response = manager.put(f"/api/resource/Incident/{resolved.name}", {"workflow_state": "Reopened"})
	assert response.status_code == 417 and says(response, "A reason is required to reopen the incident")
	response = manager.put(
		f"/api/resource/Incident/{resolved.name}",
		{"workflow_state": "Reopened", "reopen_reason": "Не устроило"},
	)
	assert response.status_code == 200, response.text
	frappe.db.rollback()
	reopened = frappe.get_doc("Incident", resolved.name)
	assert (reopened.status, reopened.reopen_count, reopened.last_reopen_reason, reopened.reopen_reason) == (
		"Reopened",
		1,
		"Не устроило",
		None,
	)
	assert reopened.reopened_on and not reopened.resolved_on
	# Closed is final, for every field a client could send
	closed = incident_in(world, committed, "Closed")
	frappe.db.commit()
	for payload in (
		{"subject": "rewritten"},
		{"engineer": world["users"]["kar_engineer2"]},
		{"reopen_reason": "x"},
	):
		response = manager.put(f"/api/resource/Incident/{closed.name}", payload)
		if "reopen_reason" in payload:
			# not a frozen field: saving it changes nothing about the closed incident's status
			assert stored(closed.name, "status").status == "Closed"
		else:
			assert response.status_code == 417, payload
	assert stored(closed.name, "subject").subject == closed.subject


def test_timestamps_and_counters_are_the_servers(world, clients, committed):
	doc = incident_in(world, committed, "In Progress")
	frappe.db.commit()
	before = stored(doc.name, "registered_on", "accepted_on", "reopen_count")
	response = clients["Helpdesk Manager"].put(
		f"/api/resource/Incident/{doc.name}",
		{"registered_on": "2001-01-01 00:00:00", "accepted_on": None, "reopen_count": 9, "priority": "High"},
	)
	assert response.status_code == 200, response.text
	after = stored(doc.name, "registered_on", "accepted_on", "reopen_count", "priority")
	assert (after.registered_on, after.accepted_on, after.reopen_count) == (
		before.registered_on,
		before.accepted_on,
		before.reopen_count,
	)
	assert after.priority == "High"


def test_creating_in_a_later_state_is_refused(world, clients):
	response = clients["Helpdesk Manager"].post(
		"/api/resource/Incident",
		json={
			"subject": "import of a finished job",
			"contact": world["contacts"]["karmet_client"],
			"workflow_state": "Resolved",
			"engineer": world["users"]["kar_engineer"],
			"resolution_details": "done",
		},
	)
	assert response.status_code >= 400
	frappe.db.rollback()
	assert not frappe.db.exists("Incident", {"subject": "import of a finished job"})
