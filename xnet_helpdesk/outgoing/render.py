"""Jinja rendering for e-mails built many at a time (a global problem's thousands of Resolved e-mails).

Frappe's `render_template` compiles a template string on every call, and a background job that switches
language (`language.speaking`) used to build a new Jinja environment each time, with an empty template
cache. Here the environment is kept per language for the job (`language.speaking`) and a template string is
compiled once per environment; what is rendered is the same as `frappe.render_template` gives."""

import frappe
from frappe import _


def render_template(source: str, context: dict) -> str:
	"""frappe.render_template(source, context) for a template string, compiled once per Jinja environment."""
	from frappe.utils.jinja import get_jenv, guess_is_path
	from jinja2 import TemplateError

	if not source:
		return ""
	if guess_is_path(source):
		return frappe.render_template(source, context)
	if ".__" in source:
		frappe.throw(_("Illegal template"))
	jenv = get_jenv()
	compiled = getattr(jenv, "xnet_compiled", None)
	if compiled is None:
		compiled = jenv.xnet_compiled = {}
	try:
		template = compiled.get(source)
		if template is None:
			if len(compiled) >= 256:
				compiled.clear()
			template = compiled[source] = jenv.from_string(source)
		return template.render(context)
	except TemplateError:
		frappe.throw(
			_("The template could not be rendered: {0}").format(
				f"<pre>{frappe.utils.escape_html(source)}</pre><pre>{frappe.utils.escape_html(frappe.get_traceback())}</pre>"
			),
			title=_("Template error"),
		)
