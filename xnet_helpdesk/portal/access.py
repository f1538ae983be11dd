"""Who may see or act on an incident from the portal: a logged-in client, or the holder of a signed link.

Every page and action goes through `resolve_access`; it answers with the incident's name or raises one
PermissionError whose message never tells an outsider whether the incident exists.
"""

import time
from dataclasses import dataclass

import frappe
from frappe import _
from frappe.utils import cint, get_url
from frappe.utils.password import get_encryption_key

from xnet_helpdesk.consts import CLIENT
from xnet_helpdesk.permissions.scope import visibility_scope
from xnet_helpdesk.portal import signing

CLIENT_ROLE = CLIENT
DEFAULT_LINK_DAYS = 30


@dataclass(frozen=True)
class Access:
	incident: str
	via: str  # "login" or "token"
	status: str
	token: str | None = None


def no_access():
	frappe.throw(_("This link is not valid or has expired."), frappe.PermissionError, title=_("No access"))


def signing_key() -> bytes:
	# a dedicated secret may be set in site_config; otherwise the site's own encryption key is the root
	return signing.derive_key(frappe.conf.get("xnet_portal_secret") or get_encryption_key())


def contact_identity(incident: dict) -> str | None:
	"""What a link is bound to: the incident's Contact, or for an unknown caller the address it gave."""
	return incident.get("contact") or incident.get("contact_email") or incident.get("contact_phone")


def make_token(incident: str, now: float | None = None) -> str:
	values = frappe.db.get_value(
		"Incident", incident, ["contact", "contact_email", "contact_phone"], as_dict=True
	)
	if not values or not contact_identity(values):
		raise frappe.DoesNotExistError(incident)
	days = (
		cint(frappe.db.get_single_value("Helpdesk Settings", "portal_link_expiry_days")) or DEFAULT_LINK_DAYS
	)
	now = time.time() if now is None else now
	return signing.sign(signing_key(), incident, contact_identity(values), signing.expiry(now, days))


def portal_link(incident: str, stars: int | None = None) -> str:
	"""The signed link for client e-mails; with `stars` it opens the rating form with that star chosen."""
	url = get_url(f"/support/incident?t={make_token(incident)}")
	if stars and 1 <= cint(stars) <= 5:
		url += f"&stars={cint(stars)}#rate"
	return url


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
