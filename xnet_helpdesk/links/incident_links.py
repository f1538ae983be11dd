"""A client's signed link to their incident (links/signing.py does the cryptography, without Frappe): made
for the client's e-mails (a Jinja method of the templates) and checked by the portal (portal/access.py)."""

import time

import frappe
from frappe.utils import cint, get_url
from frappe.utils.password import get_encryption_key

from xnet_helpdesk.links import signing

DEFAULT_LINK_DAYS = 30


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
	if not values:
		raise frappe.DoesNotExistError(incident)
	return _sign(incident, values, now)


def token_for(doc, now: float | None = None) -> str:
	"""make_token for an incident at hand (the one an e-mail is being built for), without reading it again."""
	return _sign(doc.name, doc, now)


def _sign(incident: str, values, now: float | None) -> str:
	if not contact_identity(values):
		raise frappe.DoesNotExistError(incident)
	days = (
		cint(frappe.db.get_single_value("Helpdesk Settings", "portal_link_expiry_days")) or DEFAULT_LINK_DAYS
	)
	now = time.time() if now is None else now
	return signing.sign(signing_key(), incident, contact_identity(values), signing.expiry(now, days))


def portal_link(incident: str, stars: int | None = None, token: str | None = None) -> str:
	"""The signed link for client e-mails; with `stars` it opens the rating form with that star chosen.
	`token`: one made already for this incident (an e-mail's several links share it)."""
	url = get_url(f"/support/incident?t={token or make_token(incident)}")
	if stars and 1 <= cint(stars) <= 5:
		url += f"&stars={cint(stars)}#rate"
	return url
