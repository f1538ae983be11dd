"""The Incident workflow the app ships. Installed once; afterwards it belongs to the admins, who edit it
in the Desk (Workflow "Incident Workflow"). Each state writes its canonical status through
"update field" = status, which is what keeps the app working when states are renamed or added."""

from xnet_helpdesk.consts import CENTER_MANAGER, ENGINEER, MANAGER, OPERATOR

WORKFLOW_NAME = "Incident Workflow"

# state, style (Workflow State colour), roles that may edit the incident in that state
STATES = [
	("Registered", "Warning", [OPERATOR, CENTER_MANAGER, MANAGER, ENGINEER]),
	("Assigned", "Info", [OPERATOR, ENGINEER, CENTER_MANAGER, MANAGER]),
	("In Progress", "Primary", [ENGINEER, CENTER_MANAGER, MANAGER, OPERATOR]),
	("Awaiting Client", "Warning", [ENGINEER, CENTER_MANAGER, MANAGER, OPERATOR]),
	("Resolved", "Success", [ENGINEER, OPERATOR, CENTER_MANAGER, MANAGER]),
	("Reopened", "Danger", [OPERATOR, ENGINEER, CENTER_MANAGER, MANAGER]),
	("Closed", "Inverse", [MANAGER]),
	("Cancelled", "Inverse", [MANAGER]),
]

ACTIONS = [
	"Assign",
	"Take into Work",
	"Request Client Info",
	"Resume Work",
	"Resolve",
	"Reopen",
	"Close",
	"Cancel Incident",
]

# state, action, next state, roles, condition
TRANSITIONS = [
	("Registered", "Assign", "Assigned", [OPERATOR, CENTER_MANAGER, MANAGER], "doc.engineer"),
	("Registered", "Take into Work", "In Progress", [ENGINEER, CENTER_MANAGER, MANAGER], "doc.engineer"),
	("Assigned", "Take into Work", "In Progress", [ENGINEER, CENTER_MANAGER, MANAGER], None),
	("In Progress", "Request Client Info", "Awaiting Client", [ENGINEER, CENTER_MANAGER, MANAGER], None),
	("Awaiting Client", "Resume Work", "In Progress", [ENGINEER, OPERATOR, CENTER_MANAGER, MANAGER], None),
	("In Progress", "Resolve", "Resolved", [ENGINEER, CENTER_MANAGER, MANAGER], None),
	("Resolved", "Reopen", "Reopened", [OPERATOR, ENGINEER, CENTER_MANAGER, MANAGER], None),
	("Resolved", "Close", "Closed", [OPERATOR, CENTER_MANAGER, MANAGER], None),
	("Reopened", "Take into Work", "In Progress", [ENGINEER, CENTER_MANAGER, MANAGER], None),
] + [
	(state, "Cancel Incident", "Cancelled", [OPERATOR, CENTER_MANAGER, MANAGER], None)
	for state in ("Registered", "Assigned", "In Progress", "Awaiting Client", "Reopened")
]
