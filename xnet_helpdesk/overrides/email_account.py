import time

import frappe
from frappe.email.doctype.email_account.email_account import EmailAccount

from xnet_helpdesk.intake.email_intake import IncidentInboundMail

# Frappe fetches at most this many messages per folder and run (EmailServer.get_messages)
FRAPPE_BATCH = 100
# a draining run stops starting new rounds after this long (Frappe's pull job runs on the short queue: 300 s)
DRAIN_SECONDS = 180


class SupportEmailAccount(EmailAccount):
	"""Mail for incidents is handled by IncidentInboundMail; every other account works as in Frappe.

	One more thing for incident folders synced as "UNSEEN": Frappe reads messages with BODY.PEEK and never
	marks them seen, so it fetches the same first 100 unseen messages on every run and a busier mailbox
	never gets past them. Here each message fetched into an incident folder is marked \\Seen on the server
	once it was handled (an incident, a reply, a known duplicate, or an Unhandled Email for a bad one).
	"""

	_fetched: list | None = None

	def get_inbound_mails(self):
		mails = super().get_inbound_mails()
		return [
			IncidentInboundMail(mail.raw_message, self, mail.uid, mail.seen_status, mail.append_to)
			if (mail.append_to or self.append_to) == "Incident"
			else mail
			for mail in mails
		]

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
		"""One Frappe receive; how many messages each incident folder gave."""
		self._fetched = []
		try:
			super().receive()
		finally:
			fetched, self._fetched = self._fetched, None
			handled = self.mark_seen(fetched)
		return handled

	def drains(self) -> bool:
		return bool(self.use_imap and self.email_sync_option == "UNSEEN" and self.incident_folders())

	def incident_folders(self) -> set[str]:
		return {
			row.folder_name for row in self.imap_folder if (row.append_to or self.append_to) == "Incident"
		}

	def mark_seen(self, fetched: list) -> list[int]:
		if not (self.use_imap and self.email_sync_option == "UNSEEN"):
			return []
		folders = self.incident_folders()
		work = [(folder, uids) for folder, uids in fetched if uids and folder.strip('"') in folders]
		if not work:
			return []
		try:
			server = self.get_incoming_server(in_receive=True)
			for folder, uids in work:
				server.imap.select(folder)
				uid_set = ",".join(frappe.safe_decode(uid) for uid in uids)
				server.imap.uid("STORE", uid_set, "+FLAGS", "(\\Seen)")
			server.logout()
		except Exception:
			# the next run fetches them again; the intake recognises messages it already has
			self.log_error(title="Could not mark fetched support mail as seen")
			return []
		return [len(uids) for _folder, uids in work]


def pull_every_minute():
	"""Scheduled every minute: Frappe 15 pulls the mailboxes every 10 minutes ("0/10" in its hooks), so a
	client's mail waited up to 10 minutes to become an incident (found by benchmarks/soak.py). Frappe's own
	pull: one job per account, not queued again while one waits (its job name)."""
	from frappe.email.doctype.email_account.email_account import pull

	pull()
