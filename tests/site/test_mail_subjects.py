"""A subject reaches the client's mail program as it was written: Frappe folds a queued message when it
sends it, and Python's folding can glue two words of a Russian subject together ("Photoshopна"); the
Email Queue controller sends with the folding that keeps the spaces (outgoing/header_folding.py)."""

import frappe

from tests.site import test_email_intake as intake

# the mail tests' own fixtures: a private dovecot and SMTP sink, the support Email Account, mail unmuted
servers, account, unmuted = intake.servers, intake.account, intake.unmuted

SUBJECTS = [
	"Вам назначен инцидент INC-2026-00040: Установить Adobe Photoshop на рабочий компьютер",
	"Инцидент INC-2026-00012 решён: Не работает VPN до филиала, нужен доступ к 1С срочно сегодня",
]


def queue(subject: str) -> str:
	frappe.sendmail(recipients=["karmet.client@test.xnet.kz"], subject=subject, message="<p>Проверка</p>")
	return frappe.get_last_doc("Email Queue").name


def test_the_subject_arrives_with_every_space(servers, account):
	from xnet_helpdesk.overrides.email_queue import XnetEmailQueue

	_imap, smtp = servers
	names = [queue(subject) for subject in SUBJECTS]
	frappe.db.commit()
	for name in names:
		record = frappe.get_doc("Email Queue", name)
		assert isinstance(record, XnetEmailQueue)
		record.send()
	for subject in SUBJECTS:
		# found by what comes before the colon (the words after it are where the spaces went missing)
		arrived = smtp.wait_for(lambda m, s=subject: s.split(":")[0] in str(m["Subject"]), timeout=10)
		assert arrived, subject
		assert [str(m["Subject"]).strip() for m in arrived] == [subject]
	assert {frappe.db.get_value("Email Queue", name, "status") for name in names} == {"Sent"}
