"""The portal's POST endpoints. Each accepts only its named parameters; Frappe checks CSRF for
logged-in sessions, a signed token stands in for the login otherwise."""

import html

import frappe
from frappe import _
from frappe.rate_limiter import rate_limit
from frappe.utils import cint

from xnet_helpdesk.portal import actions, queries, registration, rules
from xnet_helpdesk.portal.access import resolve_access

LOOKUP_WINDOW = 10 * 60


def _per_ip_limit():
	return cint(frappe.conf.get("xnet_portal_lookups_per_ip")) or 30


def _per_incident_limit():
	return cint(frappe.conf.get("xnet_portal_lookups_per_incident")) or 10


def _messages_limit():
	return cint(frappe.conf.get("xnet_portal_messages_per_ip")) or 20


def _text(value) -> str:
	"""A parameter as the text a form sends. Frappe refuses a value of another type than the annotation says
	(417, naming the argument) before the method runs; a number (`stars`) is its digits, null no text."""
	if isinstance(value, str):
		return value
	if isinstance(value, int | float) and not isinstance(value, bool):
		return str(value)
	return ""


@frappe.whitelist(allow_guest=True, methods=["POST"])
def lookup(number: str | None = None, contact: str | None = None):
	"""Status of an incident for anyone who knows its number and the e-mail or phone it was registered with."""
	number, contact = _text(number), _text(contact)
	# the per-number limit counts every spelling of a number as one ("inc-2026-1 " = "INC-2026-1")
	frappe.form_dict["lookup_key"] = rules.clean_incident_number(number) or "-"
	return _limited_lookup(number, contact)


@rate_limit(limit=_per_ip_limit, seconds=LOOKUP_WINDOW, methods=["POST"])
@rate_limit(
	key="lookup_key", limit=_per_incident_limit, seconds=LOOKUP_WINDOW, methods=["POST"], ip_based=False
)
def _limited_lookup(number, contact):
	found = queries.lookup(number, contact)
	if not found:
		return {
			"found": False,
			"message": _("We found no incident with this number and e-mail or phone. Please check both."),
		}
	found["found"] = True
	found["steps"] = [
		{"label": row["label"], "on": frappe.utils.format_datetime(row["on"], "dd.MM.yyyy HH:mm")}
		for row in found["steps"]
	]
	if found["planned_resolution_time"]:
		found["planned_resolution_time"] = frappe.utils.format_datetime(
			found["planned_resolution_time"], "dd.MM.yyyy HH:mm"
		)
	return found


@frappe.whitelist(allow_guest=True, methods=["POST"])
@rate_limit(limit=_messages_limit, seconds=LOOKUP_WINDOW, methods=["POST"])
def write(incident: str | None = None, text: str | None = None, token: str | None = None):
	"""The client's message to the engineer (a signed link or a login, like the other actions)."""
	access = resolve_access(_text(incident), _text(token))
	return {"status": actions.write(access, _text(text))}


@frappe.whitelist(allow_guest=True, methods=["POST"])
def reopen(incident: str | None = None, reason: str | None = None, token: str | None = None):
	access = resolve_access(_text(incident), _text(token))
	return {"status": actions.reopen(access, _text(reason))}


@frappe.whitelist(allow_guest=True, methods=["POST"])
def confirm(incident: str | None = None, token: str | None = None):
	access = resolve_access(_text(incident), _text(token))
	return {"status": actions.confirm(access)}


@frappe.whitelist(allow_guest=True, methods=["POST"])
def rate(
	incident: str | None = None,
	stars: int | str | None = None,
	comment: str | None = None,
	token: str | None = None,
	source: str | None = None,
):
	access = resolve_access(_text(incident), _text(token))
	return actions.rate(access, _text(stars), _text(comment), "email" if source == "email" else None)


@frappe.whitelist(methods=["POST"])
def register(
	subject: str | None = None,
	description: str | None = None,
	category: str | None = None,
	phone: str | None = None,
	global_problem: str | None = None,
	submission: str | None = None,
):
	"""A logged-in client registers a new incident; the answer is its number.

	Only these parameters and the uploaded files are read; who the client is comes from the session's
	Contact, so a contact or company sent along is ignored.
	"""
	values = registration.allowed_values(
		subject=subject,
		description=description,
		category=category,
		phone=phone,
		global_problem=global_problem,
		submission=submission,
	)
	try:
		name = registration.register(values)
	except registration.NotAClient as refused:
		frappe.throw(str(refused), frappe.PermissionError, title=_("No access"))
	except registration.FormErrors as wrong:
		# messages quote what the client typed (file names): escaped, since the message is HTML
		frappe.throw(
			"<br>".join(html.escape(error) for error in wrong.errors),
			frappe.ValidationError,
			title=_("Please check the form"),
		)
	return {"name": name, "url": f"/support/incident?name={name}"}
