"""Frappe's Notification, written in its recipients' language for the helpdesk's documents.

Frappe renders a Notification in `frappe.local.lang`: the language of whoever's request triggered it, and
English in a background job (where the incidents' e-mails, ratings and alerts are sent). For the app's
doctypes the subject, the body, Frappe's e-mail footer and the bell entry are rendered in the language of
the recipients: a user's own language for staff, the contact's preferred language for a client (for an
incident's contact_email, the language its templates are chosen in). Recipients of several languages share
the site's language. Other apps' notifications are Frappe's, untouched.
"""

import frappe
from frappe.email.doctype.notification.notification import Notification

from xnet_helpdesk.language import address_language, site_language, speaking
from xnet_helpdesk.outgoing.mail_templates import language_of

MODULE = "XNet Helpdesk"


def recipient_languages(notification, doc) -> set[str]:
	"""The languages of the addresses Frappe will send to (its own recipient list: conditions, roles, cc)."""
	context = {"doc": doc, "alert": notification, "comments": None}
	recipients, cc, bcc = notification.get_list_of_recipients(doc, context)
	client = (doc.get("contact_email") or "").lower()
	languages = set()
	for address in {*recipients, *cc, *bcc}:
		if client and address.lower() == client:
			# the incident's client: the language its e-mail templates are chosen in
			languages.add(language_of(doc))
		else:
			languages.add(address_language(address))
	return languages


def language_for(notification, doc) -> str:
	languages = recipient_languages(notification, doc)
	return languages.pop() if len(languages) == 1 else site_language()


class XnetNotification(Notification):
	def get_list_of_recipients(self, doc, context):
		"""An incident registered from a machine's mail (No Reply Possible) e-mails no client: the mail
		would bounce or loop. Staff recipients are unchanged."""
		recipients, cc, bcc = super().get_list_of_recipients(doc, context)
		client = (doc.get("contact_email") or "").lower()
		if client and doc.get("no_reply_possible"):
			recipients, cc, bcc = (
				[a for a in group if a.lower() != client] for group in (recipients, cc, bcc)
			)
		return recipients, cc, bcc

	def send(self, doc):
		if frappe.get_meta(doc.doctype).module != MODULE:
			return super().send(doc)
		with speaking(language_for(self, doc)):
			return super().send(doc)
