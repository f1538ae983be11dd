"""Incoming mail as other mail systems really write it: text decoded by the charset it really is in, every
text part kept, attached e-mails kept whole, odd senders read as written. No Frappe imports.

- Charsets lie: a GB2312 label on GBK text, raw 8-bit bytes in a header, cp1251 text labelled koi8-r or
  latin-1. A part is decoded by the declared charset's superset, or, when that is not what the bytes are,
  by the best-scoring of the usual single-byte readings, or by detection (charset-normalizer); a row of
  U+FFFD is the last resort, never the first.
- Every text part of a multipart/mixed message is kept in order, alongside the HTML.
- An attached e-mail (message/rfc822) stays an attachment (.eml) and gets a short quoted summary in the
  body; it never replaces the body.
"""

import codecs
import hashlib
import html
import math
import re
import unicodedata
from dataclasses import dataclass, field
from email.header import decode_header
from email.message import Message
from email.utils import getaddresses, parseaddr
from itertools import pairwise

# a declared charset → the one that decodes everything the label is (ab)used for
SUPERSETS = {
	"gb2312": "gb18030",
	"gbk": "gb18030",
	"euc_cn": "gb18030",
	"hz": "gb18030",
	"big5": "big5hkscs",
	"shift_jis": "cp932",
	"euc_kr": "cp949",
	"ascii": "cp1252",
	"latin_1": "cp1252",
	"iso8859_9": "cp1254",
	"iso8859_11": "cp874",
	"tis_620": "cp874",
}
# labels seen in the wild that Python does not know
ALIASES = {
	"ks_c_5601-1987": "cp949",
	"ks_c_5601": "cp949",
	"x-gbk": "gb18030",
	"windows-874": "cp874",
	"x-mac-cyrillic": "mac_cyrillic",
	"unicode-1-1-utf-7": "utf_7",
	"ansi_x3.4-1968": "ascii",
	"x-user-defined": "cp1252",
	"unknown-8bit": "",
	"x-unknown": "",
	"unknown": "",
	"none": "",
	"default": "",
}
# single-byte charsets a message from this region is really written in, whatever its label says
SINGLE_BYTE = ("cp1251", "koi8_r", "cp1252", "cp866", "iso8859_5", "koi8_u", "mac_cyrillic")
MULTI_BYTE = {"gb18030", "big5hkscs", "cp932", "cp949", "euc_jp", "euc_jis_2004", "utf_16", "utf_32"}

# letter frequencies of Russian text, per cent (the rest of Cyrillic counts as rare)
RUSSIAN = dict(
	zip(
		"оеаинтсрвлкмдпуяызьбгчйхжшюцщэфъё",
		(
			10.97,
			8.45,
			8.01,
			7.35,
			6.70,
			6.26,
			5.47,
			4.73,
			4.54,
			4.40,
			3.49,
			3.21,
			2.98,
			2.81,
			2.62,
			2.01,
			1.90,
			1.74,
			1.70,
			1.65,
			1.59,
			1.44,
			1.21,
			0.97,
			0.94,
			0.73,
			0.64,
			0.48,
			0.36,
			0.32,
			0.26,
			0.04,
			0.04,
		),
		strict=True,
	)
)
KAZAKH = set("әғқңөұүһі")
WORD = re.compile(r"\w+", re.UNICODE)


def codec_name(label: str | None) -> str | None:
	"""Python's name for a declared charset, None when there is no usable label."""
	label = (label or "").strip().strip("\"'").lower()
	label = ALIASES.get(label, label)
	if not label:
		return None
	try:
		return codecs.lookup(label).name.replace("-", "_")
	except LookupError:
		return None


def superset(name: str | None) -> str | None:
	return SUPERSETS.get(name, name) if name else None


def decode_bytes(data: bytes | None, declared: str | None = None) -> str:
	"""Text from bytes in a charset that may be missing, unknown or wrong; never U+FFFD where a decoding
	exists."""
	if not data:
		return ""
	if isinstance(data, str):
		return data
	name = codec_name(declared)
	wide = superset(name)
	if wide and (wide.startswith(("iso2022", "utf_16", "utf_32", "utf_7")) or wide in MULTI_BYTE):
		text = strict(data, wide)
		if text is not None:
			return text
	if data.isascii():
		return data.decode("ascii")
	text = strict(data, "utf_8")
	if text is not None:
		return text
	if wide is None or wide == "utf_8":
		return best_single_byte(data, [])
	if single_byte(wide):
		return best_single_byte(data, [wide])
	return detected(data) or data.decode(wide, "replace")


