"""Admins change the workflow in the Desk, without code: renamed and added states keep the app working."""

import frappe
import pytest
from frappe.model.workflow import apply_workflow

from tests.harness.states import bring_to
from tests.harness.world import make_incident
from xnet_helpdesk.setup.workflow_definition import WORKFLOW_NAME


@pytest.fixture
def workflow():
	doc = frappe.get_doc("Workflow", WORKFLOW_NAME)
	yield doc
	frappe.db.rollback()
	frappe.clear_cache()


def add_state(name):
	if not frappe.db.exists("Workflow State", name):
		frappe.get_doc({"doctype": "Workflow State", "workflow_state_name": name}).insert()


def test_renamed_state_keeps_its_meaning(world, workflow):
	add_state("В работе")
	for row in workflow.states:
		if row.state == "In Progress":
			row.state = "В работе"  # update_value stays "In Progress"
	for row in workflow.transitions:
		row.state = "В работе" if row.state == "In Progress" else row.state
		row.next_state = "В работе" if row.next_state == "In Progress" else row.next_state
	workflow.save()
	doc = bring_to(make_incident(world), "Assigned", world["users"]["kar_engineer"])
	doc = apply_workflow(doc.as_dict(), "Take into Work")
	assert (doc.workflow_state, doc.status) == ("В работе", "In Progress")
	assert doc.accepted_on
	doc.resolution_details = "Готово"
	doc.save()
	doc = apply_workflow(doc.as_dict(), "Resolve")
	assert doc.status == "Resolved" and doc.resolved_on


def test_added_state_maps_to_a_status_and_keeps_the_rules(world, workflow):
	add_state("Escalated")
	for role in ("Helpdesk Manager", "Helpdesk Engineer"):
		workflow.append(
			"states",
			{
				"state": "Escalated",
				"doc_status": "0",
				"allow_edit": role,
				"update_field": "status",
				"update_value": "In Progress",
			},
		)
	if not frappe.db.exists("Workflow Action Master", "Escalate"):
		frappe.get_doc({"doctype": "Workflow Action Master", "workflow_action_name": "Escalate"}).insert()
	workflow.append(
		"transitions",
		{
			"state": "In Progress",
			"action": "Escalate",
			"next_state": "Escalated",
			"allowed": "Helpdesk Manager",
		},
	)
	workflow.append(
		"transitions",
		{"state": "Escalated", "action": "Resolve", "next_state": "Resolved", "allowed": "Helpdesk Manager"},
	)
	workflow.save()
	doc = bring_to(make_incident(world), "In Progress", world["users"]["kar_engineer"])
	doc = apply_workflow(doc.as_dict(), "Escalate")
	assert (doc.workflow_state, doc.status) == ("Escalated", "In Progress")
	# the server's rules still hold in the new state: no resolving without details
	with pytest.raises(frappe.ValidationError, match="Resolution details"):
		apply_workflow(doc.as_dict(), "Resolve")
	doc.resolution_details = "Перезагрузили коммутатор"
	doc.save()
	assert apply_workflow(doc.as_dict(), "Resolve").status == "Resolved"


def test_a_state_added_without_a_status_keeps_the_previous_status(world, workflow):
	add_state("Waiting for Parts")
	workflow.append(
		"states", {"state": "Waiting for Parts", "doc_status": "0", "allow_edit": "Helpdesk Manager"}
	)
	if not frappe.db.exists("Workflow Action Master", "Order Parts"):
		frappe.get_doc({"doctype": "Workflow Action Master", "workflow_action_name": "Order Parts"}).insert()
	workflow.append(
		"transitions",
		{
			"state": "In Progress",
			"action": "Order Parts",
			"next_state": "Waiting for Parts",
			"allowed": "Helpdesk Manager",
		},
	)
	workflow.save()
	doc = bring_to(make_incident(world), "In Progress", world["users"]["kar_engineer"])
	doc = apply_workflow(doc.as_dict(), "Order Parts")
	assert (doc.workflow_state, doc.status) == ("Waiting for Parts", "In Progress")
