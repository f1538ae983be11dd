"""Real-world mail never disappears (issue 12, part 1): messages written by other mail systems
(tests/mail_corpus, sources in its README) delivered to a real IMAP mailbox (dovecot) and taken by the real
scheduled pull (Frappe's Email Account code with the support account's override and the intake)."""

import csv
import email.utils
import html
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from pathlib import Path

import frappe
import pytest

from tests.harness import mail as mail_harness
from tests.site import test_email_intake as intake
from tests.site.test_email_intake import ACCOUNT, flush_mail, incident_for, message, receive, warm_up
from xnet_helpdesk.intake.email_intake import IncidentInboundMail

pytestmark = pytest.mark.skipif(
	bool(mail_harness.unavailable_reason()), reason=str(mail_harness.unavailable_reason())
)

CORPUS = Path(__file__).resolve().parents[1] / "mail_corpus"

# the intake tests' mailbox, SMTP sink and support account (module-scoped there, made anew here)
servers, account, unmuted = intake.servers, intake.account, intake.unmuted


def corpus() -> list[tuple[str, bytes, str]]:
	with (CORPUS / "expectations.csv").open(encoding="utf-8") as handle:
		return [
			(row["file"], (CORPUS / row["file"]).read_bytes(), row["outcome"])
			for row in csv.DictReader(handle)
		]


def communication_of(raw: bytes, account_doc):
	"""The Communication the intake made of a message (by its Message-ID, or the digest it gets without one)."""
	message_id = IncidentInboundMail(raw, account_doc).message_id
	return frappe.db.get_value(
		"Communication",
		{"message_id": message_id},
		["name", "reference_doctype", "reference_name"],
		as_dict=True,
	)


def unseen(imap) -> list[bytes]:
	connection = imap.imap()
	try:
		connection.select("INBOX")
		return connection.search(None, "UNSEEN")[1][0].split()
	finally:
		connection.logout()


def unhandled_since(since) -> list:
	return frappe.get_all(
		"Unhandled Email",
		filters={"email_account": ACCOUNT, "creation": [">=", since]},
		fields=["name", "uid"],
	)


def test_the_corpus_through_the_real_pull_loses_nothing(servers, account):
	"""The README figure: every message registered (an incident, or a reply on one) or rightly refused
	(a bounce, an auto-reply), none lost, none left for the operator as unreadable, all marked seen."""
	from frappe.email.doctype.email_account.email_account import pull_from_email_account

	imap, _smtp = servers
	imap.clear()
	warm_up()
	started = frappe.utils.now_datetime()
	messages = corpus()
	imap.deliver(*[raw for _name, raw, _outcome in messages])
	frappe.db.rollback()
	pull_from_email_account(ACCOUNT)  # the scheduler's job, once
	frappe.db.rollback()
	account_doc = frappe.get_doc("Email Account", ACCOUNT)
	outcomes, lost = {"registered": 0, "refused": 0}, []
	for name, raw, expected in messages:
		communication = communication_of(raw, account_doc)
		got = "registered" if communication and communication.reference_doctype == "Incident" else "refused"
		outcomes[got] += 1
		if got != expected:
			lost.append((name, expected, got))
	print(
		f"\nreal-world corpus through the IMAP pull: {len(messages)} messages, {outcomes['registered']} "
		f"registered, {outcomes['refused']} rightly refused, lost: {len(lost)}"
	)
	assert not lost
	assert len(messages) >= 60
	assert not unhandled_since(started)
	assert unseen(imap) == []


def corpus_incident(name: str):
	raw = (CORPUS / name).read_bytes()
	communication = communication_of(raw, frappe.get_doc("Email Account", ACCOUNT))
	assert communication and communication.reference_doctype == "Incident", name
	return frappe.get_doc("Incident", communication.reference_name), communication


