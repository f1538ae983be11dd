"""Premailer replayed per shape of e-mail (outgoing/inline_once.py): every e-mail's HTML is what Premailer gives
it, whatever its text and links; Premailer runs for the first two of a shape only; a shape whose replay does
not match Premailer is never replayed."""

import pytest

premailer = pytest.importorskip("premailer")

from xnet_helpdesk.outgoing import inline_once

CSS = """
body { font-family: sans-serif; color: #333 }
p { margin: 0 0 8px }
.email-body td { padding: 4px; width: 50% }
.btn.btn-primary { background-color: #2490ef; color: #fff }
table.body-table { background-color: #fff; width: 600px }
li[data-list=checked] > .ql-ui { color: green }
a:hover { text-decoration: underline }
@media (max-width: 600px) { .email-body { padding: 0 !important } }
"""


@pytest.fixture
def css(tmp_path):
	path = tmp_path / "email.css"
	path.write_text(CSS)
	return str(path)


def frappe_like(css_path):
	"""Frappe's inline_style_in_html, its external e-mail CSS a file (Premailer looked up when called)."""

	def inline(html):
		from premailer import Premailer

		return Premailer(
			html=html, external_styles=[css_path], strip_important=False, allow_loading_external_files=True
		).transform()

	return inline


def email(number: int, name: str, extra: str = "") -> str:
	return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Инцидент {number}</title></head>
<body><table class="body-table"><tr><td>
<div class="email-body"><table><tr><td>Здравствуйте, {name}!</td><td style="color: red">№ {number}</td></tr></table>
<p>Ваш инцидент <b>INC-{number}</b> решён.</p>
<a class="btn btn-primary" href="https://support.example/incident?t=token{number}&stars=5">Оценить</a>
<img src="https://support.example/pixel/{number}.png" alt="{name}">
<ol><li data-list="checked"><span class="ql-ui"></span>{name}</li></ol>{extra}
</div></td></tr></table></body></html>"""


def test_every_email_is_what_premailer_gives_it(css):
	shipped = frappe_like(css)
	messages = [email(n, name) for n, name in enumerate(["Айгуль", "Ержан", "Ann & Bob", "<Марат>", "Ő"] * 4)]
	expected = [shipped(html) for html in messages]
	inliner = inline_once.Inliner(shipped)
	assert [inliner(html) for html in messages] == expected
	# Premailer for the first two (record, check), the rest replayed
	assert inliner.stats == {"premailer": 2, "replayed": len(messages) - 2}


def test_another_shape_is_another_record(css):
	shipped = frappe_like(css)
	inliner = inline_once.Inliner(shipped)
	plain = [email(n, "Айгуль") for n in range(3)]
	with_list = [email(n, "Айгуль", "<ul><li class='x'>1</li><li>2</li></ul>") for n in range(3)]
	for html in plain + with_list + plain:
		assert inliner(html) == shipped(html)
	assert len(inliner.shapes) == 2
	assert inliner.stats == {"premailer": 4, "replayed": 5}


def test_a_document_premailer_restructures(css):
	"""No <head> (Premailer makes one for the media query), a <style> in the body (consumed)."""
	shipped = frappe_like(css)
	inliner = inline_once.Inliner(shipped)
	for n in range(4):
		html = f"<html><body><style>.n{{color:blue}} @media print {{ p {{ color: black }} }}</style><p class='n'>{n}</p></body></html>"
		assert inliner(html) == shipped(html)
	assert inliner.stats["replayed"] == 2


def test_links_belong_to_the_shape_when_a_rule_looks_at_them(tmp_path):
	path = tmp_path / "email.css"
	path.write_text(CSS + 'a[href^="tel:"] { color: green }')
	shipped = frappe_like(str(path))
	inliner = inline_once.Inliner(shipped)
	for href in ("tel:+77011234567", "https://x/1", "tel:+77019999999", "https://x/2"):
		html = email(1, "Айгуль", f"<a href='{href}'>позвонить</a>")
		assert inliner(html) == shipped(html)
	assert "href" not in inliner.free


def test_a_shape_whose_replay_differs_is_never_replayed(css, monkeypatch):
	shipped = frappe_like(css)
	inliner = inline_once.Inliner(shipped)
	real = inline_once.Parsed.replay
	monkeypatch.setattr(inline_once.Parsed, "replay", lambda self, shape: real(self, shape) + "<!-- off -->")
	messages = [email(n, "Айгуль") for n in range(5)]
	assert [inliner(html) for html in messages] == [shipped(html) for html in messages]
	assert inliner.stats == {"premailer": 5, "replayed": 0}
	(shape,) = inliner.shapes.values()
	assert shape.broken and not shape.trusted
