"""Sites installed before 2026-12-01: the client's and the engineer's e-mails quoted the whole description
(a 1 MB text went whole into the mail). Each shipped Email Template now quotes a plain-text excerpt with a
link to the whole text. Only the description's placeholder is replaced, so an admin's other edits stay;
a template where an admin changed that placeholder is left alone."""

import frappe

from xnet_helpdesk.outgoing.template_texts import _DESCRIPTION, OLD_DESCRIPTION, TEMPLATES


def execute():
	for event, language in TEMPLATES:
		name = f"{event} ({language})"
		stored = frappe.db.get_value("Email Template", name, "response_html")
		if not stored or OLD_DESCRIPTION not in stored:
			continue
		frappe.db.set_value(
			"Email Template", name, "response_html", stored.replace(OLD_DESCRIPTION, _DESCRIPTION[language])
		)
		frappe.clear_document_cache("Email Template", name)
