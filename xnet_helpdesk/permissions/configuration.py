"""What the Helpdesk Manager configures among Frappe's own doctypes: the helpdesk's records of them only.

The role holds rights on these doctypes through Custom DocPerm (setup/permissions_setup.py). Frappe's rights
are per doctype; these rules narrow them to the helpdesk's records, for lists (permission_query_conditions)
and single records (has_permission) alike, whenever the right comes from the helpdesk's roles alone (see
narrowing.py: a System Manager keeps everything):

- Workflow, Notification, Assignment Rule: those whose document type is one of the app's doctypes
  (Incident, Engineer Rating, Global Problem, …);
- Email Account: the support mailboxes, i.e. accounts whose mail becomes incidents (the account's Append To,
  or an IMAP folder's); other accounts, and their passwords, stay out of reach;
- Email Template: every Desk user reads them (Frappe's rule); changed, made or deleted are the incident
  e-mails' templates, which are named "Incident … (language)" (outgoing/mail_templates.py);
- Property Setter: read only, those that let a doctype receive e-mail (the Email Account form's Append To
  list reads them).

A stored record is judged by what is stored, so nobody moves another app's record into the helpdesk by
changing its document type (as a REST PUT could); what is saved is judged in before_validate, with a message
that says what is allowed (a new record, or a helpdesk record being changed into another's).
"""

import frappe
from frappe import _
from pypika.terms import Criterion

from xnet_helpdesk.permissions.narrowing import READ_LIKE, may_be_stored, narrowed

MODULE = "XNet Helpdesk"
SUPPORT_DOCTYPE = "Incident"
TEMPLATE_PREFIX = "Incident "


def helpdesk_doctypes() -> list[str]:
	return frappe.get_all(
		"DocType", filters={"module": MODULE, "istable": 0, "issingle": 0}, pluck="name", order_by="name"
	)


class Rule:
	narrows_reads = True

	def condition(self, table) -> Criterion:
		raise NotImplementedError

	def covers(self, doc) -> bool:
		"""The record as it is about to be saved."""
		raise NotImplementedError

	def covers_stored(self, doctype: str, name: str) -> bool | None:
		"""The record as stored; None when it is not."""
		raise NotImplementedError

	def refusal(self) -> str:
		raise NotImplementedError


class OfHelpdeskDocuments(Rule):
	"""Workflow, Notification, Assignment Rule."""

	def condition(self, table):
		return table.document_type.isin(helpdesk_doctypes() or [""])

	def covers(self, doc):
		return doc.get("document_type") in helpdesk_doctypes()

	def covers_stored(self, doctype, name):
		stored = frappe.db.get_value(doctype, name, ["name", "document_type"], as_dict=True)
		return None if stored is None else stored.document_type in helpdesk_doctypes()

	def refusal(self):
		return _(
			"Choose one of the helpdesk's document types: {0}. Other document types are configured by a "
			"System Manager."
		).format(", ".join(_(doctype) for doctype in helpdesk_doctypes()))


class SupportMailbox(Rule):
	def condition(self, table):
		folder = frappe.qb.DocType("IMAP Folder")
		with_incident_folder = (
			frappe.qb.from_(folder)
			.select(folder.parent)
			.where(folder.parenttype == "Email Account")
			.where(folder.append_to == SUPPORT_DOCTYPE)
		)
		return (table.append_to == SUPPORT_DOCTYPE) | table.name.isin(with_incident_folder)

	def covers(self, doc):
		return doc.get("append_to") == SUPPORT_DOCTYPE or any(
			row.get("append_to") == SUPPORT_DOCTYPE for row in doc.get("imap_folder") or []
		)

	def covers_stored(self, doctype, name):
		append_to = frappe.db.get_value(doctype, name, ["name", "append_to"], as_dict=True)
		if append_to is None:
			return None
		return append_to.append_to == SUPPORT_DOCTYPE or bool(
			frappe.db.exists(
				"IMAP Folder", {"parent": name, "parenttype": doctype, "append_to": SUPPORT_DOCTYPE}
			)
		)

	def refusal(self):
		return _(
			"Only the support mailboxes are configured here: an account whose mail becomes incidents (Append "
			"To: Incident, or an IMAP folder's Append To). Other e-mail accounts are configured by a System "
			"Manager."
		)


class IncidentMailTemplate(Rule):
	narrows_reads = False

	def covers(self, doc):
		return (doc.name or "").startswith(TEMPLATE_PREFIX)

	def covers_stored(self, doctype, name):
		return name.startswith(TEMPLATE_PREFIX) if frappe.db.exists(doctype, name) else None

	def refusal(self):
		return _(
			"Only the templates of the incident e-mails are edited here: their names start with {0}. Other "
			"templates are edited by a System Manager."
		).format(frappe.bold(TEMPLATE_PREFIX.strip()))


class MailRouting(Rule):
	"""Property Setter: what the Email Account form's Append To list reads."""

	def condition(self, table):
		return table.property == "email_append_to"

	def covers(self, doc):
		return doc.get("property") == "email_append_to"

	def covers_stored(self, doctype, name):
		stored = frappe.db.get_value(doctype, name, ["name", "property"], as_dict=True)
		return None if stored is None else stored.property == "email_append_to"

	def refusal(self):
		return _("Not permitted")


RULES = {
	"Workflow": OfHelpdeskDocuments(),
	"Notification": OfHelpdeskDocuments(),
	"Assignment Rule": OfHelpdeskDocuments(),
	"Email Account": SupportMailbox(),
	"Email Template": IncidentMailTemplate(),
	"Property Setter": MailRouting(),
}


def query_conditions(user=None, doctype=None) -> str:
	rule = RULES.get(doctype)
	if not rule or not rule.narrows_reads or not narrowed(doctype, "read", user):
		return ""
	return rule.condition(frappe.qb.DocType(doctype)).get_sql(quote_char="`", with_namespace=True)


def has_permission(doc, ptype=None, user=None):
	"""Denies (False) or leaves the decision to Frappe's role permissions (None); never grants."""
	rule = RULES.get(doc.doctype)
	ptype = ptype or "read"
	# a new record is judged when it is saved (keep_to_the_helpdesk), where a message can say why
	if not rule or ptype == "create" or (ptype in READ_LIKE and not rule.narrows_reads):
		return None
	if not narrowed(doc.doctype, ptype, user):
		return None
	return None if record_is_covered(rule, doc) else False


def record_is_covered(rule: Rule, doc) -> bool:
	stored = rule.covers_stored(doc.doctype, doc.name) if may_be_stored(doc) else None
	return rule.covers(doc) if stored is None else stored


def keep_to_the_helpdesk(doc, method=None):
	"""before_validate: what a narrowed user saves stays one of the helpdesk's records. A side record that
	code writes while they are signed in (ignore_permissions) is the code's business, as for Frappe."""
	rule = RULES.get(doc.doctype)
	if not rule or doc.flags.ignore_permissions:
		return
	if narrowed(doc.doctype, "create" if doc.flags.in_insert else "write") and not rule.covers(doc):
		frappe.throw(rule.refusal(), frappe.PermissionError, title=_("Not permitted"))
