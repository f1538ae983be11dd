"""Patches that change shipped records on existing sites: they change what the app shipped, never what an
admin edited."""

import frappe

from xnet_helpdesk.outgoing.template_texts import TEMPLATES
from xnet_helpdesk.patches import awaiting_client_mail_says_what_is_needed as awaiting


def test_awaiting_client_templates_gain_the_question_unless_an_admin_edited_them(site):
	edited = "<p>Наш собственный текст, {{ doc.name }}</p>"
	for language, old_body in awaiting.SHIPPED_BEFORE.items():
		frappe.db.set_value("Email Template", f"{awaiting.EVENT} ({language})", "response_html", old_body)
	frappe.db.set_value("Email Template", f"{awaiting.EVENT} (kk)", "response_html", edited)

	awaiting.execute()

	stored = {
		language: frappe.db.get_value("Email Template", f"{awaiting.EVENT} ({language})", "response_html")
		for language in awaiting.SHIPPED_BEFORE
	}
	assert stored["ru"] == TEMPLATES[(awaiting.EVENT, "ru")][1] and "client_info_request" in stored["ru"]
	assert stored["en"] == TEMPLATES[(awaiting.EVENT, "en")][1]
	assert stored["kk"] == edited
	awaiting.execute()  # a second run changes nothing
	assert frappe.db.get_value("Email Template", f"{awaiting.EVENT} (kk)", "response_html") == edited


def test_templates_quote_an_excerpt_of_the_description_and_keep_an_admins_edits(site):
	from xnet_helpdesk.outgoing.template_texts import _DESCRIPTION, OLD_DESCRIPTION
	from xnet_helpdesk.patches import mail_quotes_an_excerpt_of_the_description as patch

	registered, assigned = "Incident Registered", "Incident Assigned to Engineer"
	shipped = TEMPLATES[(registered, "ru")][1]
	before = shipped.replace(_DESCRIPTION["ru"], OLD_DESCRIPTION)
	# an admin added a line of their own to the kk template; the en one no longer quotes the description
	edited_kk = "<p>Свой текст</p>" + TEMPLATES[(registered, "kk")][1].replace(
		_DESCRIPTION["kk"], OLD_DESCRIPTION
	)
	own_en = "<p>{{ doc.name }}</p>"
	frappe.db.set_value("Email Template", f"{registered} (ru)", "response_html", before)
	frappe.db.set_value("Email Template", f"{registered} (kk)", "response_html", edited_kk)
	frappe.db.set_value("Email Template", f"{registered} (en)", "response_html", own_en)
	frappe.db.set_value(
		"Email Template",
		f"{assigned} (ru)",
		"response_html",
		TEMPLATES[(assigned, "ru")][1].replace(_DESCRIPTION["ru"], OLD_DESCRIPTION),
	)

	patch.execute()

	def stored(event, language):
		return frappe.db.get_value("Email Template", f"{event} ({language})", "response_html")

	assert stored(registered, "ru") == shipped
	assert stored(registered, "kk").startswith("<p>Свой текст</p>") and _DESCRIPTION["kk"] in stored(
		registered, "kk"
	)
	assert stored(registered, "en") == own_en
	assert stored(assigned, "ru") == TEMPLATES[(assigned, "ru")][1]
	patch.execute()
	assert stored(registered, "ru") == shipped
