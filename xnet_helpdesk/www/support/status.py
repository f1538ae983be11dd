"""The public outage board: the active global problems an admin marked public, per service center, with the
planned time and the latest update. The same page for everyone (cached per language, like the lookup page),
cleared whenever a problem or an update changes; no client and no incident is named on it."""

from frappe import _

from xnet_helpdesk.outages.board import board
from xnet_helpdesk.portal.pages import frame

no_cache = 0
sitemap = 0


def get_context(context):
	frame(context, _("Outages"))
	context.centers = board()
	return context
