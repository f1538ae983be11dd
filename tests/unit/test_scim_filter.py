"""SCIM filters through scim2-filter-parser: eq joined by and on userName, externalId, emails."""

import pytest

pytest.importorskip("scim2_filter_parser")

from xnet_helpdesk.scim.users import ScimError, parse_filter


@pytest.mark.parametrize(
	"text, expected",
	[
		('userName eq "a@b.kz"', [("userName", "a@b.kz")]),
		('USERNAME EQ "a"', [("userName", "a")]),
		('externalId eq "x1" and userName eq "u"', [("externalId", "x1"), ("userName", "u")]),
		('emails.value eq "a@b.kz"', [("emails", "a@b.kz")]),
		('emails[type eq "work" and value eq "a@b.kz"]', [("emails", "a@b.kz")]),
		('emails eq "a@b.kz"', [("emails", "a@b.kz")]),
	],
)
def test_supported(text, expected):
	assert parse_filter(text) == expected


@pytest.mark.parametrize(
	"text",
	[
		'userName sw "a"',
		'userName eq "a" or userName eq "b"',
		"userName eq",
		'title eq "x"',
		"(",
		'not (userName eq "a")',
	],
)
def test_refused_with_invalid_filter(text):
	with pytest.raises(ScimError) as error:
		parse_filter(text)
	assert error.value.status == 400 and error.value.scim_type == "invalidFilter"
