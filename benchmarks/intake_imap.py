"""Intake throughput: N messages in a real IMAP mailbox (dovecot) → incidents, end to end.

Frappe's own Email Account code fetches and parses the mail; our intake matches senders, registers the
incidents and queues the acknowledgements. Prints messages per second, and the same run's bare ToDo
insert rate as a baseline for the machine's speed. Everything created is deleted afterwards.

Run: scripts/bench-exec python benchmarks/intake_imap.py [N]
"""

import email.utils
import sys
import time
from email.message import EmailMessage

from _site import CHECKOUT, connect

if str(CHECKOUT) not in sys.path:
	sys.path.insert(0, str(CHECKOUT))

from tests.harness import mail as mail_harness

N = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
ACCOUNT = "BENCH Intake Mailbox"
CENTER, COMPANY, DOMAIN = "BENCH Intake Center", "BENCH Intake Co", "bench-intake.test"
SENDERS = 50


def setup(frappe, imap, smtp):
	if not frappe.db.exists("Service Center", CENTER):
		frappe.get_doc({"doctype": "Service Center", "center_name": CENTER, "city": "Bench"}).insert()
	if not frappe.db.exists("Client Company", COMPANY):
		frappe.get_doc(
			{
				"doctype": "Client Company",
				"company_name": COMPANY,
				"service_center": CENTER,
				"email_domains": [{"domain": DOMAIN}],
			}
		).insert()
	if frappe.db.exists("Email Account", ACCOUNT):
		frappe.delete_doc("Email Account", ACCOUNT, force=True)
	frappe.get_doc(
		{
			"doctype": "Email Account",
			"email_account_name": ACCOUNT,
			"email_id": mail_harness.MAILBOX_USER,
			"login_id": mail_harness.MAILBOX_USER,
			"password": mail_harness.MAILBOX_PASSWORD,
			"enable_incoming": 1,
			"use_imap": 1,
			"email_server": "127.0.0.1",
			"incoming_port": imap.port,
			"imap_folder": [{"folder_name": "INBOX", "append_to": "Incident"}],
			"email_sync_option": "UNSEEN",
			"initial_sync_count": "250",
			# the acknowledgements are queued (Email Queue), as in production; sending is not timed
			"enable_outgoing": 1,
			"smtp_server": "127.0.0.1",
			"smtp_port": smtp.port,
			"default_outgoing": 1,
		}
	).insert(ignore_permissions=True)
	frappe.db.commit()


def messages(n):
	for i in range(n):
		msg = EmailMessage()
		msg["From"] = f"Сотрудник {i % SENDERS} <user{i % SENDERS}@{DOMAIN}>"
		msg["To"] = mail_harness.MAILBOX_USER
		msg["Subject"] = f"Не работает сервис №{i}"
		msg["Date"] = email.utils.formatdate()
		msg["Message-ID"] = email.utils.make_msgid(domain=DOMAIN)
		msg.set_content(f"Здравствуйте! Проблема номер {i}: не открывается 1С.")
		yield msg


def todo_rate(frappe, n=200) -> float:
	names = []
	start = time.perf_counter()
	for i in range(n):
		names.append(frappe.get_doc({"doctype": "ToDo", "description": f"bench {i}"}).insert().name)
		frappe.db.commit()
	elapsed = time.perf_counter() - start
	for name in names:
		frappe.delete_doc("ToDo", name, force=True)
	frappe.db.commit()
	return n / elapsed


def cleanup(frappe, since):
	for name in frappe.get_all(
		"Incident", filters={"creation": [">=", since], "service_center": CENTER}, pluck="name"
	):
		frappe.db.delete("Communication", {"reference_doctype": "Incident", "reference_name": name})
		frappe.delete_doc("Incident", name, force=True)
	for contact in frappe.get_all("Contact", filters={"email_id": ["like", f"%@{DOMAIN}"]}, pluck="name"):
		frappe.delete_doc("Contact", contact, force=True)
	frappe.db.delete("Email Queue", {"creation": [">=", since]})
	frappe.delete_doc("Email Account", ACCOUNT, force=True, ignore_missing=True)
	frappe.db.commit()


def main():
	connect("xnet-test.localhost")
	import frappe
	from frappe.email.doctype.email_account.email_account import pull_from_email_account
	from frappe.utils import now_datetime

	imap, smtp = mail_harness.Dovecot(), mail_harness.SmtpSink()
	since = now_datetime()
	try:
		setup(frappe, imap, smtp)
		# the machine's speed drifts: the baseline is taken before and after the intake, and averaged
		before = todo_rate(frappe, 500)
		imap.deliver(*messages(N))
		start = time.perf_counter()
		rounds = 0
		while (
			frappe.db.count("Incident", {"service_center": CENTER, "creation": [">=", since]}) < N
			and rounds < 50
		):
			# what Frappe's scheduled pull job does (one run drains the burst, see overrides/email_account.py)
			pull_from_email_account(ACCOUNT)
			rounds += 1
		elapsed = time.perf_counter() - start
		created = frappe.db.count("Incident", {"service_center": CENTER, "creation": [">=", since]})
		rate = created / elapsed
		after = todo_rate(frappe, 500)
		baseline = (before + after) / 2
		print(f"messages in mailbox           {N}")
		print(f"incidents registered          {created} in {elapsed:.1f} s ({rounds} scheduled pull runs)")
		print(f"intake throughput             {rate:.1f} messages/s   (target >= 20)")
		print(
			f"baseline: ToDo insert+commit  {baseline:.1f} /s (before {before:.0f}, after {after:.0f})"
			f"   -> one message costs {baseline / rate:.1f} ToDo inserts"
		)
		print(f"the target, 20 messages/s     = at most {baseline / 20:.1f} ToDo inserts per message here")
	finally:
		cleanup(frappe, since)
		imap.stop()
		smtp.stop()
		frappe.destroy()


if __name__ == "__main__":
	main()
