import time

import frappe
from frappe import _
from frappe.email.doctype.email_account.email_account import EmailAccount
from frappe.email.receive import InboundMail, SentEmailInInboxError

from xnet_helpdesk.intake.email_intake import IncidentInboundMail

# Frappe fetches at most this many messages per folder and run (EmailServer.get_messages)
FRAPPE_BATCH = 100
# a draining run stops starting new rounds after this long (Frappe's pull job runs on the short queue: 300 s)
DRAIN_SECONDS = 180


class UnreadableMail:
	"""A fetched message the parser gave up on: kept whole for the operator, never in the way of others."""

	def __init__(self, raw_message, uid, folder, reason):
		self.raw_message, self.uid, self.folder, self.reason = raw_message, uid, folder, reason


class SupportEmailAccount(EmailAccount):
	"""Mail for incidents is handled by IncidentInboundMail; every other account works as in Frappe.

	Each fetched message is handled on its own: one that cannot be read or registered is kept (an Unhandled
	Email with the raw message as an .eml File) and never stops or loses the others of the same pull.

	One more thing for incident folders synced as "UNSEEN": Frappe reads messages with BODY.PEEK and never
	marks them seen, so it fetches the same first 100 unseen messages on every run and a busier mailbox
	never gets past them. Here each message fetched into an incident folder is marked \\Seen on the server
	once it was handled (an incident, a reply, a known duplicate, a refused loop, or an Unhandled Email
	for a bad one), and only then: a message whose handling failed is fetched again on the next run.
	"""

	_fetched: list | None = None

	def get_inbound_mails(self):
		"""Frappe's, with each message parsed on its own (Frappe drops the whole pull when one fails)."""
		mails = []
		if not self.enable_incoming:
			return mails
		try:
			server = self.get_incoming_server(in_receive=True, email_sync_rule=self.build_email_sync_rule())
			if self.use_imap:
				for folder in self.imap_folder:
					if server.select_imap_folder(folder.folder_name):
						server.settings["uid_validity"] = folder.uidvalidity
						messages = server.get_messages(folder=f'"{folder.folder_name}"') or {}
						mails.extend(self.read_mails(messages, folder.append_to, folder.folder_name))
			else:
				mails.extend(self.read_mails(server.get_messages() or {}, None, None))
			server.logout()
		except Exception:
			# what was read before the fault is handled; the rest stays unseen and is fetched next time
			self.log_error(title=_("Error while connecting to email account {0}").format(self.name))
		return mails

	def read_mails(self, messages: dict, append_to, folder) -> list:
		mails = []
		uids = messages.get("uid_list") or []
		for index, raw in enumerate(messages.get("latest_messages") or []):
			uid = uids[index] if index < len(uids) else None
			seen = (messages.get("seen_status") or {}).get(uid)
			if self.email_sync_option == "UNSEEN" and seen == "SEEN":
				continue
			uid = frappe.safe_decode(uid) if uid is not None else None
			mail_class = IncidentInboundMail if (append_to or self.append_to) == "Incident" else InboundMail
			try:
				mail = mail_class(raw, self, uid, seen, append_to)
			except Exception:
				mail = UnreadableMail(raw, uid, folder, frappe.get_traceback())
			mail.folder = folder
			mails.append(mail)
		return mails

	def get_incoming_server(self, in_receive=False, email_sync_rule="UNSEEN"):
		server = super().get_incoming_server(in_receive=in_receive, email_sync_rule=email_sync_rule)
		if in_receive and self.use_imap and self._fetched is not None:
			fetch = server.get_messages

			def get_messages(folder="INBOX"):
				messages = fetch(folder=folder)
				if messages:
					retrieved = len(messages.get("latest_messages") or [])
					self._fetched.append((folder, list(messages.get("uid_list") or [])[:retrieved]))
				return messages

			server.get_messages = get_messages
		return server

	def receive(self):
		"""Frappe's receive, repeated while an incident folder came back full (Frappe takes at most 100
		messages per folder and run, and runs once a scheduler tick): a burst of mail is registered in
		one job instead of 100 messages a minute. Bounded in time to stay inside the job's timeout."""
		started = time.monotonic()
		while True:
			fetched = self.receive_once()
			if (
				not self.drains()
				or max(fetched, default=0) < FRAPPE_BATCH
				or time.monotonic() - started > DRAIN_SECONDS
			):
				return
			# the folders' UIDVALIDITY as Frappe stored it during that run (else it re-indexes from UID 1)
			self.reload()

	def receive_once(self) -> list[int]:
		"""One pull; how many messages each incident folder gave."""
		self._fetched = []
		handled = []
		try:
			for mail in self.get_inbound_mails():
				if self.handle(mail):
					handled.append((mail.folder, mail.uid))
		finally:
			fetched, self._fetched = self._fetched, None
			self.mark_seen(handled)
		return [len(uids) for _folder, uids in fetched if uids]

	def handle(self, mail) -> bool:
		"""Frappe's handling of one message (EmailAccount.receive); whether it is done with: registered,
		refused as a loop, or kept for the operator as an Unhandled Email."""
		if isinstance(mail, UnreadableMail):
			return self.keep_unhandled(mail, mail.reason)
		try:
			communication = mail.process()
			frappe.db.commit()
			if communication and mail.flags.is_new_communication:
				if self.enable_auto_reply:
					self.send_auto_reply(communication, mail)
				communication.send_email(is_inbound_mail_communcation=True)
		except SentEmailInInboxError:
			frappe.db.rollback()
			return True
		except Exception:
			frappe.db.rollback()
			reason = frappe.get_traceback()
			self.log_error(title="EmailAccount.receive")
			return self.keep_unhandled(mail, reason)
		frappe.db.commit()
		return True

	def keep_unhandled(self, mail, reason: str) -> bool:
		"""The message as an Unhandled Email, with the raw message attached as an .eml File to open."""
		if not self.use_imap:
			return False
		try:
			self.handle_bad_emails(mail.uid, mail.raw_message, reason)
			unhandled = frappe.db.get_value(
				"Unhandled Email",
				{"email_account": self.name, "uid": mail.uid},
				"name",
				order_by="creation desc",
			)
			raw = mail.raw_message
			frappe.get_doc(
				{
					"doctype": "File",
					"file_name": f"message-{mail.uid}.eml",
					"attached_to_doctype": "Unhandled Email",
					"attached_to_name": unhandled,
					"is_private": 1,
					"content": raw if isinstance(raw, bytes) else raw.encode("utf-8", "surrogateescape"),
				}
			).insert(ignore_permissions=True)
			frappe.db.commit()
		except Exception:
			frappe.db.rollback()
			self.log_error(title="Could not keep an unreadable support mail")
			return False
		return True

	def drains(self) -> bool:
		return bool(self.use_imap and self.email_sync_option == "UNSEEN" and self.incident_folders())

	def incident_folders(self) -> set[str]:
		return {
			row.folder_name for row in self.imap_folder if (row.append_to or self.append_to) == "Incident"
		}

	def mark_seen(self, handled: list) -> None:
		"""\\Seen on the server for the handled messages of incident folders, and for no other."""
		if not (self.use_imap and self.email_sync_option == "UNSEEN"):
			return
		folders = self.incident_folders()
		work = {}
		for folder, uid in handled:
			if folder and uid and folder in folders:
				work.setdefault(folder, []).append(uid)
		if not work:
			return
		try:
			server = self.get_incoming_server(in_receive=True)
			for folder, uids in work.items():
				server.imap.select(f'"{folder}"')
				server.imap.uid("STORE", ",".join(uids), "+FLAGS", "(\\Seen)")
			server.logout()
		except Exception:
			# the next run fetches them again; the intake recognises messages it already has
			self.log_error(title="Could not mark fetched support mail as seen")


def pull_every_minute():
	"""Scheduled every minute: Frappe 15 pulls the mailboxes every 10 minutes ("0/10" in its hooks), so a
	client's mail waited up to 10 minutes to become an incident (found by benchmarks/soak.py). Frappe's own
	pull: one job per account, not queued again while one waits (its job name)."""
	from frappe.email.doctype.email_account.email_account import pull

	pull()
