"""One bleach Cleaner for a chunk's Communications (outages/chunk_mail.one_cleaner): Frappe's sanitize_html
gives the same text as with a new Cleaner per call, and the Cleaner is built once."""

import bleach
from frappe.utils.html_utils import sanitize_html

from xnet_helpdesk.outages.chunk_mail import one_cleaner

TEXTS = [
	'<p>Ваше обращение «Принтер» решено.</p><a href="https://x.kz/i?t=A&stars=5#rate">★</a>',
	"<p onclick='steal()'>click</p><script>alert(1)</script><img src=x onerror=alert(1)>",
	'<p style="color: red; position: fixed; background: url(javascript:x)">styled</p>',
	'<a href="javascript:alert(1)">js</a><a href="mailto:a@b.kz">mail</a><a href="cid:logo">cid</a>',
	'<svg viewBox="0 0 10 10"><circle cx="5" cy="5" r="4" onload="x()"/></svg><!-- kept -->',
	"<div data-list='checked'>& < > \" ' «»</div>",
	"plain text, no tags & nothing to clean",
]


def test_the_same_sanitised_html_with_one_cleaner(monkeypatch):
	expected = [sanitize_html(text) for text in TEXTS]
	built = []
	real = bleach.Cleaner
	monkeypatch.setattr(bleach, "Cleaner", lambda *a, **k: built.append(k) or real(*a, **k))
	with one_cleaner():
		assert [sanitize_html(text) for text in TEXTS * 3] == expected * 3
	assert len(built) == 1
	assert [sanitize_html(text) for text in TEXTS] == expected
	assert (
		len(built) == 1 + len(TEXTS) - 1
	)  # as shipped again: a Cleaner per call (the plain text needs none)


def test_settings_that_cannot_be_compared_get_their_own_cleaner():
	seen = []

	def closing_over(tag, name, value):
		return name in seen or name == "href"

	with one_cleaner():
		assert bleach.clean('<a href="x" title="t">a</a>', attributes=closing_over) == '<a href="x">a</a>'
		assert bleach.clean('<a href="x" title="t">a</a>', tags={"a"}, attributes={"a": ["title"]}) == (
			'<a title="t">a</a>'
		)
		assert bleach.clean("<b>x</b>", {"i"}, {}, {"http"}, True) == "x"  # positional: as shipped
