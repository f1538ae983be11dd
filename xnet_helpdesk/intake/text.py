"""What clients type or send, as plain text, and as the HTML an incident's text fields hold."""

import html
import re

# a tag starts with a letter, "/", "!" or "?" right after "<": "2 < 3 and 5 > 4" is text, not a tag (Frappe's
# strip_html_tags would drop "< 3 and 5 >")
TAG = re.compile(r"<[A-Za-z/!?][^>]*>")


def clean_text(value, limit: int | None = None) -> str:
	"""Plain text only: markup a client types is dropped before anyone stores or shows it; line ends
	become "\\n". Frappe HTML-escapes a guest's parameters: unescaping first makes escaped tags strippable."""
	text = html.unescape(str(value or "")).replace("\r\n", "\n").replace("\r", "\n")
	return TAG.sub("", text).strip()[:limit]


def text_to_html(text: str) -> str:
	"""Each line of plain text stays a line in a Text Editor field (strip_html keeps the "\\n")."""
	return "<br>\n".join(html.escape(line, quote=False) for line in (text or "").splitlines())
