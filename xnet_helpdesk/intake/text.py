"""What clients type or send, as plain text, and as the HTML an incident's text fields hold."""

import html
import re

# a tag starts with a letter, "/", "!" or "?" right after "<": "2 < 3 and 5 > 4" is text, not a tag (Frappe's
# strip_html_tags would drop "< 3 and 5 >")
TAG = re.compile(r"<[A-Za-z/!?][^>]*>")
# control characters (NUL, escapes, C1) are never text a client meant; line ends and tabs stay
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean_text(value, limit: int | None = None) -> str:
	"""Plain text only: markup a client types is dropped before anyone stores or shows it; line ends
	become "\\n". Frappe HTML-escapes a guest's parameters: unescaping first makes escaped tags strippable."""
	text = html.unescape(str(value or "")).replace("\r\n", "\n").replace("\r", "\n")
	return CONTROL.sub("", TAG.sub("", text)).strip()[:limit]


def text_to_html(text: str) -> str:
	"""Each line of plain text stays a line in a Text Editor field (strip_html keeps the "\\n")."""
	return "<br>\n".join(html.escape(line, quote=False) for line in (text or "").splitlines())


# a block-level end or a line break in HTML ends a line of the plain text
LINE_END = re.compile(r"<br\s*/?>|</(?:p|div|li|tr|h[1-6]|blockquote|pre)\s*>", re.IGNORECASE)
EXCERPT_CHARS = 600
EXCERPT_LINES = 12


def excerpt(value, limit: int = EXCERPT_CHARS, max_lines: int = EXCERPT_LINES) -> tuple[str, bool]:
	"""The start of a text (plain or a Text Editor's HTML) to quote in an e-mail: plain text of at most
	`limit` characters and `max_lines` non-empty lines, cut after a whole word. Returns it and whether
	anything was left out (the e-mail then links to the whole text)."""
	text = html.unescape(TAG.sub("", LINE_END.sub("\n", str(value or ""))))
	lines = [" ".join(line.split()) for line in text.replace("\r", "\n").split("\n")]
	lines = [line for line in lines if line]
	cut = len(lines) > max_lines
	text = "\n".join(lines[:max_lines])
	if len(text) > limit:
		cut = True
		text = text[: limit + 1]
		space = max(text.rfind(" "), text.rfind("\n"))
		text = text[:space] if space > limit // 2 else text[:limit]
	return text.rstrip() + ("…" if cut else ""), cut
