"""What every portal page shares: the allow-listed request parameters, the language and the page frame."""

import frappe
import frappe.sessions
from frappe import _

from xnet_helpdesk.incident_flow import lifecycle

LANGUAGES = (("ru", "Русский"), ("kk", "Қазақша"), ("en", "English"))
LANGUAGE_CODES = {code for code, _name in LANGUAGES}


def params(allowed: dict) -> dict:
	"""Only the named request parameters, each cut to its maximum length; everything else is ignored."""
	values = {}
	for name, max_length in allowed.items():
		value = frappe.form_dict.get(name)
		values[name] = str(value).strip()[:max_length] if isinstance(value, str | int) else ""
	return values


def apply_language():
	"""Guests get Frappe's choice (?_lang, then the preferred_language cookie); a logged-in client's
	switcher choice (the same cookie) wins over their profile language on the portal."""
	if frappe.session.user == "Guest" or frappe.form_dict.get("_lang"):
		return
	chosen = frappe.request and frappe.request.cookies.get("preferred_language")
	if chosen in LANGUAGE_CODES:
		frappe.local.lang = chosen


def frame(context, title: str):
	"""Fill what templates/portal/base.html needs."""
	context.title = title
	if frappe.session.user != "Guest":
		# Frappe checks CSRF only once the session holds a token; website users never open /app, where
		# Frappe would create it, so the portal creates it (and Frappe stores the session) here
		# (the token is also the hidden field of forms that post without JavaScript)
		context.csrf_token = frappe.sessions.get_csrf_token()
	context.lang = frappe.local.lang or "ru"
	context.languages = LANGUAGES

	context.statuses = [(status, _(status)) for status in lifecycle.STATUSES]
	return context
