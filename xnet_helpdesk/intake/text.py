"""What clients type or send, as plain text, and as the HTML an incident's text fields hold."""

import html

from frappe.utils import strip_html_tags


def clean_text(value, limit: int | None = None) -> str:
	"""Plain text only: markup a client types is dropped before anyone stores or shows it; line ends
	become "\\n". Frappe HTML-escapes a guest's parameters: unescaping first makes escaped tags strippable."""
	text = html.unescape(str(value or "")).replace("\r\n", "\n").replace("\r", "\n")
	return strip_html_tags(text).strip()[:limit]


def text_to_html(text: str) -> str:
	"""Each line of plain text stays a line in a Text Editor field (strip_html keeps the "\\n")."""
	return "<br>\n".join(html.escape(line, quote=False) for line in (text or "").splitlines())