def single_byte(name: str) -> bool:
	return name in SINGLE_BYTE or name.startswith(
		("iso8859", "cp125", "koi8", "cp866", "mac_", "cp874", "latin", "cp437", "cp850", "ascii")
	)


def strict(data: bytes, name: str) -> str | None:
	try:
		return data.decode(name)
	except (UnicodeDecodeError, LookupError):
		return None


def best_single_byte(data: bytes, declared: list[str]) -> str:
	"""The reading of 8-bit text that looks most like writing: the declared charset first on a tie."""
	readings = []
	for order, name in enumerate(dict.fromkeys([*declared, *SINGLE_BYTE])):
		text = strict(data, name)
		if text is not None:
			# the declared charset wins a near tie
			bonus = 0.1 if name in declared else 0.0
			readings.append((-plausibility(text) - bonus, order, text))
	for found in detections(data):
		readings.append((-plausibility(found), len(readings) + 1, found))
	if not readings:
		return data.decode("cp1252", "replace")
	return min(readings)[2]


def detections(data: bytes, limit: int = 3) -> list[str]:
	"""charset-normalizer's readings, best first."""
	try:
		from charset_normalizer import from_bytes
	except ImportError:  # a dependency of requests, and of this app (pyproject.toml)
		return []
	return [str(match) for match in list(from_bytes(data))[:limit]]


def detected(data: bytes) -> str | None:
	found = detections(data, 1)
	return found[0] if found else None


def plausibility(text: str) -> float:
	"""How much a decoding looks like human writing: average log-frequency of its letters, less penalties
	for what wrong decodings produce (control characters, box drawing, Latin and Cyrillic mixed in a word,
	capitals inside a lower-case word, the Ã/Ð pairs of UTF-8 read as Latin-1)."""
	letters = score = penalty = 0.0
	for char in text:
		if char == "\ufffd":
			penalty += 8
			continue
		category = unicodedata.category(char)
		if category == "Cc" and char not in "\t\n\r\f":
			penalty += 6
		elif category.startswith("L"):
			letters += 1
			score += letter_weight(char)
		elif "\u2500" <= char <= "\u25ff" or char in "¤¦§¨¬¯°±²³´µ¶·¸¹º¼½¾":
			penalty += 3
		elif char == "№" or (category.startswith("S") and not char.isascii() and char not in "€₸"):
			penalty += 1
	for word in WORD.findall(text):
		scripts = {script(char) for char in word if char.isalpha()} - {"other"}
		if len(scripts) > 1 and not scripts <= {"han", "kana"}:
			penalty += 4
		penalty += 2 * sum(1 for before, char in pairwise(word) if char.isupper() and before.islower())
	return (score - penalty) / max(letters, 1)


def letter_weight(char: str) -> float:
	lower = char.lower()
	if lower.isascii():
		return math.log(4.0)
	if lower in RUSSIAN:
		return math.log(RUSSIAN[lower] + 0.1)
	if lower in KAZAKH:
		return math.log(1.0)
	if "\u0400" <= lower <= "\u04ff":
		return math.log(0.05)
	if "\u00c0" <= lower <= "\u024f":
		return math.log(1.5)
	if "\ufb50" <= lower <= "\ufeff" or "\u0600" <= lower <= "\u06ff":
		return math.log(0.05)  # Arabic presentation forms: what a wrong guess at Latin-1 text produces
	return math.log(1.5)


def script(char: str) -> str:
	if char.isascii() or "\u00c0" <= char <= "\u024f":
		return "latin"
	if "\u0400" <= char <= "\u04ff":
		return "cyrillic"
	if "\u4e00" <= char <= "\u9fff" or "\u3400" <= char <= "\u4dbf":
		return "han"
	if "\u3040" <= char <= "\u30ff":
		return "kana"
	if "\uac00" <= char <= "\ud7af" or "\u1100" <= char <= "\u11ff":
		return "hangul"
	return "other"


# ---------------------------------------------------------------------------------------------- headers


def header_text(value) -> str:
	"""A header as text: encoded words by their (superset) charset, raw 8-bit bytes by detection."""
	if value is None:
		return ""
	try:
		chunks = decode_header(value)
	except Exception:
		chunks = [(str(value), None)]
	out = []
	for chunk, charset in chunks:
		if isinstance(chunk, str):
			chunk = chunk.encode("ascii", "surrogateescape") if has_surrogates(chunk) else chunk
		out.append(decode_bytes(chunk, charset) if isinstance(chunk, bytes) else chunk)
	return "".join(out)


