from email.message import EmailMessage

import pytest

from xnet_helpdesk.intake.mail_rules import (
	email_domain,
	incident_numbers,
	loop_reason,
	thread_subject,
)


def message(**headers) -> EmailMessage:
	msg = EmailMessage()
	msg["From"] = headers.pop("From", "Иван Петров <ivan@karmet.kz>")
	msg["To"] = "support@xnet.kz"
	msg["Subject"] = headers.pop("Subject", "Не печатает принтер")
	for name, value in headers.items():
		msg[name.replace("_", "-")] = value
	msg.set_content("Здравствуйте")
	return msg


def test_a_person_writing_is_not_a_loop():
	assert loop_reason(message()) is None
	assert loop_reason(message(Auto_Submitted="no")) is None


@pytest.mark.parametrize(
	"headers",
	[
		{"Auto_Submitted": "auto-replied"},
		{"Auto_Submitted": "auto-generated"},
		{"X_Autoreply": "yes"},
		{"X_Autorespond": "Out of office"},
		{"X_Auto_Response_Suppress": "All"},
		{"Precedence": "bulk"},
		{"Precedence": "junk"},
		{"X_XNet_Helpdesk": "INC-2026-00001"},
		{"List_Id": "<staff.karmet.kz>"},
		{"From": "MAILER-DAEMON@mx.karmet.kz"},
		{"From": "noreply@bank.kz"},
		{"X_Failed_Recipients": "nobody@karmet.kz"},
	],
)
def test_machines_writing_are_loops(headers):
	assert loop_reason(message(**headers))


def test_our_own_mailbox_is_a_loop():
	assert loop_reason(message(From="support@xnet.kz"), {"Support@XNet.kz"}) == "sent by our own mailbox"


def test_incident_numbers_in_subjects():
	assert incident_numbers("Re: Инцидент INC-2026-00042 зарегистрирован (#INC-2026-00042)") == [
		"INC-2026-00042",
		"INC-2026-00042",
	]
	assert incident_numbers("re: inc-2026-00007 ещё вопрос") == ["INC-2026-00007"]
	assert incident_numbers("Счёт 2026-00042") == []


def test_thread_subject_adds_the_number_once():
	assert (
		thread_subject("Инцидент зарегистрирован", "INC-2026-00001")
		== "Инцидент зарегистрирован (#INC-2026-00001)"
	)
	assert (
		thread_subject("Инцидент INC-2026-00001 решён", "INC-2026-00001") == "Инцидент INC-2026-00001 решён"
	)


def test_domains():
	assert email_domain("Ivan@KarMet.KZ") == "karmet.kz"
	assert email_domain("nobody") is None
