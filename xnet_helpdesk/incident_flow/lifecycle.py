"""The incident lifecycle as plain rules, independent of Frappe.

The admin-editable Workflow decides which transitions exist and who may take them; these rules are the
invariants of the support process that hold whatever the workflow says. Every workflow state maps to one
canonical status (through the state's "update field" in the Workflow), so renamed or added states keep
these rules working.
"""

from dataclasses import dataclass

REGISTERED = "Registered"
ASSIGNED = "Assigned"
IN_PROGRESS = "In Progress"
AWAITING_CLIENT = "Awaiting Client"
RESOLVED = "Resolved"
REOPENED = "Reopened"
CLOSED = "Closed"
CANCELLED = "Cancelled"

STATUSES = (REGISTERED, ASSIGNED, IN_PROGRESS, AWAITING_CLIENT, RESOLVED, REOPENED, CLOSED, CANCELLED)
FINAL_STATUSES = frozenset({CLOSED, CANCELLED})
OPEN_STATUSES = frozenset({REGISTERED, ASSIGNED, IN_PROGRESS, AWAITING_CLIENT, REOPENED})
NEEDS_ENGINEER = frozenset({ASSIGNED, IN_PROGRESS, AWAITING_CLIENT, RESOLVED})

# the timestamp a status stamps when it is entered; "first" ones keep their first value across reopenings
STATUS_TIMESTAMP = {
	REGISTERED: ("registered_on", True),
	ASSIGNED: ("assigned_on", False),
	IN_PROGRESS: ("accepted_on", True),
	RESOLVED: ("resolved_on", False),
	REOPENED: ("reopened_on", False),
	CLOSED: ("closed_on", False),
	CANCELLED: ("cancelled_on", False),
}
SERVER_FIELDS = (
	"registered_on",
	"assigned_on",
	"accepted_on",
	"resolved_on",
	"closed_on",
	"reopened_on",
	"cancelled_on",
	"reopen_count",
	"last_reopen_reason",
)


@dataclass(frozen=True)
class Violation:
	"""A broken rule: a message template (English source, translated by the caller) and its arguments."""

	message: str
	args: tuple = ()


def check_transition(
	old_status: str | None,
	new_status: str,
	*,
	has_engineer: bool,
	has_resolution: bool,
	reopen_reason_given: bool,
	cancellation_reason_given: bool,
	info_request_given: bool,
) -> list[Violation]:
	"""Return the rules a move from old_status to new_status breaks (empty when it is allowed)."""
	violations = []
	if new_status not in STATUSES:
		return [Violation("Unknown status {0}", (new_status,))]
	changed = old_status != new_status
	if old_status in FINAL_STATUSES and changed:
		violations.append(Violation("Incident is {0}: it can no longer change status", (old_status,)))
		return violations
	if new_status in NEEDS_ENGINEER and not has_engineer:
		violations.append(Violation("An engineer must be set for status {0}", (new_status,)))
	if new_status == RESOLVED and not has_resolution:
		violations.append(Violation("Resolution details are required to resolve the incident"))
	if changed and new_status == REOPENED and not reopen_reason_given:
		violations.append(Violation("A reason is required to reopen the incident"))
	if changed and new_status == AWAITING_CLIENT and not info_request_given:
		violations.append(Violation("Write what the engineer needs from the client before waiting for them"))
	if changed and new_status == CANCELLED and not cancellation_reason_given:
		violations.append(Violation("A reason is required to cancel the incident"))
	return violations


def stamps_for(old_status: str | None, new_status: str, current: dict) -> dict:
	"""Timestamp fields to set when entering new_status; `current` holds the fields' present values."""
	if old_status == new_status or new_status not in STATUS_TIMESTAMP:
		return {}
	field, keep_first = STATUS_TIMESTAMP[new_status]
	if keep_first and current.get(field):
		return {}
	stamps = {field: True}
	if new_status == REOPENED:
		# a reopened incident is no longer resolved: its next resolution is stamped afresh
		stamps["resolved_on"] = None
	return stamps


def is_open(status: str) -> bool:
	return status in OPEN_STATUSES
