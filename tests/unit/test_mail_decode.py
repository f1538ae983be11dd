"""Real-world mail read as it was meant (intake/mail_decode.py), on messages from other mail systems kept in
tests/mail_corpus (sources and licences in its README). No site needed."""

import csv
from email.message import EmailMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from pathlib import Path

import pytest

from xnet_helpdesk.intake.mail_decode import (
	body_of,
	decode_bytes,
	digest_id,
	header_text,
	no_reply_reason,
	parse,
	reply_to_of,
	sender_of,
	subject_of,
)
from xnet_helpdesk.intake.mail_rules import loop_reason

CORPUS = Path(__file__).resolve().parents[1] / "mail_corpus"


def sample(name: str):
	return parse((CORPUS / name).read_bytes())


# --------------------------------------------------------------------------- charsets that lie


def test_gb2312_label_on_gbk_text_is_read_as_gbk():
	"""A Chinese mail labelled GB2312 using GBK-only characters: Frappe's decoding drops them."""
	message = sample("mailparser-mail_test_12.eml")
	body = body_of(message)
	assert subject_of(message) == "代开各地增值税发票"
	assert "增值税发票" in body.text and "\ufffd" not in body.text
	assert sender_of(message).name == "张先生"


@pytest.mark.parametrize(
	"name, expected",
	[
		("mikel-error_emails-invalid_subject_characters.eml", "Formação FrenetikPolis"),
		("mikel-rfc6532-utf8_headers.eml", "Säying Hello"),
		("mikel-error_emails-trademark_character_in_subject.eml", "GA.comô has a lead"),
		("mikel-attachment_emails-attachment_pdf.eml", "Another PDF with 🎉 Unicode"),
	],
)
def test_raw_8bit_subjects_are_read_by_what_the_bytes_are(name, expected):
	subject = subject_of(sample(name))
	assert subject.startswith(expected) and "\ufffd" not in subject


def test_an_8bit_attachment_name_is_read_too():
	body = body_of(sample("mikel-attachment_emails-attachment_nonascii_filename.eml"))
	assert [attachment["fname"] for attachment in body.attachments] == ["ciële.txt"]


@pytest.mark.parametrize("name", ["thunderbird-sample04.eml", "thunderbird-sample05.eml"])
@pytest.mark.parametrize("relabelled", [False, True], ids=["as-labelled", "labels-swapped"])
def test_real_cyrillic_mail_whatever_its_label_says(name, relabelled):
	"""Thunderbird's koi8-r and windows-1251 samples, as sent and with the label swapped (cp1251 text
	labelled koi8-r and the reverse: what mail from Kazakhstan often carries)."""
	raw = (CORPUS / name).read_bytes()
	if relabelled:
		raw = (
			raw.replace(b"koi8-r", b"\0").replace(b"windows-1251", b"koi8-r").replace(b"\0", b"windows-1251")
		)
	message = parse(raw)
	assert subject_of(message) == "Алфавит"
	assert body_of(message).text.strip() == "Вопрос"


RUSSIAN = "Здравствуйте! Не работает принтер в бухгалтерии, ошибка при проведении документа."


@pytest.mark.parametrize(
	"written_in, labelled",
	[
		("cp1251", "koi8-r"),
		("cp1251", "iso-8859-1"),
		("cp1251", "us-ascii"),
		("koi8-r", "windows-1251"),
		("cp1251", None),
		("koi8-r", None),
		("cp866", None),
		("utf-8", "windows-1251"),
	],
)
def test_mislabelled_cyrillic_is_read_as_written(written_in, labelled):
	assert decode_bytes(RUSSIAN.encode(written_in), labelled) == RUSSIAN


def test_a_short_mislabelled_cyrillic_subject():
	raw = (
		b"Subject: =?koi8-r?B?"
		+ __import__("base64").b64encode("Сбой 1С: нет доступа".encode("cp1251"))
		+ b"?="
	)
	assert subject_of(parse(raw + b"\r\n\r\nx")) == "Сбой 1С: нет доступа"


