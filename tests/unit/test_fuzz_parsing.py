"""Generated bad input through the pure parsing of what clients send: mail headers as other mail systems
(and attackers) write them, phone numbers and addresses, the text clean-up. Nothing may raise; what comes
out is well-formed."""

import email
import re

from hypothesis import given
from hypothesis import strategies as st

from tests.harness.bad_values import FUZZ, active_markup, bad_text, bad_value
from xnet_helpdesk.incident_flow.contact_details import InvalidPhone, normalize_email, normalize_phone
from xnet_helpdesk.incident_flow.field_values import WrongType, single_value
from xnet_helpdesk.intake.mail_decode import no_reply_reason
from xnet_helpdesk.intake.mail_rules import (
	email_domain,
	header_text,
	incident_numbers,
	loop_reason,
	references,
	sender_address,
	thread_subject,
)
from xnet_helpdesk.intake.text import clean_text, excerpt, text_to_html

HEADERS = (
	"From",
	"Return-Path",
	"Reply-To",
	"Subject",
	"Auto-Submitted",
	"Precedence",
	"X-Autoreply",
	"X-Auto-Response-Suppress",
	"X-XNet-Helpdesk",
	"List-Id",
	"Content-Type",
	"References",
	"In-Reply-To",
)
# a header's bytes as they arrive: UTF-8 or a legacy charset without an encoded word, or any bytes at all
header_bytes = st.one_of(
	bad_text.map(lambda text: text.encode("utf-8", "surrogatepass")),
	bad_text.map(lambda text: text.encode("cp1251", "replace")),
	st.binary(max_size=300),
	st.sampled_from(
		[b"=?utf-8?b?0JjQstCw0L0=?= <ivan@karmet.kz>", b"=?koi8-r?q?=F0=D2=C9?=", b"=?x?q?", b"<>"]
	),
)
raw_headers = st.dictionaries(st.sampled_from(HEADERS), header_bytes, min_size=1, max_size=6)
PHONE = re.compile(r"^\+[0-9]{10,15}$")
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def raw_message(headers: dict) -> bytes:
	lines = [name.encode() + b": " + value for name, value in headers.items()]
	return b"\r\n".join([*lines, b"To: support@xnet.kz", b"", b"body"])


@FUZZ
@given(raw_headers)
def test_mail_headers_never_break_the_mail_rules(headers):
	message = email.message_from_bytes(raw_message(headers))
	reason = loop_reason(message, {"support@xnet.kz"})
	assert reason is None or isinstance(reason, str)
	sender = sender_address(message)
	assert isinstance(sender, str)
	assert email_domain(sender) is None or "@" not in email_domain(sender)
	subject = header_text(message, "Subject")
	assert isinstance(subject, str)
	assert all(re.fullmatch(r"INC-\d{4}-\d{5,}", number) for number in incident_numbers(subject))
	assert "INC-2026-00001" in thread_subject(subject, "INC-2026-00001")
	assert all(isinstance(ref, str) and ref for ref in references(message))


def test_raw_8bit_sender_and_precedence_are_read_not_raised():
	"""Regression: a From or Precedence header with raw UTF-8 bytes (no encoded word) comes back from
	Python's parser as a Header object, which the rules called .strip()/len() on."""
	message = email.message_from_bytes(
		"From: Иван <ivan@karmet.kz>\r\nPrecedence: auto_reply\r\nReferences: <a@b> <в@г>\r\n\r\nx".encode()
	)
	assert sender_address(message) == "ivan@karmet.kz"
	assert header_text(message, "From") == "Иван <ivan@karmet.kz>"
	assert loop_reason(message) == "Precedence: auto_reply"
	assert references(message) == ["a@b", "в@г"]


@FUZZ
@given(bad_text)
def test_phone_numbers_are_e164_ascii_or_refused(raw):
	try:
		phone = normalize_phone(raw)
	except InvalidPhone:
		return
	assert PHONE.match(phone), phone


def test_non_ascii_digits_are_not_a_phone_number():
	"""Regression: "\\d" matched every script's digits, so "٨٧٠١١٢٣٤٥٦٧" was stored as "+7٧٠١١٢٣٤٥٦٧"."""
	for raw in ("٨٧٠١١٢٣٤٥٦٧", "８７０１１２３４５６７", "+७७०१११२३४५६७"):
		try:
			phone = normalize_phone(raw)
		except InvalidPhone:
			continue
		assert PHONE.match(phone), phone


@FUZZ
@given(bad_text)
def test_addresses_are_single_valid_addresses_or_none(raw):
	address = normalize_email(raw)
	assert address is None or (address.count("@") == 1 and not CONTROL.search(address) and " " not in address)


@FUZZ
@given(bad_text)
def test_clean_text_is_plain_text_without_control_characters(raw):
	text = clean_text(raw, 2000)
	assert len(text) <= 2000
	assert not CONTROL.search(text), repr(text)
	assert not active_markup(text_to_html(text))
	shown, _cut = excerpt(text_to_html(text))
	assert isinstance(shown, str)


def test_clean_text_drops_nul_and_control_characters_keeps_lines_and_tabs():
	assert clean_text("a\x00b\x07c\x1b[31m\td\r\ne\x85") == "abc[31m\td\ne"


@FUZZ
@given(
	fieldtype=st.sampled_from(
		["Data", "Link", "Select", "Small Text", "Text Editor", "Int", "Check", "Datetime"]
	),
	value=bad_value,
)
def test_a_field_holds_a_single_value_or_is_refused(fieldtype, value):
	try:
		stored = single_value(fieldtype, value)
	except WrongType as wrong:
		assert isinstance(value, list | dict | bool) and wrong.kind in (
			"a list",
			"an object",
			"true or false",
		)
		return
	assert stored is None or isinstance(stored, str | int | float)
	if fieldtype in ("Data", "Link", "Select", "Small Text", "Text Editor", "Datetime"):
		assert stored is None or isinstance(stored, str)


def test_numbers_sent_for_text_are_their_digits():
	assert single_value("Data", 87011234567) == "87011234567"
	assert single_value("Check", True) == 1
	assert single_value("Int", 3) == 3


@FUZZ
@given(raw_headers)
def test_mail_headers_never_break_the_no_reply_rules(headers):
	message = email.message_from_bytes(raw_message(headers))
	reason = no_reply_reason(message, sender_address(message))
	assert reason is None or isinstance(reason, str)


def test_raw_8bit_precedence_is_read_by_the_no_reply_rules():
	"""Regression: a raw 8-bit Precedence (a Header object) raised in no_reply_reason: the message went to
	Unhandled Email instead of becoming an incident."""
	message = email.message_from_bytes("From: a@b.kz\r\nPrecedence: обычный\r\n\r\nx".encode())
	assert no_reply_reason(message, "a@b.kz") is None
	bulk = email.message_from_bytes("From: Иван <a@b.kz>\r\nPrecedence: bulk\r\n\r\nx".encode())
	assert no_reply_reason(bulk, "a@b.kz") == "Precedence: bulk"
