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
.table td, .table.table-bordered th { border: 1px solid #ddd }
.btn.btn-primary { color: #fff }
.ql-editor li[data-list=checked] > .ql-ui { color: green }
.list:not(.plain) li { padding-left: 4px }
.sm\\:flex { display: flex }
.unused .never { color: pink }
@media (max-width: 600px) { .wrapper { width: 100% !important } }
"""


def message(body: str) -> str:
	return f"<html><head><style>{CSS}</style></head><body><div class='wrapper'>{body}</div></body></html>"


MESSAGES = [
	message("<p>Инцидент <b>INC-1</b> решён.</p><a class='button' href='https://x/1'>Оценить</a>"),
	message("<table><tr><td class='label'>Статус</td><td>Решён</td></tr></table><p id='footer'>—</p>"),
	message("<ul><li>один</li><li>два</li></ul><p style='color: red'>свой стиль</p>"),
	message("<p>пусто</p>"),
	# the names the rules need: all, some (a descendant rule whose ancestor class is missing), none
	message("<table class='table table-bordered'><tr><th>A</th><td>B</td></tr></table>"),
	message("<a class='btn btn-primary'>Да</a><a class='btn'>Нет</a><p class='never'>-</p>"),
	message(
		"<div class='ql-editor'><ol><li data-list='checked'><span class='ql-ui'>✓</span></li></ol></div>"
	),
	message("<ul class='list'><li>a</li></ul><ul class='list plain'><li>b</li></ul>"),
	message("<div class='sm:flex'>x</div>"),
	# a class written with a character reference: the name is not in the source as such
	message("<a class='btn btn&#45;primary'>Да</a><td class='label'>x</td>"),
	message('<a class="btn btn-primary">Да</a><!-- .unused .never -->'),
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


def test_rules_whose_names_a_message_lacks_are_not_tried(shipped, monkeypatch):
	"""Only what can match is matched: a rule naming a class the message does not use is left out."""
	premailer_rules.install()
	tried = []
	real = premailer.premailer._create_cssselector
	monkeypatch.setattr(premailer.premailer, "_create_cssselector", lambda s: tried.append(s) or real(s))
	inline(message("<p>Инцидент решён.</p>"))
	assert "p" in tried and "body" in tried
	assert not {".button", ".btn.btn-primary", ".unused .never", "table td.label"} & set(tried)
	tried.clear()
	inline(MESSAGES[-2])  # the character reference: every rule is tried
	assert ".btn.btn-primary" in tried


def test_which_names_a_selector_needs():
	assert premailer_rules.needed_names(".table.table-bordered th") == ("table", "table-bordered")
	assert premailer_rules.needed_names("#footer > p.x") == ("footer", "x")
	assert premailer_rules.needed_names(".ql-editor li[data-list=ordered].ql-indent-1") == (
		"ql-editor",
		"ql-indent-1",
	)
	assert premailer_rules.needed_names("body") == ()
	for unplain in (".list:not(.plain) li", ".sm\\:flex", "a:first-child", "*"):
		assert premailer_rules.needed_names(unplain) is None
