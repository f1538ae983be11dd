"""The incident page, for a logged-in client (?name=) or the holder of a signed e-mail link (?t=)."""

import frappe
from frappe import _
from frappe.utils import cint

from xnet_helpdesk.portal import queries
from xnet_helpdesk.portal.access import resolve_access
from xnet_helpdesk.portal.pages import apply_language, frame, params

no_cache = 1
sitemap = 0
ALLOWED = {"name": 40, "t": 600, "stars": 1}


def get_context(context):
	apply_language()
	values = params(ALLOWED)
	frame(context, _("Incident"))
	context.texts = {
		"done": _("Thank you! Saved."),
		"failed": _("Something went wrong. Please try again."),
		"too_many": _("Too many requests. Please wait a few minutes and try again."),
	}
	if not values["name"] and not values["t"] and frappe.session.user == "Guest":
		frappe.local.flags.redirect_location = "/login?redirect-to=/support/my"
		raise frappe.Redirect
	try:
		access = resolve_access(values["name"] or None, values["t"] or None)
	except frappe.PermissionError:
		frappe.local.message_log = []
		context.denied = True
		context.http_status_code = 403
		return context
	context.incident = queries.incident_detail(access.incident)
	context.title = f"{access.incident} · {_('Incident')}"
	context.token = access.token
	stars = cint(values["stars"])
	context.chosen_stars = stars if 1 <= stars <= 5 else (context.incident["rating"] or {}).get("stars")
	context.source = "email" if 1 <= stars <= 5 and access.via == "token" else ""
	return context
