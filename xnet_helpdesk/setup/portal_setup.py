"""Records the client portal needs on a site. Idempotent: creates what is missing, never overwrites."""

import frappe

from xnet_helpdesk.consts import CLIENT

CLIENT_HOME = "support/my"


def ensure_portal_setup():
	# a client who logs in lands on their incidents instead of Frappe's generic /me page
	if frappe.db.exists("Role", CLIENT) and not frappe.db.get_value("Role", CLIENT, "home_page"):
		frappe.db.set_value("Role", CLIENT, "home_page", CLIENT_HOME)
