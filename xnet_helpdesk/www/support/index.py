"""Incident status lookup: the same page for everyone (cached per language, cleared with the outage board,
whose outages it names first); the lookup itself is the rate-limited POST xnet_helpdesk.portal.api.lookup."""

from frappe import _

from xnet_helpdesk.outages.board import board
from xnet_helpdesk.portal.pages import frame

no_cache = 0
sitemap = 0


def get_context(context):
	frame(context, _("Incident status"))
	context.outages = board()  # the public board's outages, before the client calls about one of them
	context.texts = {
		"engineer": _("Engineer"),
		"planned": _("Planned resolution time"),
		"too_many": _("Too many lookups. Please wait a few minutes and try again."),
		"failed": _("Something went wrong. Please try again."),
	}
	return context
