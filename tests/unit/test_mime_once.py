"""Headers parsed and folded once per value (outgoing/mime_once.py): the messages are byte for byte what
the email package writes without it, however often a value repeats, and it is all undone afterwards."""

import random
import re
from email import policy
from email.generator import Generator
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import EmailPolicy

import pytest

from xnet_helpdesk.outgoing import mime_once

SUBJECTS = [
	"Инцидент INC-2026-00001 решён",
	"Инцидент INC-2026-00002 решён: очень длинная тема письма, чтобы она точно переносилась на несколько строк",
	"Ticket resolved",
	"Өтінім шешілді — INC-2026-00003 (Қарағанды)",
]
RECIPIENTS = [
	"Клиент Тест <client@example.kz>",
	"plain@example.kz",
	'"Surname, Name" <quoted@example.kz>, second@example.kz',
	"Ұлжан Әбдірахманқызы Сейітқасымова-Нұрланқызы <ulzhan.very.long.address@client-company.example.kz>",
]
TEXTS = [
	"Здравствуйте!\nВаш инцидент решён.\n",
	"line with trailing spaces   \n.\nFrom the start\n= equals =\n\tтаб\n" + "а" * 200,
	"",
	"emoji 🙂 and ́combining\r\nCRLF line\rCR line",
]


def message(i: int) -> str:
	"""An e-mail shaped as Frappe's (multipart/mixed > alternative > text, html) under policy.SMTP."""
	root = MIMEMultipart("mixed", policy=policy.SMTP)
	alternative = MIMEMultipart("alternative", policy=policy.SMTP)
	root.attach(alternative)
	text = TEXTS[i % len(TEXTS)]
	alternative.attach(MIMEText(text, "plain", "utf-8", policy=policy.SMTP))
	alternative.attach(MIMEText(f"<p>{text}</p>", "html", "utf-8", policy=policy.SMTP))
	root["Message-Id"] = f"<{i}.123@xnet-test.localhost>"
	root["X-Original-From"] = "Служба поддержки <support@test.xnet.kz>"
	root["Subject"] = SUBJECTS[i % len(SUBJECTS)]
	root["From"] = "Служба поддержки <support@test.xnet.kz>"
	root["To"] = RECIPIENTS[(i // 2) % len(RECIPIENTS)]
	root["Date"] = "Wed, 02 Dec 2026 06:59:26 -0000"
	root["Reply-To"] = "support@test.xnet.kz"
	root["X-Frappe-Site"] = "http://xnet-test.localhost:8000"
	return root.as_string(policy=policy.SMTP)


def same_boundaries(text: str) -> str:
	return re.sub(r"={15}\d+==(\.\d+)?", "BOUNDARY", text)


def test_the_messages_are_what_the_email_package_writes():
	expected = [same_boundaries(message(i)) for i in range(24)]
	with mime_once.headers_parsed_once():
		with mime_once.headers_parsed_once():  # nested: the outer one decides
			got = [same_boundaries(message(i)) for i in range(24)]
		again = [same_boundaries(message(i)) for i in range(24)]  # every value seen before
	assert got == expected
	assert again == expected


def test_each_value_is_parsed_once(monkeypatch):
	calls = []
	factory = policy.SMTP.header_factory
	real = type(factory).__call__
	monkeypatch.setattr(
		type(factory), "__call__", lambda self, name, value: calls.append(name) or real(self, name, value)
	)
	with mime_once.headers_parsed_once():
		message(0)
		first = len(calls)
		message(0)
		# the second message: only the boundaries (random) are new values
		assert len(calls) - first == 2
		assert set(calls[first:]) == {"Content-Type"}


def test_each_header_is_folded_once(monkeypatch):
	"""The generator folds with a clone of the policy for every message: the clone's settings are what
	count, not the object."""
	from email.headerregistry import BaseHeader

	folds = []
	real = BaseHeader.fold
	monkeypatch.setattr(
		BaseHeader, "fold", lambda self, *, policy: folds.append(self.name) or real(self, policy=policy)
	)
	with mime_once.headers_parsed_once():
		message(0)
		first = len(folds)
		message(0)
		assert sorted(folds[first:]) == ["Content-Type", "Content-Type"]


def test_a_boundary_that_occurs_in_the_text_is_chosen_again_as_the_package_does(monkeypatch):
	tokens = iter([7, 7, 7, 7])
	monkeypatch.setattr(random, "randrange", lambda _n: next(tokens))
	line = "--" + "=" * 15 + f"{7:019d}" + "=="
	with mime_once.headers_parsed_once():
		ours = Generator._make_boundary(f"text\n{line}\nmore")
	assert ours == "=" * 15 + f"{7:019d}" + "==.0"
	tokens = iter([7, 7])
	assert Generator._make_boundary(f"text\n{line}\nmore") == ours


def test_everything_is_restored_also_after_an_error():
	store, fold, boundary = (
		EmailPolicy.header_store_parse,
		EmailPolicy.fold,
		Generator.__dict__["_make_boundary"],
	)
	with pytest.raises(ValueError), mime_once.headers_parsed_once():
		MIMEText("x", "plain", "utf-8", policy=policy.SMTP)["Subject"] = "two\nlines"
	assert (EmailPolicy.header_store_parse, EmailPolicy.fold) == (store, fold)
	assert Generator.__dict__["_make_boundary"] is boundary
