"""Frappe's Workflow Action bookkeeping, skipped where it can never write anything.

On every save of a document with a workflow, Frappe's doc_events "*" handler process_workflow_actions
looks for an inbox row, completes earlier ones, then reads each next state's "optional" flag from the
database one transition at a time, and writes a Workflow Action row for every state that is not optional.
The Incident workflow's states are all optional (the desk's queues are the to-do list; see
setup/install.py), so for incidents that work never writes anything and was most of the cost of a save.

The wrapper below answers "are all states of this workflow optional?" from a cache refreshed whenever a
Workflow is saved, and returns at once when they are. Otherwise, and on delete, Frappe's own handler
runs unchanged: an admin who makes a state required gets Workflow Actions again.

Frappe resolves the handler by its dotted path on each save, so replacing the module attribute is
enough; hooks.py installs it from an incident's before_validate, i.e. before that save's on_update hooks
run (importing a controller has no side effect).
"""

import frappe
from frappe.model.workflow import get_workflow_name
from frappe.workflow.doctype.workflow_action import workflow_action

CACHE_KEY = "xnet_all_states_optional"
_frappe_handler = workflow_action.process_workflow_actions


def all_states_optional(workflow: str) -> bool:
	def load():
		flags = frappe.get_all(
			"Workflow Document State", filters={"parent": workflow}, pluck="is_optional_state"
		)
		return int(bool(flags) and all(flags))

	return bool(frappe.cache.hget(CACHE_KEY, workflow, load))


def process_workflow_actions(doc, state):
	if state != "on_trash":
		workflow = get_workflow_name(doc.get("doctype"))
		if workflow and all_states_optional(workflow):
			return
	return _frappe_handler(doc, state)


def clear_cache(doc=None, method=None):
	"""doc_events: a Workflow was saved or deleted."""
	frappe.cache.delete_value(CACHE_KEY)


def install(doc=None, method=None):
	"""doc_events (Incident before_validate); idempotent."""
	if workflow_action.process_workflow_actions is not process_workflow_actions:
		workflow_action.process_workflow_actions = process_workflow_actions