def has_surrogates(text: str) -> bool:
	return any("\udc80" <= char <= "\udcff" for char in text)


def raw_header(message: Message, name: str) -> str:
	"""A header as the sender wrote it (raw 8-bit bytes read by detection, encoded words left alone)."""
	value = message.get(name)
	if value is None:
		return ""
	if not isinstance(value, str):  # a Header for raw 8-bit bytes (compat32)
		return header_text(value)
	return value


def subject_of(message: Message) -> str:
	return " ".join(header_text(message.get("Subject")).split())


# ---------------------------------------------------------------------------------------------- senders

# a usable address: a local part without spaces or specials, a domain of dotted labels (RFC 6532 allows
# non-ASCII letters in both)
ADDRESS = re.compile(r"^[^@\s<>()\[\],;:\"]+@[^\W_](?:[\w-]*[^\W_])?(?:\.[^\W_](?:[\w-]*[^\W_])?)+$")


@dataclass
class Sender:
	address: str  # usable address, lower-case, or ""
	name: str
	as_written: str  # the From header decoded, kept when the address had to be repaired or is missing
	malformed: bool = False


def sender_of(message: Message) -> Sender:
	"""The From address (never Reply-To): repaired when the mistake is obvious (a trailing dot), else none
	and the header kept as written for the operator (spaces in the local part, a display name alone)."""
	raw = raw_header(message, "From")
	written = " ".join(header_text(raw).split())
	name, address = parseaddr(raw)
	bracketed = re.search(r"<([^<>]*)>\s*$", written)
	if bracketed and (not address or "@" in bracketed.group(1)):
		# parseaddr gives up on some real headers, or takes an address written as the display name
		address = bracketed.group(1)
	address = address.strip()
	name = " ".join(header_text(name).split()).strip("\"' ")
	repaired = address.rstrip(".").strip()
	# a usable address is ASCII: RFC 6532's UTF-8 addresses are kept as written (Frappe stores none)
	if repaired and repaired.isascii() and ADDRESS.match(repaired) and not has_space(written, address):
		return Sender(repaired.lower(), name, written, malformed=repaired.lower() != address.lower())
	if not name:
		name = written.partition("<")[0].strip().strip("\"'")
	return Sender("", name, written, malformed=True)


def has_space(written: str, address: str) -> bool:
	"""A local part with spaces in it ("ivan petrov@host") that parseaddr glued together."""
	if not address or "@" not in address:
		return False
	local = address.partition("@")[0]
	return local not in written and bool(re.search(r"\S\s+\S*@", written.replace("<", " <")))


def reply_to_of(message: Message) -> str:
	"""Where answers go: the Reply-To addresses, as a comma-separated list (empty when there is none)."""
	value = header_text(raw_header(message, "Reply-To"))
	addresses = [address.lower() for _name, address in getaddresses([value]) if ADDRESS.match(address)]
	return ", ".join(dict.fromkeys(addresses))


# ---------------------------------------------------------------------------------------------- no reply

AUTO_GENERATED = {"auto-generated", "auto-notified"}
NO_REPLY_LOCAL = re.compile(r"^(no-?reply|do-?not-?reply|noreply)([-+._].*)?@", re.IGNORECASE)


def no_reply_reason(message: Message, sender: str) -> str | None:
	"""Why a message that is registered cannot be answered (machine-sent, a list), or None. Decided on its
	headers; a no-reply address alone says the same."""
	# raw_header: a header with raw 8-bit bytes is a Header object, not a str (it had no .strip())
	auto = re.split(r"[\s;(]", raw_header(message, "Auto-Submitted").strip().lower())[0]
	if auto in AUTO_GENERATED:
		return f"Auto-Submitted: {auto}"
	precedence = raw_header(message, "Precedence").strip().lower()
	if precedence in {"bulk", "list", "junk"}:
		return f"Precedence: {precedence}"
	for header in ("List-Id", "List-Unsubscribe", "List-Post"):
		if message.get(header):
			return header
	if NO_REPLY_LOCAL.match(sender or ""):
		return "no-reply address"
	return None


# ---------------------------------------------------------------------------------------------- body


