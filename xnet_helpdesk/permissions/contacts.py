"""Which contacts the helpdesk keeps: the people who call and write to it.

Operators capture and correct callers' phone numbers and e-mail addresses, so the Helpdesk Operator (and the
Helpdesk Manager) reads, creates and edits Contacts (rights granted in setup/permissions_setup.py), but only
the helpdesk's:

- contacts of a client company (a Links row to a Client Company): the directory sync and the mail intake
  make every contact they create so, and operators link the ones they create;
- contacts linked to nothing that are no staff member's: Frappe's mail pull makes one for each unknown
  sender and copied address of the support mailbox, and an operator may take a caller down before the
  company is known. Someone has to place them, and that is the first line's work.

Not theirs: a staff member's own contact (its User is a System User), and contacts linked to other
records (another application's customers, users, …); those stay with a System Manager. A contact an
operator saves must remain one of the helpdesk's (a clear message otherwise), and a stored contact is
judged as stored, so a staff contact cannot be pulled in by adding a company to it. Lists, single records,
REST, the Contact link field's search and the operator's caller search (intake/phone.py) follow this one rule.
Roles that see every contact through another role (System Manager, other apps' roles) keep seeing them.
"""

import frappe
from frappe import _
from pypika.terms import Criterion

from xnet_helpdesk.permissions.narrowing import may_be_stored, narrowed

COMPANY_DOCTYPE = "Client Company"


def helpdesk_contact_condition(contact) -> Criterion:
	"""Contacts of a client company, or linked to nothing and not a staff member's (`contact`: the table)."""
	link = frappe.qb.DocType("Dynamic Link")
	user = frappe.qb.DocType("User")
	linked = frappe.qb.from_(link).select(link.parent).where(link.parenttype == "Contact")
	of_company = (
		frappe.qb.from_(link)
		.select(link.parent)
		.where(link.parenttype == "Contact")
		.where(link.link_doctype == COMPANY_DOCTYPE)
	)
	staff = frappe.qb.from_(user).select(user.name).where(user.user_type == "System User")
	return contact.name.isin(of_company) | (
		contact.name.notin(linked)
		& Criterion.any([contact.user.isnull(), contact.user == "", contact.user.notin(staff)])
	)


def is_staff(user: str | None) -> bool:
	return bool(user) and frappe.db.get_value("User", user, "user_type") == "System User"


def is_helpdesk_contact(link_doctypes: list[str], user: str | None) -> bool:
	if COMPANY_DOCTYPE in link_doctypes:
		return True
	return not link_doctypes and not is_staff(user)


def covers(doc) -> bool:
	links = [row.get("link_doctype") for row in doc.get("links") or [] if row.get("link_name")]
	return is_helpdesk_contact(links, doc.get("user"))


def covers_stored(name: str) -> bool | None:
	user = frappe.db.get_value("Contact", name, ["name", "user"], as_dict=True)
	if user is None:
		return None
	links = frappe.get_all(
		"Dynamic Link", filters={"parenttype": "Contact", "parent": name}, pluck="link_doctype"
	)
	return is_helpdesk_contact(links, user.user)


def query_conditions(user=None, doctype=None) -> str:
	if not narrowed("Contact", "read", user):
		return ""
	condition = helpdesk_contact_condition(frappe.qb.DocType("Contact"))
	return condition.get_sql(quote_char="`", with_namespace=True)


def has_permission(doc, ptype=None, user=None):
	"""Denies (False) or leaves the decision to Frappe (None). A new contact is judged when it is saved."""
	ptype = ptype or "read"
	if ptype == "create" or not narrowed("Contact", ptype, user):
		return None
	stored = covers_stored(doc.name) if may_be_stored(doc) else None
	return None if (covers(doc) if stored is None else stored) else False


def keep_to_the_helpdesk(doc, method=None):
	"""before_validate: a contact an operator saves stays one of the helpdesk's. Code that writes one while
	they are signed in (ignore_permissions: Frappe's mail makes a contact of every new address) is not held."""
	if doc.flags.ignore_permissions:
		return
	if narrowed("Contact", "create" if doc.flags.in_insert else "write") and not covers(doc):
		frappe.throw(
			_(
				"A contact of the helpdesk belongs to a client company: link it to one under Links (Link "
				"Document Type: Client Company), or leave Links empty while the company is not known. Staff's "
				"contacts and contacts of other records are kept by a System Manager."
			),
			frappe.PermissionError,
			title=_("Not permitted"),
		)


def contact_search_condition(user: str | None = None) -> Criterion | None:
	"""What the Contact link search and the caller search may return to this user: None for every contact,
	the helpdesk's contacts for staff who register or work incidents; a client's session gets nothing."""
	user = user or frappe.session.user
	if not narrowed("Contact", "read", user) and has_full_contact_access(user):
		return None
	if frappe.has_permission("Incident", "create", user=user) or frappe.has_permission(
		"Incident", "write", user=user
	):
		return helpdesk_contact_condition(frappe.qb.DocType("Contact"))
	frappe.throw(_("Not permitted"), frappe.PermissionError)


def has_full_contact_access(user: str) -> bool:
	"""Read on Contact through a role, not only on contacts of one's own ("if owner", Frappe's All role)."""
	if user == "Administrator":
		return True
	roles = set(frappe.get_roles(user))
	return any(
		perm.role in roles and perm.read and not perm.if_owner and not perm.permlevel
		for perm in frappe.get_meta("Contact").permissions
	)