def test_honest_labels_are_kept():
	assert decode_bytes("Grüße aus München".encode("cp1252"), "iso-8859-1") == "Grüße aus München"
	assert (
		decode_bytes("ВНИМАНИЕ! Сервер недоступен".encode("koi8-r"), "koi8-r")
		== "ВНИМАНИЕ! Сервер недоступен"
	)
	assert decode_bytes("まみむめも".encode("iso-2022-jp"), "iso-2022-jp") == "まみむめも"


@pytest.mark.parametrize(
	"name, expected",
	[
		("mikel-multi_charset-japanese_iso_2022.eml", "まみむめも"),
		("mikel-multi_charset-japanese_shift_jis.eml", None),
		("mikel-multi_charset-ks_c_5601-1987.eml", None),
		("mikel-plain_emails-raw_email10.eml", None),
		("mikel-error_emails-content_transfer_encoding_plain.eml", None),
	],
)
def test_no_replacement_characters_where_a_decoding_exists(name, expected):
	message = sample(name)
	body = body_of(message)
	assert "\ufffd" not in body.text + body.html + subject_of(message)
	if expected:
		assert expected in subject_of(message) + body.text


# --------------------------------------------------------------------------- text parts, attached mail


def test_text_parts_of_a_mixed_message_stay_beside_the_html():
	body = body_of(sample("mailparser-mail_test_14.eml"))
	html, content_type = body.content
	assert content_type == "text/html"
	assert "HTML here" in html and "Plaintext here." in html
	assert html.index("HTML here") < html.index("Plaintext here.")


def test_an_inline_text_part_after_an_alternative_is_kept():
	html, _type = body_of(sample("mailparser-mail_test_3.eml")).content
	assert "WatchGuard Firebox" in html


def test_alternatives_are_shown_once():
	message = MIMEMultipart("alternative")
	message.attach(MIMEText("plain version", "plain"))
	message.attach(MIMEText("<p>html version</p>", "html"))
	html, content_type = body_of(message).content
	assert content_type == "text/html" and "html version" in html and "plain version" not in html


def test_an_attached_email_is_kept_and_summed_up_not_put_in_place_of_the_body():
	body = body_of(sample("mikel-attachment_emails-attachment_message_rfc822.eml"))
	text, content_type = body.content
	assert content_type == "text/plain"
	assert [a["content_type"] for a in body.attachments] == ["message/rfc822"]
	attached = body.attachments[0]
	assert attached["fname"].endswith(".eml")
	assert parse(attached["fcontent"])["Subject"]  # the whole message, openable
	assert "Attached message:" in text and "> Subject:" in text
	own_text = text.split("Attached message:")[0]
	assert own_text.strip()  # the sender's own words are still there


def test_an_attached_email_inside_a_bounce_is_kept():
	body = body_of(sample("mikel-multipart_report_emails-multipart_report_multiple_status.eml"))
	assert any(a["fname"].endswith(".eml") for a in body.attachments)


# --------------------------------------------------------------------------- senders


def test_the_client_is_from_and_reply_to_is_where_answers_go():
	message = EmailMessage()
	message["From"] = "Айгуль Сапарова <a.saparova@karmet.kz>"
	message["Reply-To"] = "helpdesk-replies@karmet.kz"
	message.set_content("x")
	assert sender_of(message).address == "a.saparova@karmet.kz"
	assert reply_to_of(message) == "helpdesk-replies@karmet.kz"


def test_reply_to_in_a_real_message():
	message = sample("mikel-error_emails-must_supply_encoding.eml")
	assert sender_of(message).address == "info@here2there-travelers-msgs.net"
	assert reply_to_of(message).endswith("@reply.here2there-travelers-msgs.net")


