"""Incoming support mail → incidents, through Frappe's own Email Account receive path.

Frappe fetches the mail and stores each message as a Communication; this module decides, per message,
whether it is a loop (never an incident), a reply to an incident (threaded, and it may reopen or resume
it) or a new incident (sender matched to a Contact, or a new Contact of the company owning the sender's
domain, or flagged for the operator).
"""

import json
import time

import frappe
from frappe import _
from frappe.core.doctype.communication.communication import (
	Communication,
	add_contact_links_to_communication,
	get_contacts,
	get_emails,
)
from frappe.email.receive import InboundMail, SentEmailInInboxError
from frappe.utils import add_days, cint, get_datetime, now_datetime, strip_html
from frappe.utils.html_utils import sanitize_html

from xnet_helpdesk.incident_flow import lifecycle
from xnet_helpdesk.incident_flow.transitions import move_to
from xnet_helpdesk.intake import mail_decode
from xnet_helpdesk.intake.mail_rules import email_domain, incident_numbers, loop_reason, references
from xnet_helpdesk.intake.text import text_to_html

MAX_REASON_LENGTH = 1000
DEADLOCK_RETRIES = 3


class LoopMail(SentEmailInInboxError):
	"""Frappe's receive loop rolls this back quietly: the message leaves no trace."""


