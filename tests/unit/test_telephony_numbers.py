"""Phone numbers as Kazakh callers, contacts and PBXs spell them, to E.164 (libphonenumber, region KZ)."""

import pytest

from xnet_helpdesk.telephony.numbers import display, extension, to_e164

KARAGANDA = "+77212505252"
ALMATY = "+77272255252"
MOBILE = "+77015551234"


@pytest.mark.parametrize(
	"raw, expected",
	[
		# the Karaganda multi-line number, every way it is written
		("+7 7212 50 52 52", KARAGANDA),
		("+7 (7212) 50-52-52", KARAGANDA),
		("8 (7212) 50-52-52", KARAGANDA),
		("8 7212 505252", KARAGANDA),
		("87212505252", KARAGANDA),
		("77212505252", KARAGANDA),
		("7212505252", KARAGANDA),
		("7212 50 52 52", KARAGANDA),
		(" 8-7212-50-52-52 ", KARAGANDA),
		("+7.7212.50.52.52", KARAGANDA),
		# Almaty
		("+7 727 225 52 52", ALMATY),
		("8 (727) 225-52-52", ALMATY),
		("727 225 52 52", ALMATY),
		("007 727 225 52 52", ALMATY),
		# mobiles: 8 7xx, +7 7xx, 7 7xx, 7xx
		("8 701 555 12 34", MOBILE),
		("8 (701) 555-12-34", MOBILE),
		("+7 701 555 12 34", MOBILE),
		("+7(701)5551234", MOBILE),
		("7 701 555 12 34", MOBILE),
		("701 555 12 34", MOBILE),
		("7015551234", MOBILE),
		("87015551234", MOBILE),
		("+77015551234", MOBILE),
		("+7 747 123 45 67", "+77471234567"),
		("8 777 000 11 22", "+77770001122"),
		# other countries keep theirs
		("+7 495 123 45 67", "+74951234567"),
		("+49 30 1234567", "+49301234567"),
		("0049 30 1234567", "+49301234567"),
		("+998 71 123 45 67", "+998711234567"),
	],
)
def test_kazakh_spellings_become_one_e164(raw, expected):
	assert to_e164(raw) == expected


@pytest.mark.parametrize(
	"raw",
	[
		None,
		"",
		"   ",
		"anonymous",
		"Unknown",
		"101",  # an extension
		"50-52-52",  # a city number without its area code
		"+7 8 701 555 12 3",  # the trunk 8 kept after +7, a digit short
		"call me",
		"+7 701 555 12 34 ext 5",
		"8 701 555 12 34 56 78 90 12",
		"+7 701 555 12 34; DROP TABLE",
		"7" * 80,
	],
)
def test_what_is_not_a_full_number_gives_none(raw):
	assert to_e164(raw) is None


def test_the_region_is_a_parameter_not_a_hard_coded_country():
	# a German PBX would read "030 1234567" as Berlin; in Kazakhstan it is no number
	assert to_e164("030 1234567", region="DE") == "+49301234567"
	assert to_e164("030 1234567") is None


@pytest.mark.parametrize("raw, expected", [("101", "101"), (" 2040 ", "2040"), ("1", None), ("+7701", None)])
def test_extensions(raw, expected):
	assert extension(raw) == expected


def test_display_is_readable():
	assert display(KARAGANDA) == "+7 7212 50 52 52"
	assert display("") == ""
