"""Mail whose headers carry raw 8-bit bytes (no encoded words, as older Cyrillic mail clients send them),
through the real IMAP pull: Python's parser hands such headers back as Header objects, on which the loop
rules and the threading called .strip() and len() — the message never became an incident."""

import email.utils

import frappe

from tests.site import test_email_intake as intake
from tests.site.test_email_intake import incident_for, message, receive

# the mail tests' own fixtures: a private dovecot and SMTP sink, the support Email Account, mail unmuted
servers, account, unmuted = intake.servers, intake.account, intake.unmuted


def test_raw_utf8_sender_name_and_references_register_the_incident(servers, account):
	imap, _smtp = servers
	message_id = email.utils.make_msgid(domain="karmet.test")
	raw = (
		"From: Кармет Клиент <karmet.client@test.xnet.kz>\r\n"
		"To: support@xnet.test\r\n"
		"Subject: =?utf-8?b?0J3QtSDRgNCw0LHQvtGC0LDQtdGCINGB0LrQsNC90LXRgA==?=\r\n"
		f"Message-ID: {message_id}\r\n"
		"References: <старое@karmet.test>\r\n"
		"Precedence: обычный\r\n"
		"Content-Type: text/plain; charset=utf-8\r\n\r\n"
		"Сканер не работает.\r\n"
	).encode()
	good = message("Письмо после него")
	receive(imap, raw, good)
	frappe.db.rollback()
	incident = incident_for({"Message-ID": message_id, "Subject": "raw 8-bit"})
	assert incident.subject == "Не работает сканер"
	assert incident.contact_email == "karmet.client@test.xnet.kz"
	assert incident_for(good).subject == "Письмо после него"
