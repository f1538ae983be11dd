"""E-mails leave at once, not on the scheduler's tick.

Frappe queues every e-mail (Email Queue) and sends the queue from the scheduler's "all" event, every 4
minutes by default: a client learned of their registration 2-4 minutes late. Here the commit that queues an
e-mail wakes a sender job (outgoing/wake.py: one job drains the queue, never a job per e-mail), which sends
each new row with Frappe's own EmailQueue.send, one SMTP connection per outgoing account.
Everything else stays Frappe's: the row's status, the retry counter and the error kept on a failure (an SMTP
server that is down: the scheduler's flush retries the row later, up to the retry limit; the sender takes
only rows that never failed), "Suspend sending" in the Email Queue list, muted e-mails on a test site, and
send_after for e-mails meant for later (those wait for the flush). Each row is claimed (Not Sent -> Sending)
in a committed update before it is sent, so two senders, or a sender and the flush that reads the row
after the claim, never send it twice. The sender runs on the default queue, after the short one (the
assignment's and the incidents' notifications).
Site config `xnet_send_mail_at_once: 0` turns it off (Frappe's flush alone, as stock Frappe does).
"""

import time
from contextlib import contextmanager

import frappe
from frappe.utils import add_to_date, cint, get_datetime, now_datetime

from xnet_helpdesk.outgoing.wake import wake

QUEUE = "default"
JOB_ID = "xnet-mail-sender"
SENDING_HERE_FLAG = "xnet_sending_mail_here"
BATCH = 100
# a sender hands over to a fresh job after this long (a huge fan-out does not hold one job forever)
BUDGET_SECONDS = 240
# a row "Sending" for longer than this lost its sender (sending one message takes a second or two)
STUCK_AFTER_SECONDS = 120


def enabled() -> bool:
	return bool(cint(frappe.conf.get("xnet_send_mail_at_once", 1)))


@contextmanager
def sending_here():
	"""Within this block e-mails queued are sent by the caller itself (it calls send_due): no sender is
	woken. The outbox's job does so, saving a second job per incident."""
	previous = frappe.flags.get(SENDING_HERE_FLAG)
	frappe.flags[SENDING_HERE_FLAG] = True
	try:
		yield
	finally:
		frappe.flags[SENDING_HERE_FLAG] = previous


def send_soon(doc, method=None) -> None:
	"""Email Queue after_insert: the sender is woken when (and only if) the row is committed."""
	if doc.status != "Not Sent" or frappe.are_emails_muted() or not enabled():
		return
	if frappe.flags.get(SENDING_HERE_FLAG):
		return
	if doc.send_after and get_datetime(doc.send_after) > now_datetime():
		return
	wake("xnet_helpdesk.outgoing.prompt.send_due", JOB_ID, QUEUE)


def due(limit: int = BATCH) -> list[str]:
	"""Rows to send now: never tried (retry 0; the failed ones are the flush's), due, by priority then age."""
	queue = frappe.qb.DocType("Email Queue")
	return (
		frappe.qb.from_(queue)
		.select(queue.name)
		.where(queue.status == "Not Sent")
		.where(queue.retry == 0)
		.where(queue.send_after.isnull() | (queue.send_after <= now_datetime()))
		.orderby(queue.priority, order=frappe.qb.desc)
		.orderby(queue.creation)
		.limit(limit)
		.run(pluck=True)
	)


def claim(name: str) -> bool:
	"""Not Sent -> Sending in one committed update: False when someone else has it already."""
	queue = frappe.qb.DocType("Email Queue")
	frappe.qb.update(queue).set(queue.status, "Sending").set(queue.modified, now_datetime()).where(
		queue.name == name
	).where(queue.status == "Not Sent").run()
	claimed = frappe.db._cursor.rowcount == 1
	frappe.db.commit()
	return claimed


def send_due() -> int:
	"""The sender job: send every due row, each committed on its own. Returns how many were sent."""
	from frappe.email.doctype.email_queue.email_queue import EmailQueue

	if frappe.are_emails_muted() or cint(frappe.db.get_default("suspend_email_queue")) or not enabled():
		return 0
	started, sent, servers = time.monotonic(), 0, {}
	try:
		while names := due():
			for name in names:
				if not claim(name):
					continue
				account = None
				try:
					record = EmailQueue.find(name)
					record.status = "Not Sent"  # claimed: EmailQueue.send sends a row that is "Not Sent"
					account = record.get_email_account(raise_error=True).name
					if account not in servers:
						servers[account] = frappe.get_cached_doc("Email Account", account).get_smtp_server()
					record.send(smtp_server_instance=servers[account])
					sent += 1
				except Exception:
					give_back(name)
					servers.pop(account, None)
				if time.monotonic() - started > BUDGET_SECONDS:
					wake("xnet_helpdesk.outgoing.prompt.send_due", JOB_ID, QUEUE)
					frappe.db.commit()
					return sent
	finally:
		for server in servers.values():
			quit_session(server)
	return sent


def give_back(name: str) -> None:
	"""A failed row goes back to the queue with its error and one more retry, for Frappe's flush to retry
	(a failure inside EmailQueue.send has done that already: its SendMailContext records it)."""
	error = frappe.get_traceback()
	frappe.db.rollback()
	row = frappe.db.get_value("Email Queue", name, ["status", "retry"], as_dict=True)
	if row and row.status == "Sending":
		frappe.db.set_value(
			"Email Queue", name, {"status": "Not Sent", "retry": (row.retry or 0) + 1, "error": error}
		)
	frappe.log_error(f"Email Queue {name}: sending at once failed, the queue will retry")
	frappe.db.commit()


def release_stuck() -> int:
	"""Scheduled every minute: rows left "Sending" by a sender that died mid-send (a worker killed, its
	database connection cut) would never be sent: neither this sender nor Frappe's flush takes a "Sending"
	row. They go back to the queue with one more retry, for the flush; a recipient already marked sent
	(Frappe commits that right after the SMTP server accepted) is not sent again."""
	queue = frappe.qb.DocType("Email Queue")
	cutoff = add_to_date(now_datetime(), seconds=-STUCK_AFTER_SECONDS)
	names = (
		frappe.qb.from_(queue)
		.select(queue.name)
		.where(queue.status == "Sending")
		.where(queue.modified < cutoff)
		.run(pluck=True)
	)
	for name in names:
		sent = frappe.db.exists("Email Queue Recipient", {"parent": name, "status": "Sent"})
		frappe.qb.update(queue).set(queue.status, "Partially Sent" if sent else "Not Sent").set(
			queue.retry, queue.retry + 1
		).set(queue.error, "Left in Sending by a sender that ended mid-send").where(queue.name == name).where(
			queue.status == "Sending"
		).run()
		frappe.db.commit()  # a scheduled job: each released row is its own transaction
	return len(names)


def quit_session(server) -> None:
	session = getattr(server, "_session", None)
	if session:
		try:
			session.quit()
		except Exception:
			pass
