import pytest

from xnet_helpdesk.incident_flow.contact_details import (
	InvalidPhone,
	format_phone,
	normalize_domain,
	normalize_email,
	normalize_phone,
)


@pytest.mark.parametrize(
	"raw, expected",
	[
		("+7 (7212) 50-52-52", "+77212505252"),
		("8 7212 505252", "+77212505252"),
		("7212505252", "+77212505252"),
		("+7 727 225-52-52", "+77272255252"),
		("8 (701) 123 45 67", "+77011234567"),
		("77011234567", "+77011234567"),
		("0049 30 1234567", "+49301234567"),
		("+49 30 1234567", "+49301234567"),
	],
)
def test_phone_numbers_become_e164(raw, expected):
	assert normalize_phone(raw) == expected


@pytest.mark.parametrize(
	"raw",
	["", "   ", "12345", "+7 701 123", "call me", "+7 701 123 45 67 89", "7+7011234567", "+0 123 456 7890"],
)
def test_implausible_phone_numbers_are_refused(raw):
	with pytest.raises(InvalidPhone):
		normalize_phone(raw)


def test_email_is_trimmed_and_domain_lowered():
	assert normalize_email("  Ivan.Petrov@KarMet.KZ ") == "Ivan.Petrov@karmet.kz"


@pytest.mark.parametrize(
	"raw", ["", "ivan", "ivan@", "@karmet.kz", "ivan@@karmet.kz", "ivan@karmet", "a b@c.kz"]
)
def test_invalid_emails_are_refused(raw):
	assert normalize_email(raw) is None


def test_domains():
	assert normalize_domain("@KarMet.KZ ") == "karmet.kz"
	assert normalize_domain("mail.kazcorp.kz") == "mail.kazcorp.kz"
	assert normalize_domain("not a domain") is None
	assert normalize_domain("localhost") is None


@pytest.mark.parametrize(
	"stored, shown",
	[
		("+77212505252", "+7 7212 50 52 52"),  # Karaganda: 4-digit code
		("+77213985252", "+7 7213 98 52 52"),  # Temirtau
		("+77172555555", "+7 7172 55 55 55"),  # Astana
		("+77272255252", "+7 727 225 52 52"),  # Almaty: 3-digit code
		("+77011234567", "+7 701 123 45 67"),  # mobile
		("+77771234567", "+7 777 123 45 67"),
		("+4930123456", "+4930123456"),  # not Kazakhstan: as stored
		("8 7212 50 52 52", "8 7212 50 52 52"),  # not a stored number: as written
		("", ""),
	],
)
def test_format_phone(stored, shown):
	assert format_phone(stored) == shown
