"""Phone numbers as callers and phone systems spell them, brought to E.164. No Frappe imports.

Kazakhstan's own numbering: "8 701 …" (national trunk prefix 8), "+7 701 …", "7 701 …" and "701 …" are one
number. Zammad's generic CTI normalises with a hard-coded country code; here the region is a parameter
(the site's, KZ by default) and the parsing is libphonenumber's.
"""

import re

import phonenumbers

DEFAULT_REGION = "KZ"
# what a PBX sends for a withheld number
ANONYMOUS = frozenset({"", "anonymous", "unknown", "private", "restricted", "unavailable", "withheld"})
_ALLOWED = re.compile(r"^[\d\s()+\-./]+$")
_EXTENSION = re.compile(r"^\d{2,6}$")
MAX_LENGTH = 64


def to_e164(raw: str | None, region: str = DEFAULT_REGION) -> str | None:
	"""'8 (7212) 50-52-52' -> '+77212505252'; None for what is not a possible full number (a withheld
	caller, an extension, a local number without its area code, text)."""
	text = (raw or "").strip()
	if text.lower() in ANONYMOUS or len(text) > MAX_LENGTH or not _ALLOWED.match(text):
		return None
	if text.startswith("00"):
		# the international prefix as most PBXs spell it (libphonenumber's KZ metadata expects 810)
		text = "+" + text[2:]
	try:
		number = phonenumbers.parse(text, region)
	except phonenumbers.NumberParseException:
		return None
	if not _plausible(number):
		return None
	return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _plausible(number: phonenumbers.PhoneNumber) -> bool:
	"""libphonenumber's validity, or the right length where its metadata may lag behind a newly opened
	range. In +7 that leeway is for Kazakhstan's own ranges (national numbers 7xx…) only: "+7 8 701 …"
	(the trunk prefix kept, a digit short) or "+7 030 …" is a typo, not a number."""
	if phonenumbers.is_valid_number(number):
		return True
	if number.country_code == 7 and not str(number.national_number).startswith("7"):
		return False
	return phonenumbers.is_possible_number(number)


def extension(raw: str | None) -> str | None:
	"""An internal extension ('101', ' 2040 ') as digits, or None."""
	text = (raw or "").strip()
	return text if _EXTENSION.match(text) else None


def display(e164: str | None, region: str = DEFAULT_REGION) -> str:
	"""'+77212505252' -> '+7 7212 50 52 52' (libphonenumber's international format)."""
	if not e164:
		return ""
	try:
		number = phonenumbers.parse(e164, region)
	except phonenumbers.NumberParseException:
		return e164
	return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
