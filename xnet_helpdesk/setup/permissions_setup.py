"""Rights of the helpdesk's roles on Frappe's own doctypes, as Custom DocPerm (Role Permissions Manager).

The Helpdesk Manager configures the helpdesk in the Desk: the Incident workflow (and what its form links
to: states, actions, roles), assignment rules, notifications, e-mail templates and the support mailbox. The
Helpdesk Operator keeps the callers' contacts. permissions/configuration.py and permissions/contacts.py narrow
these rights to the helpdesk's own records.

Created when missing, never overwritten: a doctype gets Frappe's standard rules copied first (once a doctype
has any Custom DocPerm, Frappe reads only those), then a rule per role unless that role already has one at
level 0, which an admin may have changed. To take a right away, untick it in Role Permissions Manager rather
than removing the row (a removed row comes back with the next migrate).
"""

import frappe
from frappe.core.doctype.doctype.doctype import clear_permissions_cache
from frappe.permissions import setup_custom_perms

from xnet_helpdesk.consts import MANAGER, OPERATOR

CONTACT_RIGHTS = ("read", "write", "create", "report", "email", "print")

GRANTS = {
	"Workflow": {MANAGER: ("read", "write", "create", "report")},
	"Workflow State": {MANAGER: ("read", "create")},
	"Workflow Action Master": {MANAGER: ("read", "create")},
	# the workflow's and notifications' role fields search roles; opening or editing a Role stays closed
	"Role": {MANAGER: ("select",)},
	"Assignment Rule": {MANAGER: ("read", "write", "create", "delete", "report")},
	"Notification": {MANAGER: ("read", "write", "create", "delete", "report")},
	"Email Template": {MANAGER: ("read", "write", "create", "delete", "report")},
	"Email Account": {MANAGER: ("read", "write", "create")},
	# the Email Account form's Append To list reads which doctypes take mail
	"Property Setter": {MANAGER: ("read",)},
	"Contact": {OPERATOR: CONTACT_RIGHTS, MANAGER: (*CONTACT_RIGHTS, "delete")},
}

RIGHTS = ("read", "write", "create", "delete", "submit", "cancel", "amend", "report", "export", "import")
RIGHTS += ("share", "print", "email", "select")

# Desk pages the roles open besides their doctypes' forms (Custom Role: Frappe's page roles stay as shipped)
PAGES = {"workflow-builder": (MANAGER,)}


def ensure_permissions():
	for doctype, grants in GRANTS.items():
		changed = setup_custom_perms(doctype)
		for role, rights in grants.items():
			if frappe.db.exists(
				"Custom DocPerm", {"parent": doctype, "role": role, "permlevel": 0, "if_owner": 0}
			):
				continue
			frappe.get_doc(
				{
					"doctype": "Custom DocPerm",
					"parent": doctype,
					"parenttype": "DocType",
					"parentfield": "permissions",
					"role": role,
					"permlevel": 0,
					# every right set: a Custom DocPerm reads and exports by default
					**{right: int(right in rights) for right in RIGHTS},
				}
			).insert(ignore_permissions=True)
			changed = True
		if changed:
			clear_permissions_cache(doctype)
	for page, roles in PAGES.items():
		if frappe.db.exists("Page", page) and not frappe.db.exists("Custom Role", {"page": page}):
			frappe.get_doc(
				{
					"doctype": "Custom Role",
					"page": page,
					# a Custom Role adds to the page's own roles
					"roles": [{"role": role} for role in roles],
				}
			).insert(ignore_permissions=True)


def remove_permissions(roles):
	"""Uninstall: the roles' rules go; a doctype whose remaining rules are Frappe's standard ones gets them
	back as standard (no Custom DocPerm left)."""
	for doctype in GRANTS:
		frappe.db.delete("Custom DocPerm", {"parent": doctype, "role": ["in", list(roles)]})
		if _same_rules("Custom DocPerm", "DocPerm", doctype):
			frappe.db.delete("Custom DocPerm", {"parent": doctype})
		clear_permissions_cache(doctype)
	for page in PAGES:
		for name in frappe.get_all("Custom Role", filters={"page": page}, pluck="name"):
			custom_role = frappe.get_doc("Custom Role", name)
			custom_role.roles = [row for row in custom_role.roles if row.role not in roles]
			if custom_role.roles:
				custom_role.save(ignore_permissions=True)
			else:
				frappe.delete_doc("Custom Role", name, ignore_permissions=True, force=True)


def _same_rules(custom: str, standard: str, doctype: str) -> bool:
	def rules(table):
		rows = frappe.get_all(
			table, filters={"parent": doctype}, fields=["role", "permlevel", "if_owner", *RIGHTS]
		)
		return sorted(tuple(row.values()) for row in rows)

	return rules(custom) == rules(standard)
