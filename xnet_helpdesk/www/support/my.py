"""My incidents: a logged-in client's incidents (a company representative's: the company's)."""

import frappe
from frappe import _

from xnet_helpdesk.permissions.scope import visibility_scope
from xnet_helpdesk.portal import queries
from xnet_helpdesk.portal.access import CLIENT_ROLE
from xnet_helpdesk.portal.pages import apply_language, frame, params

no_cache = 1
sitemap = 0
ALLOWED = {"status": 40, "q": 40, "page": 4}


def get_context(context):
	if frappe.session.user == "Guest":
		frappe.local.flags.redirect_location = "/login?redirect-to=/support/my"
		raise frappe.Redirect
	apply_language()
	frame(context, _("My incidents"))
	filters = params(ALLOWED)
	context.filters = filters
	if CLIENT_ROLE not in frappe.get_roles():
		context.incidents = []
		context.http_status_code = 403
		return context
	context.representative = bool(visibility_scope().client_companies)
	# frappe.get_list applies the Incident permission scope: a client's own, a representative's company's
	context.incidents = queries.my_incidents(
		filters["status"], filters["q"], frappe.utils.cint(filters["page"])
	)
	return context
