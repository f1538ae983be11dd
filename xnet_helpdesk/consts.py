"""Names the code shares with the database: the roles setup creates (setup/install.py) and every rule checks.
One place, so a rename is one edit (helpdesk/helpdesk/consts.py is the same idea)."""

OPERATOR = "Helpdesk Operator"  # first line: registers incidents (phone, e-mail, walk-in)
ENGINEER = "Helpdesk Engineer"  # second line: takes incidents into work and resolves them
CENTER_MANAGER = "Service Center Manager"  # one service center's staff and incidents
MANAGER = "Helpdesk Manager"  # the whole network and its configuration
CLIENT = "Helpdesk Client"  # a client company's contact on the portal (no Desk)
SYSTEM_MANAGER = "System Manager"  # Frappe's own administrator role

HELPDESK_ROLES = (OPERATOR, ENGINEER, CENTER_MANAGER, MANAGER, CLIENT)
# the roles this app grants rights on Frappe's own doctypes (setup/permissions_setup.py); what they grant
# there reaches the helpdesk's records only (permissions/narrowing.py)
HELPDESK_GRANTEES = frozenset({OPERATOR, MANAGER})
