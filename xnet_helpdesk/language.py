"""Which language a text is written in when no request says: background jobs run in English by default
(Frappe sets `frappe.local.lang` from the request, and a job has none). A text for one person is written in
theirs (a client: the contact's preferred language; staff: the user's language); a text many read (the
incident's timeline) in the site's language (System Settings)."""

from contextlib import contextmanager

import frappe


def site_language() -> str:
	return frappe.db.get_single_value("System Settings", "language") or "en"


def user_language(user: str | None) -> str:
	language = user and frappe.db.get_value("User", user, "language")
	return language or site_language()


def address_language(address: str | None) -> str:
	"""The language of whoever has this e-mail address: a user (staff), else a contact (a client)."""
	if not address:
		return site_language()
	user = frappe.db.get_value("User", {"email": address}, ["name", "language"], as_dict=True)
	if user:
		return user.language or site_language()
	contact = frappe.db.get_value("Contact", {"email_id": address}, "preferred_language")
	return contact or site_language()


@contextmanager
def speaking(language: str | None):
	"""Render everything inside in `language` (translations, Jinja templates), then restore. Frappe's
	print_language does the same without restoring when the block raises."""
	if not language or language == frappe.local.lang:
		yield
		return
	# a Jinja environment per language (its globals hold the language), kept for the rest of the job or
	# request: a new one per switch would also start with an empty template cache
	environments = getattr(frappe.local, "xnet_jenvs", None)
	if environments is None:
		environments = frappe.local.xnet_jenvs = {}
	previous_lang, previous_jenv = frappe.local.lang, frappe.local.jenv
	if previous_jenv is not None:
		environments.setdefault(previous_lang, previous_jenv)
	frappe.local.lang, frappe.local.jenv = language, environments.get(language)
	try:
		yield
	finally:
		if frappe.local.jenv is not None:
			environments[language] = frappe.local.jenv
		frappe.local.lang, frappe.local.jenv = previous_lang, previous_jenv