class IncidentInboundMail(InboundMail):
	"""Frappe's InboundMail, reading the message as other mail systems really write it (mail_decode): the
	sender is the From address (Reply-To is where answers go), every text part and attached e-mail is
	kept, charsets that lie are read by what the bytes are, and a message without a Message-ID gets one
	from a digest of the message, so fetching it twice registers it once."""

	def __init__(self, content, email_account, uid=None, seen_status=None, append_to=None):
		super().__init__(content, email_account, uid, seen_status, append_to)
		if not self.message_id:
			self.message_id = mail_decode.digest_id(self.raw_message)

	def parse(self):
		self.mail = mail_decode.parse(self.raw_message)
		self.body = mail_decode.body_of(self.mail)
		self.text_content = self.body.text
		self.html_content = self.body.html
		self.attachments = [
			{key: attachment[key] for key in ("fname", "fcontent", "content_type")}
			for attachment in self.body.attachments
		]
		self.cid_map = {
			attachment["fname"]: attachment["cid"]
			for attachment in self.body.attachments
			if attachment["cid"]
		}

	def set_content_and_type(self):
		content, self.content_type = self.body.content
		if self.content_type == "text/plain":
			content = content.replace("\n", "\n\n")  # as Frappe shows a plain-text message
		self.content = content if content.strip() else "[Blank Email]"

	def set_subject(self):
		"""Every encoded word decoded by what its bytes are (Frappe keeps only the first chunk, so the usual
		"Re: =?utf-8?b?...?=" of a reply in Cyrillic would lose everything after "Re:", number included)."""
		subject = mail_decode.subject_of(self.mail)
		self.has_subject = bool(subject)
		self.subject = subject[:140] or "No Subject"

	def set_from(self):
		"""The client is the From address; Reply-To is only where answers go. A malformed From is kept as
		written for the operator (its address repaired when the mistake is obvious)."""
		self.sender = mail_decode.sender_of(self.mail)
		self.from_email = self.sender.address
		self.from_real_name = self.sender.name or self.sender.as_written or self.sender.address
		self.reply_to = mail_decode.reply_to_of(self.mail)

	def get_content(self):
		return self.content

	def as_dict(self):
		"""Frappe's, with To and Cc as text even when a mail system wrote them in raw 8-bit bytes."""
		data = super().as_dict()
		for key, header in (("recipients", "To"), ("cc", "CC")):
			value = self.mail.get(header)
			data[key] = value if value is None or isinstance(value, str) else mail_decode.header_text(value)
		return data

	def process(self):
		reason = loop_reason(self.mail, {self.email_account.email_id or ""})
		if reason:
			frappe.logger("xnet_helpdesk.intake").info(
				{"skipped": self.message_id, "from": self.from_email, "reason": reason}
			)
			raise LoopMail(reason)
		for attempt in range(DEADLOCK_RETRIES + 1):
			try:
				communication = super().process()
				if self.flags.is_new_communication and self.flags.get("replied_incident"):
					handle_client_reply(self.flags.replied_incident, communication)
				return communication
			except frappe.QueryDeadlockError:
				# another writer held the same rows (a user saving the incident, a second intake run): the
				# message is this transaction alone (Frappe commits after each), so it is rolled back and
				# taken again from the start
				if attempt == DEADLOCK_RETRIES:
					raise
				frappe.db.rollback()
				self.forget_lookups()
				time.sleep(0.05 * (attempt + 1))

	def forget_lookups(self):
		"""What an attempt looked up or created, rolled back with it."""
		self._parent_communication = None
		self._reference_document = None
		for flag in (
			"is_new_communication",
			"replied_incident",
			"previous_incident",
			"new_incident",
			"sender_contact",
		):
			self.flags.pop(flag, None)

	# ------------------------------------------------------------------ threading

	def parent_communication(self):
		"""In-Reply-To first (Frappe), then every id in References: mail clients differ in what they keep."""
		parent = super().parent_communication()
		if parent:
			return parent
		from frappe.core.doctype.communication.communication import Communication

		for message_id in reversed(self.references()):
			communication = Communication.find_one_by_filters(message_id=message_id)
			if communication:
				self._parent_communication = communication
				return communication
		return parent

	def references(self) -> list[str]:
		return references(self.mail)

	def reference_document(self):
		if self._reference_document is not None:
			return self._reference_document
		incident = super().reference_document()
		if not incident:
			# Frappe matches subjects only for the account-wide append_to, not per IMAP folder
			incident = self.match_record_by_subject_and_sender("Incident")
		if incident and incident.doctype == "Incident" and not sender_may_reply(incident, self.from_email):
			incident = ""
		if incident and incident.doctype == "Incident" and not accepts_replies(incident):
			# a finished incident is not reopened by mail: the new message starts a follow-up incident
			self.flags.previous_incident = incident.name
			incident = ""
		if incident and incident.doctype == "Incident":
			self.flags.replied_incident = incident
		self._reference_document = incident or ""
		return self._reference_document

	def match_record_by_subject_and_sender(self, doctype):
		"""Only the incident number threads by subject; a similar subject is a new problem, not a reply."""
		if doctype != "Incident":
			return super().match_record_by_subject_and_sender(doctype)
		for number in incident_numbers(self.subject):
			if frappe.db.exists("Incident", number):
				return frappe.get_doc("Incident", number)
		return None

	# ------------------------------------------------------------------ new incidents

	def _create_reference_document(self, doctype):
		if doctype != "Incident":
			return super()._create_reference_document(doctype)
		incident = frappe.new_doc("Incident")
		sender = self.sender
		no_reply = mail_decode.no_reply_reason(self.mail, sender.address)
		incident.update(
			{
				"channel": "E-mail",
				"subject": (self.subject if self.has_subject else _("(no subject)")).strip()[:240],
				"description": self.content
				if self.content_type == "text/html"
				else text_to_html(self.content),
				"contact_email": sender.address or None,
				"contact_name": self.from_real_name,
				"previous_incident": self.flags.get("previous_incident"),
				"answers_go_to": self.reply_to if self.reply_to != sender.address else None,
				"no_reply_possible": 1 if no_reply else 0,
				"sender_as_written": (sender.as_written or _("(no sender)"))[:240]
				if sender.malformed
				else None,
			}
		)
		contact = find_or_create_contact(sender.address, self.from_real_name) if sender.address else None
		if contact:
			incident.contact = contact.contact
		if contact and contact.company:
			incident.client_company = contact.company
		else:
			incident.needs_triage = 1
		if sender.malformed:
			incident.needs_triage = 1
			incident.flags.sender_unverified = True
		incident.insert(ignore_permissions=True)
		self.flags.new_incident = incident
		self.flags.sender_contact = contact
		return incident.name

	def _build_communication_doc(self):
		"""Frappe's, without the second full save of the new Communication when the mail has no attachments.

		Frappe inserts the Communication, reloads it, saves the attachments, points inline images at them
		and saves it again: with nothing attached that second save changes at most the sanitised body, yet
		re-runs every Communication hook (timeline links, contact lookups, the incident's update), about a
		third of the cost of each message. Mail with attachments goes through Frappe's code unchanged.
		"""
		if self.attachments:
			return super()._build_communication_doc()
		data = self.as_dict()
		data["doctype"] = "Communication"
		if self.parent_communication():
			data["in_reply_to"] = self.parent_communication().name
		append_to = self.append_to if self.email_account.use_imap else self.email_account.append_to
		reference = self.reference_document()
		if reference:
			data["reference_doctype"] = reference.doctype
			data["reference_name"] = reference.name
		elif append_to and append_to != "Communication":
			reference_name = self._create_reference_document(append_to)
			if reference_name:
				data["reference_doctype"] = append_to
				data["reference_name"] = reference_name
				reference = self.flags.get("new_incident")
		if reference:
			data["reference_owner"] = reference.owner
		if self.is_notification():
			data["unread_notification_sent"] = 1
		if self.seen_status:
			data["_seen"] = json.dumps(self.get_users_linked_to_account(self.email_account))
		# the body as Frappe's second save would leave it, written once
		data["content"] = sanitize_html(self.content)
		communication = IntakeCommunication(data)
		# the document is in hand: Frappe's hooks would load it once more (get_parent_doc)
		communication.parent_doc = reference or None
		communication.flags.in_receive = True
		communication.flags.opens_incident = bool(self.flags.get("new_incident"))
		communication.flags.sender_contact = self.flags.get("sender_contact")
		communication.flags.own_addresses = {self.email_account.email_id or ""}
		communication.insert(ignore_permissions=True)
		communication._attachments = []
		return communication

	@staticmethod
	def get_users_linked_to_account(email_account):
		"""Frappe asks for every message; the answer is the same for the whole run."""
		users = email_account.get("_users_linked_to_account")
		if users is None:
			users = InboundMail.get_users_linked_to_account(email_account)
			email_account._users_linked_to_account = users
		return users

	def save_attachments_in_doc(self, doc):
		"""Attachments are kept on the Communication (Frappe) and shown on the incident as well."""
		files = []
		for attachment in self.attachments:
			file = save_attachment(doc, attachment)
			if file:
				files.append(file)
				if attachment["fname"] in self.cid_map:
					self.cid_map[file.name] = self.cid_map[attachment["fname"]]
		reference = self.reference_document() or self.flags.get("new_incident")
		if reference and reference.doctype == "Incident":
			for file in files:
				frappe.get_doc(
					{
						"doctype": "File",
						"file_name": file.file_name,
						"file_url": file.file_url,
						"is_private": 1,
						"attached_to_doctype": "Incident",
						"attached_to_name": reference.name,
					}
				).insert(ignore_permissions=True)
		return files


