"""Premailer's parsed CSS kept per process (outgoing/premailer_rules.py): the inlined HTML is byte for byte
what Premailer gives without it, for every message, and the CSS is parsed once."""

import pytest

premailer = pytest.importorskip("premailer")

from xnet_helpdesk.outgoing import premailer_rules

CSS = """
body { font-family: sans-serif; color: #333 }
p, li { margin: 0 0 8px; line-height: 1.4 }
.button { background: #2490ef; color: #fff !important; padding: 6px 12px }
a:hover { text-decoration: underline }
table td.label { font-weight: bold; width: 30% }
#footer { font-size: 11px }
@media (max-width: 600px) { .wrapper { width: 100% !important } }
"""


def message(body: str) -> str:
	return f"<html><head><style>{CSS}</style></head><body><div class='wrapper'>{body}</div></body></html>"


MESSAGES = [
	message("<p>Инцидент <b>INC-1</b> решён.</p><a class='button' href='https://x/1'>Оценить</a>"),
	message("<table><tr><td class='label'>Статус</td><td>Решён</td></tr></table><p id='footer'>—</p>"),
	message("<ul><li>один</li><li>два</li></ul><p style='color: red'>свой стиль</p>"),
	message("<p>пусто</p>"),
]


def inline(html: str) -> str:
	return premailer.Premailer(html=html, strip_important=False).transform()


@pytest.fixture
def shipped():
	premailer_rules.uninstall()
	yield
	premailer_rules.uninstall()


def test_same_html_as_premailer_for_every_message(shipped):
	expected = [inline(html) for html in MESSAGES]
	premailer_rules.install()
	premailer_rules.install()  # idempotent
	for _ in range(2):  # the second round comes from the cache
		assert [inline(html) for html in MESSAGES] == expected
	# the media query Premailer cannot inline is still kept in the message
	assert "max-width: 600px" in expected[0] or "max-width:600px" in expected[0]


def test_the_css_is_parsed_once(shipped, monkeypatch):
	calls = []
	real = premailer.premailer.cssutils.parseString
	monkeypatch.setattr(
		premailer.premailer,
		"_cache_parse_css_string",
		lambda css, validate=True: calls.append(css) or real(css),
	)
	premailer_rules.install()
	for html in MESSAGES:
		inline(html)
	assert len(calls) == 1
	premailer_rules.uninstall()
	inline(MESSAGES[0])
	assert len(calls) == 2  # as shipped: parsed for every message


def test_options_are_part_of_the_key(shipped):
	premailer_rules.install()
	kept = premailer.Premailer(html=MESSAGES[0], strip_important=False).transform()
	stripped = premailer.Premailer(html=MESSAGES[0], strip_important=True).transform()
	assert "!important" in kept and "!important" not in stripped.split("</style>")[-1]
