"""Normalising what callers tell us: phone numbers and e-mail addresses. No Frappe imports."""

import re

_EMAIL = re.compile(
	r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)
_DOMAIN = re.compile(r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


class InvalidPhone(ValueError):
	pass


def normalize_phone(raw: str, default_country_code: str = "7") -> str:
	"""Return a phone number in E.164 form, e.g. "+7 (7212) 50-52-52" -> "+77212505252".

	Kazakhstan numbers written nationally ("8 7212 505252") or without the prefix ("7212505252")
	get the +7 country code. Raises InvalidPhone for anything that is not a plausible number.
	"""
	# any space (a no-break space pasted from a document) is a space; digits are ASCII digits only: "\d"
	# matches every script's digits, which no phone system dials
	text = re.sub(r"\s", " ", raw or "").strip()
	if not text:
		raise InvalidPhone("empty")
	if re.search(r"[^0-9 ()+\-.]", text):
		raise InvalidPhone(raw)
	if text.count("+") > 1 or ("+" in text and not text.startswith("+")):
		raise InvalidPhone(raw)
	digits = re.sub(r"[^0-9]", "", text)
	if text.startswith("+"):
		number = digits
	elif text.startswith("00"):
		number = digits[2:]
	elif len(digits) == 11 and digits[0] == "8" and default_country_code == "7":
		number = "7" + digits[1:]
	elif len(digits) == 11 and digits[0] == "7":
		number = digits
	elif len(digits) == 10:
		number = default_country_code + digits
	else:
		number = digits
	if not 10 <= len(number) <= 15 or number[0] == "0":
		raise InvalidPhone(raw)
	if number.startswith("7") and len(number) != 11:
		raise InvalidPhone(raw)
	return "+" + number


# Kazakhstan's 10-digit national numbers: mobile operators (70x, 747, 75x, 76x, 77x) and Almaty (727) have
# 3-digit codes and 7-digit subscriber numbers; the other cities 4-digit codes (7212 Karaganda, 7172 Astana)
_KZ_THREE_DIGIT_CODES = re.compile(r"^(70\d|727|747|75\d|76\d|77\d)")


def format_phone(number: str) -> str:
	"""A stored (E.164) number as people read it: "+77212505252" -> "+7 7212 50 52 52",
	"+77272255252" -> "+7 727 225 52 52", "+77011234567" -> "+7 701 123 45 67". Other countries' numbers,
	and text that is not a stored number, come back as they are."""
	text = (number or "").strip()
	if not re.fullmatch(r"\+7\d{10}", text):
		return text
	national = text[2:]
	code_length = 3 if _KZ_THREE_DIGIT_CODES.match(national) else 4
	code, subscriber = national[:code_length], national[code_length:]
	head = subscriber[:-4]
	return f"+7 {code} {head} {subscriber[-4:-2]} {subscriber[-2:]}"


def normalize_email(raw: str) -> str | None:
	"""Lower-cased, trimmed address, or None when it is not a valid single address."""
	text = (raw or "").strip()
	if not text or len(text) > 254 or not _EMAIL.match(text):
		return None
	local, _, domain = text.rpartition("@")
	return f"{local}@{domain.lower()}"


def normalize_domain(raw: str) -> str | None:
	"""A bare e-mail domain ("@KazCorp.KZ " -> "kazcorp.kz"), or None when it is not one."""
	text = (raw or "").strip().lower().lstrip("@")
	return text if _DOMAIN.match(text) else None
