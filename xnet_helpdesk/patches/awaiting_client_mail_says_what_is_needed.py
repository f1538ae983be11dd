"""Sites installed before 2026-11-29: the "Awaiting Client" e-mail now quotes what the engineer needs
(Incident.client_info_request). Each language's Email Template is replaced only while it is still the text
the app shipped; one an admin has edited is left alone (they add {{ doc.client_info_request }} themselves)."""

import frappe

from xnet_helpdesk.outgoing.template_texts import _LINK, TEMPLATES

EVENT = "Incident Awaiting Client"
SHIPPED_BEFORE = {
	"ru": "<p>Чтобы продолжить работу над обращением «{{ doc.subject }}», инженеру "
	"{{ doc.engineer_name or '' }} нужна информация от вас. Ответьте на это письмо — работа продолжится "
	"автоматически.</p>" + _LINK["ru"],
	"kk": "<p>«{{ doc.subject }}» өтініші бойынша жұмысты жалғастыру үшін {{ doc.engineer_name or '' }} "
	"инженеріне сізден ақпарат қажет. Осы хатқа жауап беріңіз — жұмыс автоматты түрде жалғасады.</p>"
	+ _LINK["kk"],
	"en": "<p>To continue with “{{ doc.subject }}”, engineer {{ doc.engineer_name or '' }} needs information from "
	"you. Reply to this e-mail and the work resumes automatically.</p>" + _LINK["en"],
}


def execute():
	for language, old_body in SHIPPED_BEFORE.items():
		name = f"{EVENT} ({language})"
		stored = frappe.db.get_value("Email Template", name, "response_html")
		if stored is None or stored.strip() != old_body.strip():
			continue
		_subject, body = TEMPLATES[(EVENT, language)]
		frappe.db.set_value("Email Template", name, "response_html", body)
		frappe.clear_document_cache("Email Template", name)
