"""Premailer (which Frappe runs over every e-mail to inline the e-mail CSS) parses the style sheets and
serialises every rule again for each message: ~25 ms an e-mail, the biggest single cost of building one.
The rules it derives depend only on the CSS text and Premailer's options, so they are kept per process
here; matching the rules to each message's elements is still Premailer's own work, per message. The
inlined HTML is byte for byte what Premailer gives without the cache (tests/unit/test_premailer_rules.py).

Installed when this process builds an e-mail (the `make_email_body_message` hook and the bulk senders),
not at import: premailer takes ~0.2 s to import and most processes never send mail."""

import sys

MAX_ENTRIES = 64
_rules: dict = {}  # (css, index, options) -> (rules, leftover)
_serialised: dict = {}  # ids of leftover rules -> the <style> text Premailer makes of them
_kept: set = set()  # ids of the leftover rules held in _rules (alive, so their ids are not reused)


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