@dataclass
class Body:
	text: str = ""  # every text part, in order, as plain text
	html: str = ""  # the HTML a reader sees: HTML parts and the text parts between them, in order
	attachments: list = field(default_factory=list)  # {fname, fcontent, content_type, cid}
	attached_messages: list = field(default_factory=list)  # summaries of attached e-mails

	@property
	def content(self) -> tuple[str, str]:
		if self.html:
			return self.html, "text/html"
		return self.text, "text/plain"


def parse(raw: bytes | str) -> Message:
	"""The message as Python's parser reads it; a stray line among the headers (which makes the parser
	take the rest, From and Subject included, for the body) is dropped and the message read again."""
	from email import message_from_bytes

	if isinstance(raw, str):
		raw = raw.encode("utf-8", "surrogateescape")
	message = message_from_bytes(raw)
	if not message.get("From") and any(
		type(defect).__name__ == "MissingHeaderBodySeparatorDefect" for defect in message.defects
	):
		repaired = repair_headers(raw)
		message = message_from_bytes(repaired) if repaired != raw else message
	return text_headers(message)


# headers Frappe reads as plain strings (a raw 8-bit Message-ID made its parser raise and lose the pull)
TEXT_HEADERS = ("Message-ID", "In-Reply-To", "References", "Date", "X-Original-From", "isnotification")


def text_headers(message: Message) -> Message:
	for name in TEXT_HEADERS:
		value = message.get(name)
		if value is not None and not isinstance(value, str):
			message.replace_header(name, header_text(value))
	return message


HEADER_LINE = re.compile(rb"^[!-9;-~]+:|^[ \t]")


def repair_headers(raw: bytes) -> bytes:
	lines = raw.split(b"\n")
	end = next((index for index, line in enumerate(lines) if not line.strip(b"\r")), len(lines))
	head = [line for line in lines[:end] if HEADER_LINE.match(line)]
	if not head:
		return raw
	# a stray word in front of a header ("quite Delivered-To: ...") is dropped with it
	return b"\n".join(head + lines[end:])


def body_of(message: Message) -> Body:
	body = Body()
	segments: list[tuple[str, str]] = []
	collect(message, body, segments)
	body.text = "\n\n".join(text for kind, text in segments if kind == "text" and text.strip())
	if any(kind == "html" for kind, _text in segments):
		body.html = "\n".join(
			text if kind == "html" else f"<div>{text_to_html(text)}</div>"
			for kind, text in segments
			if text.strip()
		)
	return body


def collect(part: Message, body: Body, segments: list, depth: int = 0) -> None:
	content_type = part.get_content_type()
	if depth > 30:
		return
	if content_type in ("message/rfc822", "message/global") and not is_attachment_file(part):
		attach_message(part, body, segments)
		return
	if part.is_multipart():
		children = [child for child in part.get_payload() if isinstance(child, Message)]
		if content_type == "multipart/alternative" and children:
			children = [best_alternative(children)]
		for child in children:
			collect(child, body, segments, depth + 1)
		return
	if content_type in ("text/plain", "text/html") and not is_attachment_file(part):
		text = decode_bytes(payload_bytes(part), part.get_content_charset())
		segments.append(("html" if content_type == "text/html" else "text", text))
		return
	if content_type in ("message/rfc822", "message/global"):
		attach_message(part, body, segments)
		return
	data = payload_bytes(part)
	if data:  # an empty part has nothing to keep (and Frappe stores no empty file)
		add_attachment(body, part, data)


def best_alternative(children: list) -> Message:
	"""The richest alternative a reader would see: HTML (or a multipart holding it), else the last one."""
	for child in reversed(children):
		if child.get_content_type() == "text/html" or (child.is_multipart() and has_html(child)):
			return child
	return children[-1]


def has_html(part: Message) -> bool:
	return any(sub.get_content_type() == "text/html" for sub in part.walk())


def is_attachment_file(part: Message) -> bool:
	disposition = (part.get_content_disposition() or "").lower()
	return disposition == "attachment" and bool(part.get_filename())


def payload_bytes(part: Message) -> bytes:
	try:
		data = part.get_payload(decode=True)
	except Exception:
		data = None
	if data is None:
		payload = part.get_payload()
		if isinstance(payload, str):
			data = payload.encode("utf-8", "surrogateescape")
	return data or b""


