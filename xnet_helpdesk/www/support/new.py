"""New incident: a logged-in client registers an incident.

With JavaScript the form is posted to xnet_helpdesk.portal.api.register; without it the browser posts the
same form here, and the page answers with the form and its errors, or redirects to the confirmation
(?registered=<number>). Both ways end in portal/registration.py.
"""

import frappe
from frappe import _
from frappe.utils import format_datetime

from xnet_helpdesk.portal import queries, registration, rules
from xnet_helpdesk.portal.access import resolve_access
from xnet_helpdesk.portal.pages import apply_language, frame, params

no_cache = 1
sitemap = 0
ALLOWED = {"registered": 40}
HERE = "/support/new"


def get_context(context):
	if frappe.session.user == "Guest":
		frappe.local.flags.redirect_location = f"/login?redirect-to={HERE}"
		raise frappe.Redirect(302)
	apply_language()
	posted = frappe.request and frappe.request.method == "POST"
	# a POST is handled before frame(): frame creates the session's CSRF token, the POST must have had one
	outcome = handle_post(context) if posted else None
	frame(context, _("New incident"))
	context.texts = texts()
	context.errors = context.get("errors") or []
	try:
		client = registration.portal_client()
	except registration.NotAClient as refused:
		frappe.local.message_log = []
		context.refusal = str(refused)
		context.http_status_code = 403
		return context
	if outcome:
		# Post/Redirect/Get: reloading the confirmation never posts the form again
		frappe.local.flags.redirect_location = f"{HERE}?registered={outcome}"
		raise frappe.Redirect(303)
	registered = rules.clean_incident_number(params(ALLOWED)["registered"])
	if registered and not posted:
		context.registered = confirmation(registered)
		if context.registered:
			return context
	fill_form(context, client, registration.request_values() if posted else None)
	return context


def texts() -> dict:
	return {
		"failed": _("Something went wrong. Please try again."),
		"too_many": _("Too many requests. Please wait a few minutes and try again."),
		"too_many_files": _("You can attach at most {0} files.").format(registration.max_files()),
		"too_large": _("The file {0} is larger than {1} MB."),
		"too_large_total": _("The files are too large together. Please attach fewer or smaller files."),
		"sending": _("Sending…"),
	}


def handle_post(context) -> str | None:
	"""Register the posted form; the number when stored, else None with context.errors set."""
	try:
		return registration.register()
	except registration.NotAClient:
		return None  # the page itself says why
	except registration.FormErrors as wrong:
		context.errors = wrong.errors
		context.http_status_code = 417
	except frappe.RateLimitExceededError:
		context.errors = [_("Too many requests. Please wait a few minutes and try again.")]
		context.http_status_code = 429
	except frappe.CSRFTokenError:
		context.errors = [_("Your session has expired. Please reload the page and try again.")]
		context.http_status_code = 400
	except frappe.ValidationError as refused:
		# the Incident's own rules refused it: nothing of it stays (files written to disk are removed
		# by Frappe's rollback hook)
		frappe.db.rollback()
		context.errors = [
			frappe.utils.strip_html(str(refused)) or _("Something went wrong. Please try again.")
		]
		context.http_status_code = 417
	except Exception:
		# Frappe commits a website POST whatever its page shows: nothing half-stored may stay
		frappe.db.rollback()
		raise
	frappe.local.message_log = []
	return None


def confirmation(number: str) -> dict | None:
	"""What the confirmation shows, for an incident this client may see (any other number: nothing)."""
	try:
		access = resolve_access(number)
	except frappe.PermissionError:
		frappe.local.message_log = []
		return None
	row = frappe.db.get_value(
		"Incident",
		access.incident,
		["name", "subject", "status", "contact_email", "global_problem", "planned_resolution_time"],
		as_dict=True,
	)
	return {
		"number": row.name,
		"subject": row.subject,
		"status_label": queries.status_label(row.status),
		"email": row.contact_email or "",
		"outage": frappe.db.get_value("Global Problem", row.global_problem, "title")
		if row.global_problem
		else "",
		"planned": format_datetime(row.planned_resolution_time, "dd.MM.yyyy HH:mm")
		if row.planned_resolution_time
		else "",
		"url": f"/support/incident?name={row.name}",
	}


def fill_form(context, client, posted: dict | None):
	"""The form, with what the client typed when it comes back with errors."""
	values = posted or {}
	context.values = {
		"subject": values.get("subject", ""),
		"description": values.get("description", ""),
		"category": values.get("category", ""),
		"phone": values.get("phone", client.phone) if posted else client.phone,
		"global_problem": values.get("global_problem", ""),
	}
	context.categories = [(name, _(name)) for name in registration.categories()]
	context.outages = [
		{
			"name": row.name,
			"title": row.title,
			"started": format_datetime(row.started_on, "dd.MM.yyyy HH:mm") if row.started_on else "",
			"planned": format_datetime(row.planned_resolution_time, "dd.MM.yyyy HH:mm")
			if row.planned_resolution_time
			else "",
		}
		for row in registration.outages(client)
	]
	context.limits = {
		"files": registration.max_files(),
		"bytes": registration.max_file_bytes(),
		# the form's text fields need some room too
		"total": registration.max_request_bytes() - 256 * 1024,
		"mb": registration.max_file_bytes() // (1024 * 1024),
		"accept": ",".join("." + ext for ext in registration.allowed_extensions()),
		"subject": registration.SUBJECT_MAX,
		"description": registration.DESCRIPTION_MAX,
	}
	context.client_name = client.full_name
	context.submission = frappe.generate_hash(length=24)
