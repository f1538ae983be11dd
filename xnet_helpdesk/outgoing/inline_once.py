"""Frappe's e-mail CSS inlined once per shape of e-mail, for a bulk job.

Frappe runs Premailer over every e-mail it builds (frappe.email.email_body.inline_style_in_html): parse the
HTML, match each CSS rule to the elements, merge the styles into style attributes, serialise. What Premailer
changes depends on the document's shape (its elements in order, their classes, ids, styles and other
attributes, the text of its <style> elements), not on the text between the tags, and the e-mails of a bulk
job share one shape: the same templates with other names, numbers and links. Inside `inlined_once()`:

- the first e-mail of a shape is inlined by Premailer, which records what it changed (attributes set,
  elements removed and added);
- the second is inlined by Premailer as shipped *and* by replaying that record; only when the two are the
  same text is the shape trusted (otherwise it is never replayed);
- every further e-mail of a trusted shape gets the record replayed, without Premailer.

Link and image addresses, alt and title texts are not part of the shape, unless a rule of the e-mail CSS
looks at them. The HTML is what Premailer gives (tests/unit/test_inline_once.py).
"""

import copy
from contextlib import contextmanager

from lxml import etree

# attributes whose values no rule of Frappe's e-mail CSS looks at (a rule naming one puts it back in the shape)
FREE = ("href", "src", "alt", "title")
MAX_SHAPES = 64
_COMMENT, _PI, _ENTITY = "!comment", "!pi", "!entity"


class Shape:
	def __init__(self):
		self.changes: list[tuple[int, list]] = []  # element index -> attributes set, in order
		# element index -> its new text (a <style> whose rules Premailer took out)
		self.texts: list[tuple[int, str | None]] = []
		self.removed: list[int] = []
		self.added: list[tuple[int, int, object]] = []  # parent index, position, element (a copy)
		self.trusted = False
		self.broken = False


class Inliner:
	def __init__(self, inline_style_in_html):
		self.original = inline_style_in_html
		self.shapes: dict = {}
		self.free: tuple[str, ...] = ()  # known once the CSS is read
		self.stats = {"premailer": 0, "replayed": 0}

	def __call__(self, html: str) -> str:
		if not isinstance(html, str):
			return self.original(html)
		parsed = Parsed(html)
		key = parsed.shape(self.free)
		shape = self.shapes.get(key)
		if shape is None:
			if len(self.shapes) >= MAX_SHAPES:
				self.stats["premailer"] += 1
				return self.original(html)
			shape = Shape()
			inlined = self.record(html, shape)
			# the CSS is read now: which attributes are free of it is known (the key may lose their values)
			self.shapes[parsed.shape(self.free)] = shape
			return inlined
		if shape.broken:
			self.stats["premailer"] += 1
			return self.original(html)
		if shape.trusted:
			self.stats["replayed"] += 1
			return parsed.replay(shape)
		expected = self.original(html)
		self.stats["premailer"] += 1
		if parsed.replay(shape) == expected:
			shape.trusted = True
		else:
			shape.broken = True
		return expected

	def record(self, html: str, shape: Shape) -> str:
		"""Frappe's own call, its Premailer recording what it changes in the document."""
		import premailer

		inliner = self
		shipped = premailer.Premailer

		class Recording(shipped):
			def transform(self, html=None, pretty_print=True, **kwargs):
				if html is not None or not isinstance(self.html, str) or kwargs or self.method != "html":
					return super().transform(html, pretty_print=pretty_print, **kwargs)
				inliner.free = tuple(
					name for name in FREE if not any(f"[{name}" in css for css in self._css())
				)
				parsed = Parsed(self.html)
				before = [
					(element, list(element.attrib.items()), element.text) for element in parsed.page.iter()
				]
				self.html = None
				super().transform(html=parsed.page, pretty_print=pretty_print)
				record_changes(parsed.page, before, shape, inliner.free)
				return parsed.serialise(pretty_print)

			def _css(self):
				texts = [element.text or "" for element in Parsed(self.html).page.iter("style")]
				return texts + [self._load_external(path) for path in self.external_styles or ()]

		premailer.Premailer = Recording
		try:
			self.stats["premailer"] += 1
			return self.original(html)
		finally:
			premailer.Premailer = shipped


class Parsed:
	"""A document parsed as Premailer parses it."""

	def __init__(self, html: str):
		stripped = html.strip()
		self.tree = etree.fromstring(stripped, etree.HTMLParser()).getroottree()
		self.page = self.tree.getroot()
		# what Premailer serialises: the whole tree when the source began with its doctype
		self.root = self.tree if stripped.startswith(self.tree.docinfo.doctype) else self.page

	def shape(self, free: tuple[str, ...]) -> tuple:
		parts = [self.tree.docinfo.doctype, self.root is self.tree]
		for element in self.page.iter():
			tag = element.tag
			if not isinstance(tag, str):
				tag = {etree.Comment: _COMMENT, etree.PI: _PI, etree.Entity: _ENTITY}.get(tag, repr(tag))
				parts.append(tag)
				continue
			attributes = tuple(
				(name, None if name in free else value) for name, value in element.attrib.items()
			)
			parts.append((tag, attributes, element.text if tag == "style" else None))
		return tuple(parts)

	def replay(self, shape: Shape) -> str:
		elements = list(self.page.iter())
		for index in shape.removed:
			element = elements[index]
			element.getparent().remove(element)
		for index, attributes in shape.changes:
			element = elements[index]
			for name, value in attributes:
				element.set(name, value)
		for index, text in shape.texts:
			elements[index].text = text
		for parent, position, added in shape.added:
			elements[parent].insert(position, copy.deepcopy(added))
		return self.serialise(True)

	def serialise(self, pretty_print: bool) -> str:
		return etree.tostring(self.root, method="html", pretty_print=pretty_print, encoding="utf-8").decode(
			"utf-8"
		)


def record_changes(page, before: list, shape: Shape, free: tuple[str, ...]) -> None:
	"""What Premailer did to the document, as a replayable record."""
	index_of = {id(element): index for index, (element, _attributes, _text) in enumerate(before)}
	for index, (element, attributes, text) in enumerate(before):
		if not in_tree(element, page):
			shape.removed.append(index)
			continue
		after = list(element.attrib.items())
		if after != attributes:
			changed = [item for item in after if item not in attributes]
			shape.changes.append((index, changed))
			# a value that is not part of the shape (a link) cannot be replayed into another e-mail
			shape.broken = shape.broken or any(name in free for name, _value in changed)
		if element.text != text:
			# only a <style>'s text is part of the shape; Premailer changing any other would not replay
			shape.texts.append((index, element.text))
			shape.broken = shape.broken or element.tag != "style"
	for element in page.iter():
		parent = element.getparent()
		if id(element) not in index_of and parent is not None and id(parent) in index_of:
			shape.added.append((index_of[id(parent)], parent.index(element), copy.deepcopy(element)))
	shape.added.sort(key=lambda added: (added[0], added[1]))


def in_tree(element, page) -> bool:
	while element is not None:
		if element is page:
			return True
		element = element.getparent()
	return False


@contextmanager
def inlined_once():
	"""Frappe's inline_style_in_html replayed per shape while the block runs (see the module's text)."""
	from frappe.email import email_body

	if isinstance(email_body.inline_style_in_html, Inliner):  # already inside one
		yield email_body.inline_style_in_html
		return
	inliner = Inliner(email_body.inline_style_in_html)
	email_body.inline_style_in_html = inliner
	try:
		yield inliner
	finally:
		email_body.inline_style_in_html = inliner.original