def save_attachment(doc, attachment: dict):
	"""One attachment as a private File of the Communication, as Frappe saves it; content Frappe cannot take
	as what its name says (a broken JPEG it would strip of EXIF data) is kept under the name plus ".bin"."""
	from frappe.core.doctype.file.exceptions import MaxFileSizeReachedError

	for suffix in ("", ".bin"):
		try:
			return frappe.get_doc(
				{
					"doctype": "File",
					"file_name": attachment["fname"] + suffix,
					"attached_to_doctype": doc.doctype,
					"attached_to_name": doc.name,
					"is_private": 1,
					"content": attachment["fcontent"],
				}
			).insert(ignore_permissions=True)
		except (MaxFileSizeReachedError, frappe.FileAlreadyAttachedException, frappe.DuplicateEntryError):
			return None  # as Frappe: too big, or the same file twice
		except frappe.ValidationError:
			raise
		except Exception:
			if suffix:
				raise
	return None


class IntakeCommunication(Communication):
	"""The Communication of a message taken by the intake: Frappe's, minus lookups whose answer is known.

	- The sender's Contact (and what it links to) of a message that opens an incident was found or created
	  a moment ago, so the timeline links take it from there; the other addresses are looked up as Frappe
	  does, except the support mailbox's own address, which is on every message and is nobody's contact
	  (Frappe would even create a Contact for it).
	- Frappe then forwards an incoming message to the other "participants" of its document: the
	  document's owner and assignees. A message that has just opened an incident has none yet (the
	  intake owns it, and the engineer is told by the incident's own Notification), so that step, which
	  costs an Email Account load and three queries per message, is skipped for it. Replies to an existing
	  incident reach its engineer exactly as in Frappe.
	"""

	def set_timeline_links(self):
		sender = self.flags.get("sender_contact")
		addresses = [self.recipients, self.cc, self.bcc]
		if sender:
			self.add_link("Contact", sender.contact)
			for link_doctype, link_name in sender.links:
				self.add_link(link_doctype, link_name)
		else:
			addresses.insert(0, self.sender)
		own = {address.lower() for address in self.flags.get("own_addresses") or ()}
		others = [address for address in get_emails(addresses) if address.lower() not in own]
		if not others:
			return
		create_contact = self.email_account and frappe.db.get_value(
			"Email Account", self.email_account, "create_contact"
		)
		for contact_name in get_contacts(others, auto_create_contact=create_contact):
			self.add_link("Contact", contact_name)
			add_contact_links_to_communication(self, contact_name)

	def send_email(self, *args, is_inbound_mail_communcation=None, **kwargs):
		if is_inbound_mail_communcation and self.flags.get("opens_incident"):
			return
		return super().send_email(*args, is_inbound_mail_communcation=is_inbound_mail_communcation, **kwargs)