@pytest.mark.parametrize(
	"name, address, malformed",
	[
		("mailparser-mail_test_18.eml", "comma.name@example.com", False),  # a comma inside an encoded name
		("mailparser-mail_test_19.eml", "bob@example.com", False),  # an address as the display name
		("mikel-plain_emails-mix_caps_content_type.eml", "", True),  # "Big Bug bb@bug.com"
		("mikel-plain_emails-raw_email_multiple_from.eml", "", True),  # two bare addresses
		("mikel-mime_emails-raw_email11.eml", "", True),  # a host without a domain
		("mikel-rfc6532-utf8_headers.eml", "", True),  # a UTF-8 address: kept as written
		("mikel-rfc2822-example13.eml", "", True),  # no From at all
	],
)
def test_real_senders(name, address, malformed):
	sender = sender_of(sample(name))
	assert (sender.address, sender.malformed) == (address, malformed)
	assert sender.as_written or not sample(name).get("From")


@pytest.mark.parametrize(
	"written, address",
	[
		("Иван Петров <ivan.petrov@karmet.kz.>", "ivan.petrov@karmet.kz"),
		("ivan petrov@karmet.kz", ""),
		('"Ivan Petrov" <ivan petrov@karmet.kz>', ""),
		("Бухгалтерия ТОО Кармет", ""),
	],
)
def test_malformed_senders_are_flagged_and_kept_as_written(written, address):
	sender = sender_of(parse(f"From: {written}\r\nSubject: x\r\n\r\nx".encode()))
	assert sender.malformed and sender.address == address
	assert sender.as_written == written


def test_a_junk_line_among_the_headers_does_not_hide_the_sender():
	message = sample("mikel-plain_emails-raw_email_incorrect_header.eml")
	assert sender_of(message).address == "xxx@xxx.xxx"
	assert subject_of(message).startswith("Stop adware")


# --------------------------------------------------------------------------- machines


@pytest.mark.parametrize(
	"name, reason",
	[
		("mikel-plain_emails-raw_email_trailing_dot.eml", "no-reply address"),
		("mikel-error_emails-encoding_madness.eml", "no-reply address"),
		("mikel-error_emails-empty_in_reply_to.eml", "List-Id"),
		("mailparser-mail_test_16.eml", "Precedence: junk"),
	],
)
def test_machine_mail_with_content_is_registered_flagged(name, reason):
	message = sample(name)
	assert loop_reason(message) is None
	assert no_reply_reason(message, sender_of(message).address) == reason


@pytest.mark.parametrize(
	"name",
	[
		"mailparser-mail_malformed_2.eml",
		"mikel-multipart_report_emails-report_530.eml",
		"mikel-multipart_report_emails-multi_address_bounce1.eml",
	],
)
def test_bounces_are_loops(name):
	assert loop_reason(sample(name))


# --------------------------------------------------------------------------- identity


def test_a_message_without_message_id_gets_one_from_its_digest():
	raw = (CORPUS / "mikel-multi_charset-japanese.eml").read_bytes()
	lf = raw.replace(b"\r\n", b"\n")
	assert digest_id(lf) == digest_id(b"Received: from relay\r\n" + lf.replace(b"\n", b"\r\n"))
	assert digest_id(raw) != digest_id(raw + b"\nmore")


def test_a_raw_8bit_message_id_is_text():
	"""Frappe's parser raised on it (a Header object where it expects a string), losing the whole pull."""
	message = parse("From: a@karmet.kz\r\nMessage-ID: <ид-1@karmet.kz>\r\n\r\nx".encode())
	assert message["Message-ID"] == "<ид-1@karmet.kz>"


def test_header_text_of_nothing():
	assert header_text(None) == ""


def test_the_corpus_expectations_name_every_file():
	with (CORPUS / "expectations.csv").open(encoding="utf-8") as handle:
		rows = list(csv.DictReader(handle))
	files = {path.name for path in CORPUS.glob("*.eml")}
	assert {row["file"] for row in rows} == files
	assert len(files) >= 60
	assert {row["outcome"] for row in rows} <= {"registered", "refused"}