def test_the_corpus_is_registered_as_it_was_written(servers, account):
	"""Runs after the corpus test: what a few of those incidents hold."""
	# GB2312 label on GBK text
	incident, _communication = corpus_incident("mailparser-mail_test_12.eml")
	assert incident.subject == "代开各地增值税发票" and "增值税发票" in incident.description
	assert "\ufffd" not in incident.description
	# a text part beside the HTML of a multipart/mixed message
	incident, _communication = corpus_incident("mailparser-mail_test_14.eml")
	assert "HTML here" in incident.description and "Plaintext here." in incident.description
	# an attached e-mail: kept as .eml on the incident, summed up in the body, the body kept
	incident, _communication = corpus_incident("mikel-attachment_emails-attachment_message_rfc822.eml")
	files = frappe.get_all(
		"File",
		filters={"attached_to_doctype": "Incident", "attached_to_name": incident.name},
		pluck="file_name",
	)
	assert any(name.endswith(".eml") for name in files)
	assert "Attached message:" in incident.description
	# a junk line among the headers: the sender and subject are still found
	incident, _communication = corpus_incident("mikel-plain_emails-raw_email_incorrect_header.eml")
	assert incident.contact_email == "xxx@xxx.xxx" and incident.subject.startswith("Stop adware")
	# a no-reply sender with real content
	incident, _communication = corpus_incident("mikel-plain_emails-raw_email_trailing_dot.eml")
	assert incident.no_reply_possible
	# a malformed From ("Big Bug bb@bug.com")
	incident, _communication = corpus_incident("mikel-plain_emails-mix_caps_content_type.eml")
	assert incident.needs_triage and not incident.contact_email
	assert incident.sender_as_written == "Big Bug bb@bug.com"


# --------------------------------------------------------------------------- one message at a time


def test_a_message_that_cannot_be_registered_is_kept_and_never_blocks_the_others(servers, account):
	"""A subject of markup alone is refused by the Incident; the message is kept for the operator as an
	Unhandled Email with its raw .eml, the good message of the same pull is registered, both are seen."""
	imap, _smtp = servers
	imap.clear()
	started = frappe.utils.now_datetime()
	bad = message("<b></b>")
	good = message("После письма, которое нельзя зарегистрировать")
	receive(imap, bad, good)
	assert incident_for(good).subject == "После письма, которое нельзя зарегистрировать"
	kept = unhandled_since(started)
	assert len(kept) == 1
	files = frappe.get_all(
		"File",
		filters={"attached_to_doctype": "Unhandled Email", "attached_to_name": kept[0].name},
		fields=["file_name", "file_url"],
	)
	assert len(files) == 1 and files[0].file_name.endswith(".eml")
	content = frappe.get_doc("File", {"file_url": files[0].file_url}).get_content()
	content = content if isinstance(content, bytes) else content.encode()
	assert bad["Message-ID"].encode() in content
	assert unseen(imap) == []


def test_a_message_frappe_could_not_parse_is_registered_with_the_others(servers, account):
	"""A raw 8-bit Message-ID made Frappe's parser raise: the pull registered nothing and marked all seen."""
	imap, _smtp = servers
	imap.clear()
	odd = (
		f"From: karmet.client@test.xnet.kz\r\nTo: {mail_harness.MAILBOX_USER}\r\nSubject: Сбой печати\r\n"
		"Message-ID: <ид-письма-1@karmet.test>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
		"Принтер печатает пустые листы.\r\n"
	).encode()
	good = message("Письмо в той же выборке")
	receive(imap, odd, good)
	assert incident_for(good).subject == "Письмо в той же выборке"
	assert (
		incident_for({"Message-ID": "<ид-письма-1@karmet.test>", "Subject": "odd"}).subject == "Сбой печати"
	)
	assert unseen(imap) == []


def test_only_handled_messages_are_marked_seen(servers, account):
	"""A message whose handling did not finish stays unseen on the server and is fetched again next time."""
	imap, _smtp = servers
	imap.clear()
	imap.deliver(message("Обработано"), message("Не обработано"))
	connection = imap.imap()
	try:
		connection.select("INBOX")
		first, second = connection.uid("SEARCH", None, "ALL")[1][0].split()
	finally:
		connection.logout()
	frappe.get_doc("Email Account", ACCOUNT).mark_seen([("INBOX", first.decode())])
	connection = imap.imap()
	try:
		connection.select("INBOX")
		assert connection.uid("SEARCH", None, "UNSEEN")[1][0].split() == [second]
	finally:
		connection.logout()
	imap.clear()


