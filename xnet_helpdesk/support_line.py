"""How clients reach support, as the company set it: each service center's phone (Service Center → Phone) and
the support e-mail (Helpdesk Settings → Support E-mail; else the incoming support mailbox's address). Shown
in the portal's footer and in the client's e-mails, always formatted by contact_details.format_phone.
Cached until a center or the settings change (hooks.py)."""

import frappe

from xnet_helpdesk.incident_flow.contact_details import format_phone

CACHE_KEY = "xnet_support_line"


def support_line() -> dict:
	"""{"phones": [(center, formatted phone), ...] in center order, "email": address or ""}."""
	return frappe.cache.get_value(CACHE_KEY, generator=_load)


def support_phones() -> str:
	"""For a sentence: "+7 7212 50 52 52 (Караганда), +7 727 225 52 52 (Алматы)"."""
	return ", ".join(f"{phone} ({center})" for center, phone in support_line()["phones"])


def support_line_text() -> str:
	"""For a footer: the phones, then the e-mail address (a Jinja method of the portal's pages)."""
	line = support_line()
	return ", ".join(filter(None, [support_phones(), line["email"]]))


def clear_cache(doc=None, method=None):
	"""doc_events: a Service Center or the Helpdesk Settings changed. The lookup page, which Frappe keeps
	rendered for guests, shows the line in its footer: it is rendered again."""
	from frappe.website.utils import delete_page_cache

	frappe.cache.delete_value(CACHE_KEY)
	delete_page_cache("support")


def _load() -> dict:
	centers = frappe.get_all(
		"Service Center",
		filters={"phone": ["is", "set"]},
		fields=["name", "phone"],
		order_by="creation asc",
	)
	email = frappe.db.get_single_value("Helpdesk Settings", "support_email") or frappe.db.get_value(
		"Email Account", {"default_incoming": 1, "enable_incoming": 1}, "email_id"
	)
	return {"phones": [(row.name, format_phone(row.phone)) for row in centers], "email": email or ""}
