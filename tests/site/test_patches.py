"""Patches that change shipped records on existing sites: they change what the app shipped, never what an
admin edited."""

import frappe

from xnet_helpdesk.intake.template_texts import TEMPLATES
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