def test_the_second_mail_of_an_unknown_sender_stays_flagged(servers, account):
	"""Frappe's "create contact" step makes a Contact without a company for the first mail; the second
	finds it and must neither lose the flag nor fail for want of a default service center."""
	imap, _smtp = servers
	default = frappe.db.get_single_value("Helpdesk Settings", "default_service_center")
	frappe.db.set_single_value("Helpdesk Settings", "default_service_center", None)
	frappe.db.commit()
	try:
		sender = "Неизвестный Клиент <unknown.client@nowhere-company.example>"
		first, second = message("Первое письмо", sender=sender), message("Второе письмо", sender=sender)
		receive(imap, first)
		assert frappe.db.exists("Contact Email", {"email_id": "unknown.client@nowhere-company.example"})
		receive(imap, second)
		for msg in (first, second):
			incident = incident_for(msg)
			assert incident.needs_triage and not incident.client_company
	finally:
		frappe.db.set_single_value("Helpdesk Settings", "default_service_center", default)
		frappe.db.commit()


def test_reply_to_is_where_answers_go_not_the_client(servers, account):
	imap, _smtp = servers
	msg = message("Ответы на общий ящик", Reply_To="it-department@karmet.test")
	receive(imap, msg)
	incident = incident_for(msg)
	assert incident.contact_email == "karmet.client@test.xnet.kz"
	assert incident.answers_go_to == "it-department@karmet.test"


@pytest.mark.parametrize(
	"written, address",
	[
		("Айдар Сеитов <aidar.seitov@karmet.test.>", "aidar.seitov@karmet.test"),
		("aidar seitov@karmet.test", None),
		("Бухгалтерия ТОО Кармет", None),
	],
	ids=["trailing-dot", "space-in-local-part", "display-name-only"],
)
def test_a_malformed_sender_is_registered_flagged_with_the_from_as_written(
	servers, account, written, address
):
	imap, _smtp = servers
	msg_id = email.utils.make_msgid(domain="karmet.test")
	raw = (
		f"From: {written}\r\nTo: {mail_harness.MAILBOX_USER}\r\nSubject: Не работает сканер\r\n"
		f"Message-ID: {msg_id}\r\nDate: {email.utils.formatdate()}\r\nContent-Type: text/plain; charset=utf-8\r\n"
		"\r\nСканер в приёмной не включается.\r\n"
	).encode()
	receive(imap, raw)
	incident = incident_for({"Message-ID": msg_id, "Subject": written})
	# Frappe escapes markup-like text in Data fields; the Desk shows it as written
	assert incident.needs_triage and html.unescape(incident.sender_as_written) == written
	assert incident.contact_email == address
	assert "Сканер" in incident.description


def test_a_no_reply_sender_with_content_is_registered_and_never_mailed(servers, account):
	imap, smtp = servers
	msg = MIMEMultipart()
	msg["From"] = "Интернет-магазин <noreply@shop.example>"
	msg["To"] = mail_harness.MAILBOX_USER
	msg["Subject"] = "Заказ №4512: счёт на картриджи"
	msg["Message-ID"] = email.utils.make_msgid(domain="shop.example")
	msg["Auto-Submitted"] = "auto-generated"
	msg.attach(MIMEText("Счёт во вложении.", "plain", "utf-8"))
	pdf = MIMEApplication(b"%PDF-1.4\n%EOF\n", "pdf", Name="invoice.pdf")
	pdf["Content-Disposition"] = 'attachment; filename="invoice.pdf"'
	msg.attach(pdf)
	receive(imap, msg.as_bytes())
	incident = incident_for(msg)
	assert incident.no_reply_possible and incident.contact_email == "noreply@shop.example"
	assert frappe.db.exists("File", {"attached_to_name": incident.name, "file_name": "invoice.pdf"})
	flush_mail()
	assert not smtp.wait_for(lambda m: "noreply@shop.example" in (m["To"] or ""), timeout=3)


def test_a_message_without_message_id_fetched_twice_registers_once(servers, account):
	imap, _smtp = servers
	raw = (
		f"From: karmet.client@test.xnet.kz\r\nTo: {mail_harness.MAILBOX_USER}\r\n"
		"Subject: Письмо без Message-ID\r\nDate: Mon, 30 Nov 2026 09:00:00 +0500\r\n"
		"Content-Type: text/plain; charset=utf-8\r\n\r\nНе открывается 1С.\r\n"
	).encode()
	before = frappe.db.count("Incident")
	receive(imap, raw)
	receive(imap, b"Received: from relay.example by mx.example; Mon, 30 Nov 2026 09:01:00 +0500\r\n" + raw)
	assert frappe.db.count("Incident") == before + 1
