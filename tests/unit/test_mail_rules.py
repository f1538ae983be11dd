from email.message import EmailMessage

import pytest

from xnet_helpdesk.intake.mail_decode import no_reply_reason
from xnet_helpdesk.intake.mail_rules import (
	email_domain,
	incident_numbers,
	loop_reason,
	sender_address,
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
		{"X_Autoreply": "yes"},
		{"X_Autorespond": "Out of office"},
		{"X_Auto_Response_Suppress": "All"},
		{"Precedence": "auto_reply"},
		{"X_XNet_Helpdesk": "INC-2026-00001"},
		{"From": "MAILER-DAEMON@mx.karmet.kz"},
		{"X_Failed_Recipients": "nobody@karmet.kz"},
	],
)
def test_machines_answering_are_loops(headers):
	assert loop_reason(message(**headers))


@pytest.mark.parametrize(
	"headers",
	[
		{"Auto_Submitted": "auto-generated"},
		{"Auto_Submitted": "auto-generated (failure)", "From": "orders@shop.kz"},
		{"Precedence": "bulk"},
		{"Precedence": "junk"},
		{"List_Id": "<staff.karmet.kz>"},
		{"From": "noreply@bank.kz"},
		{"From": "do-not-reply@1c.kz"},
	],
)
def test_machine_mail_with_content_is_registered_but_cannot_be_answered(headers):
	"""Orders, system notices, lists: not loops (they were dropped), but nobody to e-mail back."""
	msg = message(**headers)
	assert loop_reason(msg) is None
	assert no_reply_reason(msg, sender_address(msg))


def test_a_person_can_be_answered():
	msg = message()
	assert no_reply_reason(msg, sender_address(msg)) is None


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
