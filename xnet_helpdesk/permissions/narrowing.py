"""Whether a user's right on one of Frappe's doctypes comes from the helpdesk's roles alone.

The app grants the Helpdesk Manager and the Helpdesk Operator rights on some of Frappe's doctypes (Workflow,
Notification, Contact, …) through Custom DocPerm. Those rights are meant for the helpdesk's own records; the
rules in configuration.py and contacts.py narrow them to those records. A user who holds the same right
through another role (System Manager, or a role another app grants) keeps it whole: the rules narrow what
the helpdesk granted, never what someone else granted.
"""

import frappe
from frappe.utils import cint

from xnet_helpdesk.consts import HELPDESK_GRANTEES

READ_LIKE = frozenset({"read", "select", "print", "email", "report", "export"})


def narrowed(doctype: str, ptype: str | None = None, user: str | None = None) -> bool:
	user = user or frappe.session.user
	if user == "Administrator":
		return False
	roles = set(frappe.get_roles(user))
	if not roles & HELPDESK_GRANTEES:
		return False
	others = roles - HELPDESK_GRANTEES
	ptype = ptype or "read"
	# a right granted "if owner" (Frappe's "All" on Contact) is not a right on others' records
	return not any(
		perm.role in others and cint(perm.get(ptype)) and not cint(perm.if_owner) and not cint(perm.permlevel)
		for perm in frappe.get_meta(doctype).permissions
	)


def may_be_stored(doc) -> bool:
	"""A record with a name that is not a new one: judged by what is stored, when it is."""
	return bool(doc.get("name")) and not doc.get("__islocal")
