"""Who may see or act on an incident from the portal: a logged-in client, or the holder of a signed link.

Every page and action goes through `resolve_access`; it answers with the incident's name or raises one
PermissionError whose message never tells an outsider whether the incident exists.
"""

import time
from dataclasses import dataclass

import frappe
from frappe import _

from xnet_helpdesk.consts import CLIENT
from xnet_helpdesk.links import signing
from xnet_helpdesk.links.incident_links import contact_identity, signing_key
from xnet_helpdesk.permissions.scope import visibility_scope

CLIENT_ROLE = CLIENT


@dataclass(frozen=True)
class Access:
	incident: str
	via: str  # "login" or "token"
	status: str
	token: str | None = None


def no_access():
	frappe.throw(_("This link is not valid or has expired."), frappe.PermissionError, title=_("No access"))


def client_sees(incident: dict, user: str | None = None) -> bool:
	"""Only the client side of the scope counts here: the portal is for clients, not for staff."""
	user = user or frappe.session.user
	if user == "Guest" or CLIENT_ROLE not in frappe.get_roles(user):
		return False
	scope = visibility_scope(user)
	return (
		incident.get("contact") in scope.contacts or incident.get("client_company") in scope.client_companies
	)


def _incident_row(name: str):
	# a fixed, parameterised query: this runs on every portal action, and frappe.db.get_value's field
	# parsing costs more than the query itself
	rows = frappe.db.sql(
		"""select name, status, contact, contact_email, contact_phone, client_company
		from `tabIncident` where name = %s""",
		(name,),
		as_dict=True,
	)
	return rows[0] if rows else None


def resolve_access(incident: str | None = None, token: str | None = None) -> Access:
	"""A token decides alone when one is given; otherwise the logged-in client's own scope decides."""
	if token:
		try:
			claims = signing.verify(signing_key(), str(token), time.time())
		except signing.InvalidToken:
			no_access()
		if incident and incident != claims.incident:
			no_access()
		values = _incident_row(claims.incident)
		# the link dies when the incident is moved to another contact
		if not values or contact_identity(values) != claims.contact:
			no_access()
		return Access(incident=values.name, via="token", status=values.status, token=str(token))
	if not incident or not isinstance(incident, str):
		no_access()
	values = _incident_row(incident)
	if not values or not client_sees(values):
		no_access()
	return Access(incident=values.name, via="login", status=values.status)