def filename_of(part: Message, content_type: str, index: int) -> str:
	try:
		name = part.get_filename() or part.get_param("name")
	except Exception:
		name = None
	if isinstance(name, tuple):  # RFC 2231 with an unknown charset
		name = decode_bytes(name[2].encode("latin-1", "replace"), name[0])
	name = header_text(name) if name else ""
	if "\ufffd" in name or has_surrogates(name):
		name = raw_filename(part) or name.replace("\ufffd", "_")
	name = " ".join(name.replace("\\", "/").rpartition("/")[2].split())
	if not name:
		extension = {
			"message/rfc822": ".eml",
			"text/plain": ".txt",
			"text/html": ".html",
			"application/pdf": ".pdf",
			"image/png": ".png",
			"image/jpeg": ".jpg",
			"image/gif": ".gif",
		}.get(content_type, ".bin")
		name = f"attachment-{index}{extension}"
	return name[:140]


def raw_filename(part: Message) -> str:
	"""A file name written in raw 8-bit bytes, read by detection like any other text."""
	for header in ("Content-Disposition", "Content-Type"):
		value = header_text(part.get(header))
		match = re.search(r"\b(?:file)?name\s*=\s*\"?([^\";]+)", value, re.IGNORECASE)
		if match:
			return match.group(1).strip()
	return ""


def add_attachment(body: Body, part: Message, data: bytes, content_type: str | None = None) -> None:
	content_type = content_type or part.get_content_type()
	name = filename_of(part, content_type, len(body.attachments) + 1)
	taken = {attachment["fname"] for attachment in body.attachments}
	if name in taken:
		stem, dot, extension = name.rpartition(".")
		stem, extension = (stem, f".{extension}") if dot else (name, "")
		number = 2
		while f"{stem}-{number}{extension}" in taken:
			number += 1
		name = f"{stem}-{number}{extension}"
	body.attachments.append(
		{
			"fname": name,
			"fcontent": data,
			"content_type": content_type,
			"cid": (str(part.get("Content-ID") or "")).strip().strip("<>"),
		}
	)


def attach_message(part: Message, body: Body, segments: list) -> None:
	"""An attached e-mail: kept whole as an .eml file, summed up (sender, subject, date, first lines)."""
	inner = part.get_payload(0) if part.is_multipart() else None
	if isinstance(inner, Message):
		try:
			data = inner.as_bytes()
		except Exception:
			data = payload_bytes(part)
	else:
		data = payload_bytes(part)
		from email import message_from_bytes

		inner = message_from_bytes(data)
	subject = subject_of(inner) or "message"
	if not part.get_filename():
		safe = re.sub(r"[^\w\- .]+", "_", subject)[:80].strip() or "message"
		part.set_param("name", f"{safe}.eml")
	add_attachment(body, part, data, "message/rfc822")
	summary = summary_of(inner)
	body.attached_messages.append(summary)
	segments.append(("text", summary))


def summary_of(inner: Message, lines: int = 8) -> str:
	heads = []
	for name, label in (("From", "From"), ("Date", "Date"), ("Subject", "Subject")):
		value = " ".join(header_text(raw_header(inner, name)).split())
		if value:
			heads.append(f"> {label}: {value}")
	inner_body = body_of(inner)
	text = inner_body.text or strip_tags(inner_body.html)
	quoted = [f"> {line}" for line in text.strip().splitlines()[:lines]]
	return "\n".join(["Attached message:", *heads, ">", *quoted]).rstrip("> \n")


def strip_tags(value: str) -> str:
	return html.unescape(re.sub(r"<[^>]+>", " ", re.sub(r"(?is)<(script|style).*?</\1>", " ", value or "")))


def text_to_html(text: str) -> str:
	return "<br>\n".join(html.escape(line, quote=False) for line in (text or "").splitlines())


# ---------------------------------------------------------------------------------------------- identity


def digest_id(raw: bytes | str) -> str:
	"""A stable Message-ID for a message that has none: the same message fetched twice gets the same one.
	The trace headers a server adds on the way (Received, Delivered-To, Return-Path, X-*) are left out."""
	if isinstance(raw, str):
		raw = raw.encode("utf-8", "surrogateescape")
	raw = raw.replace(b"\r\n", b"\n")
	head, _sep, rest = raw.partition(b"\n\n")
	kept = []
	for line in re.split(rb"\n(?![ \t])", head):
		name = line.partition(b":")[0].strip().lower()
		if name in (b"received", b"delivered-to", b"return-path", b"status", b"x-status") or name.startswith(
			b"x-"
		):
			continue
		kept.append(line)
	digest = hashlib.sha256(b"\n".join(kept) + b"\n\n" + rest.rstrip()).hexdigest()[:40]
	return f"{digest}@digest.xnet-helpdesk"
