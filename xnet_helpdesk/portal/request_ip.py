"""before_request hook: frappe.local.request_ip, which Frappe's rate limiter (the portal's per-IP limits)
and its login-attempt tracker key on, becomes the socket peer, or the client a trusted proxy names
(`xnet_trusted_proxies` in site config; see client_address.py)."""

import frappe

from xnet_helpdesk.portal.client_address import client_address, parse_proxies

CONFIG_KEY = "xnet_trusted_proxies"


def set_request_ip():
	request = frappe.request
	if not request:
		return
	proxies, wrong = parse_proxies(frappe.conf.get(CONFIG_KEY))
	if wrong:
		frappe.logger("xnet_helpdesk").warning(f"{CONFIG_KEY}: not an address or network: {wrong}")
	forwarded_for = ",".join(request.headers.getlist("X-Forwarded-For"))
	frappe.local.request_ip = client_address(request.remote_addr, forwarded_for, proxies)
