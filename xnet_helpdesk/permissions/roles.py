"""Role names used by the permission rules (setup/install.py creates the roles themselves)."""

OPERATOR = "Helpdesk Operator"
ENGINEER = "Helpdesk Engineer"
CENTER_MANAGER = "Service Center Manager"
MANAGER = "Helpdesk Manager"
CLIENT = "Helpdesk Client"

# the roles this app grants rights on Frappe's own doctypes (setup/permissions_setup.py); what they grant
# there reaches the helpdesk's records only (permissions/narrowing.py)
HELPDESK_GRANTEES = frozenset({OPERATOR, MANAGER})
