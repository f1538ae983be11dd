"""Incident status lookup: the same page for everyone (cached per language); the lookup itself is the
rate-limited POST xnet_helpdesk.portal.api.lookup."""

from frappe import _

from xnet_helpdesk.portal.pages import frame

no_cache = 0
sitemap = 0


def get_context(context):
	frame(context, _("Incident status"))
	context.texts = {
		"engineer": _("Engineer"),
		"planned": _("Planned resolution time"),
		"too_many": _("Too many lookups. Please wait a few minutes and try again."),
		"failed": _("Something went wrong. Please try again."),
	}
	return context
