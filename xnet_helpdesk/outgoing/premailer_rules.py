"""Premailer (which Frappe runs over every e-mail to inline the e-mail CSS) parses the style sheets and
serialises every rule again for each message: ~25 ms an e-mail, the biggest single cost of building one.
The rules it derives depend only on the CSS text and Premailer's options, so they are kept per process
here. Matching the rules to each message's elements is still Premailer's own work, per message, but a rule
whose selector names a class or id that appears nowhere in the message's HTML matches nothing there and is
not tried (Frappe's e-mail CSS has ~70 rules for classes most messages never use). The inlined HTML is byte
for byte what Premailer gives without either (tests/unit/test_premailer_rules.py).

Installed when this process builds an e-mail (the `make_email_body_message` hook and the bulk senders),
not at import: premailer takes ~0.2 s to import and most processes never send mail."""

import re
import sys

MAX_ENTRIES = 64
_rules: dict = {}  # (css, index, options) -> (rules, leftover)
_serialised: dict = {}  # ids of leftover rules -> the <style> text Premailer makes of them
_kept: set = set()  # ids of the leftover rules held in _rules (alive, so their ids are not reused)
_needs: dict = {}  # selector -> the class and id names an element must have for it to match (or None)

_ATTRIBUTE = re.compile(r"\[[^\]]*\]")
# descendant/child/sibling combinations of tags, classes and ids: nothing that negates (:not) or escapes
_PLAIN = re.compile(r"^[\w\s.#>+~-]+$")
_NAME = re.compile(r"[.#]([\w-]+)")
# the values of the class and id attributes in a message's source (and, harmlessly, of data-class="" and
# of such text in comments: more names than the elements carry only means more rules are tried)
_NAMED = re.compile(r"""\b(?:class|id)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.IGNORECASE)


def needed_names(selector: str) -> tuple[str, ...] | None:
	"""The class and id names every element the selector matches must carry, or None when the selector is
	not a plain one (pseudo-classes, escapes): such a rule is always tried."""
	if selector not in _needs:
		plain = _ATTRIBUTE.sub("", selector)  # an attribute condition only narrows the match
		_needs[selector] = tuple(_NAME.findall(plain)) if _PLAIN.match(plain) else None
	return _needs[selector]


def names_in(html: str) -> str | None:
	"""The class and id values of the message, or None when one holds a character reference (the names
	it stands for are not in the source as such: every rule is tried)."""
	found = " ".join(value for match in _NAMED.finditer(html) for value in match.groups() if value)
	return None if "&" in found else found


def may_match(selector: str, names: str) -> bool:
	needed = needed_names(selector)
	return needed is None or all(name in names for name in needed)


def install() -> None:
	"""Premailer's rule parsing cached from now on in this process (idempotent)."""
	module = sys.modules.get("premailer.premailer")
	if module is None:
		import premailer.premailer as module
	premailer = module.Premailer
	if getattr(premailer._parse_style_rules, "xnet_cached", False):
		return
	parse = premailer._parse_style_rules
	serialise = premailer._css_rules_to_string

	def parse_style_rules(self, css_body, ruleset_index):
		key = (
			css_body,
			ruleset_index,
			self.strip_important,
			self.exclude_pseudoclasses,
			self.include_star_selectors,
			self.disable_validation,
		)
		found = _rules.get(key)
		if found is None:
			if len(_rules) >= MAX_ENTRIES:
				clear()
			found = _rules[key] = parse(self, css_body, ruleset_index)
			_kept.update(id(rule) for rule in found[1])
		rules, leftover = found
		if not hasattr(self, "_xnet_names"):
			self._xnet_names = names_in(self.html) if isinstance(self.html, str) else None
		if self._xnet_names is not None:
			# the rules that cannot match this message are left out (their order and specificity are kept)
			return [rule for rule in rules if may_match(rule[1], self._xnet_names)], list(leftover)
		return list(rules), list(leftover)

	def css_rules_to_string(self, rules):
		# the rules Premailer cannot inline (media queries) go back into each message as a <style>
		ids = tuple(id(rule) for rule in rules)
		if not all(i in _kept for i in ids):
			return serialise(self, rules)
		key = (ids, self.strip_important)
		if key not in _serialised:
			_serialised[key] = serialise(self, rules)
		return _serialised[key]

	for name, patched, original in (
		("_parse_style_rules", parse_style_rules, parse),
		("_css_rules_to_string", css_rules_to_string, serialise),
	):
		patched.xnet_cached, patched.xnet_original = True, original
		setattr(premailer, name, patched)


def clear() -> None:
	_needs.clear()
	_rules.clear()
	_serialised.clear()
	_kept.clear()


def uninstall() -> None:
	"""For tests: Premailer as shipped."""
	module = sys.modules.get("premailer.premailer")
	if module is not None:
		for name in ("_parse_style_rules", "_css_rules_to_string"):
			current = getattr(module.Premailer, name)
			if getattr(current, "xnet_cached", False):
				setattr(module.Premailer, name, current.xnet_original)
	clear()
