"""Client and engineer e-mails: *when* and *to whom* is a Notification, *what* is an Email Template per
language ("Incident Registered (ru)", "(kk)", "(en)"). Both are ordinary records that admins edit in the
Desk; they are created when missing and never overwritten.

The Notification's subject and body call the Jinja methods below, which pick the template in the
recipient's language and make sure the incident number is in the subject (replies thread on it).
"""

import frappe
from frappe import _
from frappe.utils import cint, escape_html

from xnet_helpdesk.intake.mail_rules import OWN_NOTIFICATION_HEADER, thread_subject
from xnet_helpdesk.intake.text import excerpt
from xnet_helpdesk.outgoing.render import render_template
from xnet_helpdesk.outgoing.template_texts import LANGUAGES, NOTIFICATIONS, TEMPLATES
from xnet_helpdesk.support_line import support_phones

DEFAULT_LANGUAGE = "ru"


def language_of(doc, recipient: str = "client") -> str:
	if recipient == "engineer":
		language = doc.get("engineer") and frappe.db.get_value("User", doc.engineer, "language")
	else:
		language = doc.get("client_language")
	return language if language in LANGUAGES else DEFAULT_LANGUAGE


def _template(event: str, language: str):
	for candidate in (language, DEFAULT_LANGUAGE, "en"):
		name = f"{event} ({candidate})"
		if frappe.db.exists("Email Template", name):
			return frappe.get_cached_doc("Email Template", name), candidate
	frappe.throw(_("Email Template {0} is missing").format(event))


def _context(doc, language: str, recipient: str = "client") -> dict:
	from xnet_helpdesk.links.incident_links import portal_link, token_for

	# one token for all of the e-mail's links (it does not depend on the stars chosen)
	token = token_for(doc) if doc.get("contact") or doc.get("contact_email") else None
	incident_link = portal_link(doc.name, token=token) if token else ""
	description, cut = excerpt(doc.get("description"))
	return {
		"doc": doc,
		"lang": language,
		"incident_link": incident_link,
		"description_excerpt": escape_html(description).replace("\n", "<br>"),
		"description_cut": cut,
		# where the whole text is: the client's portal page, the engineer's Desk form
		"more_link": frappe.utils.get_url_to_form(doc.doctype, doc.name)
		if recipient == "engineer"
		else incident_link,
		"rating_links": {stars: portal_link(doc.name, stars, token=token) for stars in range(1, 6)}
		if token and doc.get("status") in ("Resolved", "Closed")
		else {},
		"support_phones": support_phones(),
	}


def _rendered(doc, event: str, recipient: str) -> tuple[str, str]:
	"""Subject and body together: a Notification asks for both, so the template and links are built once."""
	cache = getattr(frappe.local, "xnet_rendered_mail", None)
	if cache is None:
		cache = frappe.local.xnet_rendered_mail = {}
	key = (doc.name, str(doc.get("modified")), event, recipient)
	if key not in cache:
		template, language = _template(event, language_of(doc, recipient))
		context = _context(doc, language, recipient)
		subject = render_template(template.subject, context)
		body = template.response_html if cint(template.use_html) else template.response
		cache[key] = (
			thread_subject(" ".join(subject.split()), doc.name),
			render_template(body, context),
		)
	return cache[key]


def xnet_mail_subject(doc, event: str, recipient: str = "client") -> str:
	return _rendered(doc, event, recipient)[0]


def xnet_mail_body(doc, event: str, recipient: str = "client") -> str:
	return _rendered(doc, event, recipient)[1]


def mark_outgoing(email):
	"""Every mail this site sends carries our header, so one that comes back never becomes an incident.
	(And the process that builds mail keeps Premailer's parsed CSS for its next messages.)"""
	from xnet_helpdesk.outgoing import premailer_rules

	email.set_header(OWN_NOTIFICATION_HEADER, frappe.local.site)
	premailer_rules.install()


def ensure_mail_records():
	for (event, language), (subject, body) in TEMPLATES.items():
		name = f"{event} ({language})"
		if not frappe.db.exists("Email Template", name):
			frappe.get_doc(
				{
					"doctype": "Email Template",
					"name": name,
					"subject": subject,
					"use_html": 1,
					"response_html": body,
				}
			).insert(ignore_permissions=True)
	for spec in NOTIFICATIONS:
		if frappe.db.exists("Notification", spec["name"]):
			continue
		recipient = spec.get("recipient", "client")
		notification = frappe.get_doc(
			{
				"doctype": "Notification",
				"name": spec["name"],
				"subject": f'{{{{ xnet_mail_subject(doc, "{spec["event"]}", "{recipient}") }}}}',
				"document_type": "Incident",
				"event": spec["trigger"],
				"value_changed": spec.get("value_changed"),
				"condition": spec.get("condition"),
				"channel": "Email",
				"enabled": 1,
				"is_standard": 0,
				"message_type": "HTML",
				"message": f'{{{{ xnet_mail_body(doc, "{spec["event"]}", "{recipient}") }}}}',
				"recipients": [{"receiver_by_document_field": spec["to_field"]}],
			}
		)
		# "name" is the subject for a new Notification (its autoname); keep the readable name
		notification.flags.name_set = True
		notification.insert(ignore_permissions=True, set_name=spec["name"])