def find_or_create_contact(address: str, real_name: str | None) -> frappe._dict | None:
	"""The sender as {contact, company, links}: an existing Contact by e-mail (with its client company and
	what else it links to, in one query), else a new Contact of the company whose e-mail domain matches,
	else None and the operator sorts it out. A sender whose only Contact is disabled (no longer with the
	client company) is not recognised either, and gets no second Contact."""
	email_row, contact_row, link = (
		frappe.qb.DocType("Contact Email"),
		frappe.qb.DocType("Contact"),
		frappe.qb.DocType("Dynamic Link"),
	)
	rows = (
		frappe.qb.from_(email_row)
		.join(contact_row)
		.on(contact_row.name == email_row.parent)
		.left_join(link)
		.on((link.parent == email_row.parent) & (link.parenttype == "Contact"))
		.select(email_row.parent, link.link_doctype, link.link_name, contact_row.disabled)
		.where(email_row.email_id == address)
		.where(email_row.parenttype == "Contact")
		.orderby(contact_row.disabled)
		.orderby(email_row.parent)
		.orderby(link.idx)
		.run()
	)
	if rows:
		contact, _doctype, _name, disabled = rows[0]
		if disabled:
			return None
		links = [(doctype, name) for parent, doctype, name, _off in rows if parent == contact and doctype]
		company = next((name for doctype, name in links if doctype == "Client Company"), None)
		return frappe._dict(contact=contact, company=company, links=links)
	domain = email_domain(address)
	company = domain and frappe.db.get_value(
		"Client Company Email Domain", {"domain": domain, "parenttype": "Client Company"}, "parent"
	)
	if not company:
		return None
	first_name, _sep, last_name = (real_name or address.partition("@")[0]).strip().partition(" ")
	contact = frappe.get_doc(
		{
			"doctype": "Contact",
			"first_name": first_name or address,
			"last_name": last_name or None,
			"email_ids": [{"email_id": address, "is_primary": 1}],
			"links": [{"link_doctype": "Client Company", "link_name": company}],
		}
	)
	# a side record of registering the mail (the receive job has no user to own it)
	contact.insert(ignore_permissions=True)
	return frappe._dict(contact=contact.name, company=company, links=[("Client Company", company)])


def sender_may_reply(incident, address: str) -> bool:
	"""Replies come from the incident's own client, or a colleague at the same client company."""
	address = (address or "").lower()
	if address and address == (incident.contact_email or "").lower():
		return True
	if not incident.client_company:
		return False
	domain = email_domain(address)
	return bool(
		domain
		and frappe.db.exists(
			"Client Company Email Domain", {"parent": incident.client_company, "domain": domain}
		)
	)


def reopen_window_days() -> int:
	return cint(frappe.db.get_single_value("Helpdesk Settings", "reopen_window_days")) or 7


def accepts_replies(incident) -> bool:
	if incident.status in lifecycle.FINAL_STATUSES:
		return False
	if incident.status == lifecycle.RESOLVED and incident.resolved_on:
		return get_datetime(incident.resolved_on) >= add_days(now_datetime(), -reopen_window_days())
	return True


def handle_client_reply(incident, communication):
	"""A client's reply moves the incident on: it reopens a resolved one, it answers an engineer's question."""
	incident.reload()
	text = (communication.text_content or strip_html(communication.content or "")).strip()
	if incident.status == lifecycle.RESOLVED:
		move_to(
			incident, lifecycle.REOPENED, reopen_reason=(text or _("Reply by e-mail"))[:MAX_REASON_LENGTH]
		)
	elif incident.status == lifecycle.AWAITING_CLIENT:
		move_to(incident, lifecycle.IN_PROGRESS)
