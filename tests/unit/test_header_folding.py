"""Subjects keep their spaces when Frappe folds a queued message to send it (outgoing/header_folding.py).

Python's e-mail package can drop the space between two encoded words when it folds an unstructured header;
Frappe stores a queued e-mail with its headers unfolded and parses and writes it again to send it, which
is where the folding happens. These tests take that same path: build as Frappe builds (policy.SMTP, no
line limit), parse the stored text and write it as EmailQueue.send does, read it as a mail program does."""

import email
from email import policy
from email.mime.multipart import MIMEMultipart
from email.parser import Parser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xnet_helpdesk.outgoing import header_folding

# subjects the demo and the tests send, two of which Python 3.11 folds into "Photoshopна", "филиала,нужен"
SUBJECTS = [
	"Вам назначен инцидент INC-2026-00040: Установить Adobe Photoshop на рабочий компьютер",
	"Инцидент INC-2026-00012 решён: Не работает VPN до филиала, нужен доступ к 1С срочно сегодня",
	"Инцидент INC-2026-00040 зарегистрирован: Установить Adobe Photoshop на рабочий компьютер",
	"Өтінім INC-2026-00003 шешілді: Қарағанды филиалында VPN жұмыс істемейді, 1С базасына кіру жоқ",
	"Ticket INC-2026-00004 resolved: the printer in accounting does not print",
]


@pytest.fixture
def installed():
	header_folding.install()
	yield
	header_folding.uninstall()


def as_sent(subject: str) -> str:
	"""The message text as it leaves: built and stored as Frappe stores it, parsed and written again."""
	root = MIMEMultipart("mixed", policy=policy.SMTP)
	root["Subject"] = subject
	root["From"] = "Служба поддержки XNet <support@xnet.kz>"
	stored = root.as_string(policy=policy.SMTP)
	return Parser(policy=policy.SMTP).parsestr(stored).as_string()


def subject_read(text: str) -> str:
	"""As a mail program shows it (Python's reader keeps the blank of a value folded right after the colon)."""
	return str(email.message_from_string(text, policy=policy.default)["Subject"]).strip()


def header_lines(text: str) -> list[str]:
	return text.split("\r\n\r\n", 1)[0].split("\r\n")


def subject_lines(text: str) -> list[str]:
	lines = header_lines(text)
	start = next(i for i, line in enumerate(lines) if line.startswith("Subject:"))
	end = next((i for i in range(start + 1, len(lines)) if lines[i][:1] not in (" ", "\t")), len(lines))
	return lines[start:end]


@pytest.mark.parametrize("subject", SUBJECTS)
def test_the_client_reads_the_subject_as_it_was_written(installed, subject):
	sent = as_sent(subject)
	assert subject_read(sent) == subject
	assert max(len(line) for line in header_lines(sent)) <= 78


def test_what_python_folds_well_stays_byte_for_byte_as_python_folds_it(installed):
	kept = SUBJECTS[2]  # read back intact by Python's own folding
	with_fix = as_sent(kept)
	header_folding.uninstall()
	assert subject_lines(as_sent(kept)) == subject_lines(with_fix)


def test_uninstall_gives_python_its_own_folding_back(installed):
	before = policy.EmailPolicy.fold
	header_folding.install()  # idempotent: not wrapped twice
	assert policy.EmailPolicy.fold is before
	header_folding.uninstall()
	assert policy.EmailPolicy.fold is not before
	assert "fold_keeping_spaces" not in policy.EmailPolicy.fold.__qualname__


WORDS = st.one_of(
	st.sampled_from(
		[
			"Не",
			"работает",
			"на",
			"к",
			"VPN",
			"1С",
			"Adobe",
			"Photoshop",
			"INC-2026-00040:",
			"филиала,",
			"Қарағанды",
			"жұмыс",
			"—",
			"(Алматы)",
			"e-mail",
			"🙂",
		]
	),
	st.text(
		alphabet=st.characters(
			whitelist_categories=("Lu", "Ll", "Nd", "Po"), max_codepoint=0x4FF, blacklist_characters="\x00"
		),
		min_size=1,
		max_size=14,
	),
)


@settings(max_examples=300, derandomize=True, deadline=None)
@given(st.lists(WORDS, min_size=1, max_size=30))
def test_any_mix_of_scripts_and_words_reads_back_exactly(words):
	header_folding.install()
	try:
		subject = " ".join(words)
		sent = as_sent(subject)
	finally:
		header_folding.uninstall()
	assert subject_read(sent) == subject
	assert max(len(line) for line in header_lines(sent)) <= 78
