"""Reads that stay the same for a whole chunk of a bulk job, made once.

Resolving a chunk of incidents runs, per incident, the code a save runs (the Incident's validate, the
Notifications, Frappe's e-mail and Communication builders). Each of those reads the same few records again
for every incident — the global problem, the SLA policy, the outgoing e-mail account (looked up and loaded
whole for every message), the e-mail templates — ~15 queries an incident that return the same rows. Inside
`same_reads(doctypes)`, `frappe.db.get_value` (and what goes through it: `exists`, loading a document)
and `frappe.get_all` answer for those doctypes from the first read. The bulk job writes none of them while the block runs;
reads of any other doctype, and reads FOR UPDATE, go to the database as usual."""

import copy
import functools
from contextlib import contextmanager

import frappe

# what a chunk of the problem's resolution reads again and again and never writes (the sender's user and
# contact for every e-mail's timeline links, among them)
CHUNK_CONSTANTS = frozenset(
	{
		"Global Problem",
		"SLA Policy",
		"Service Center",
		"Email Account",
		"Email Template",
		"Notification",
		"Helpdesk Settings",
		"User",
		"Contact",
		"Contact Email",
	}
)


def _copy(value):
	"""Rows as Frappe returns them (values, tuples, dicts, lists of them): copied down to the values."""
	if isinstance(value, dict):
		return type(value)((k, _copy(v)) for k, v in value.items())
	if isinstance(value, list | tuple):
		return type(value)(_copy(v) for v in value)
	if isinstance(value, str | int | float | bool | type(None)):
		return value
	return copy.deepcopy(value)


@contextmanager
def same_reads(doctypes=CHUNK_CONSTANTS):
	db = frappe.db
	if "get_value" in vars(db):  # already inside one: the outer block decides
		yield
		return
	answers: dict = {}

	def remembered(read):
		def answer(doctype, *args, **kwargs):
			if doctype not in doctypes or kwargs.get("for_update") or kwargs.get("run") is False:
				return read(doctype, *args, **kwargs)
			key = repr((read.__name__, doctype, args, sorted(kwargs.items())))
			if key not in answers:
				answers[key] = read(doctype, *args, **kwargs)
			# a copy: a caller may change the dict or list it got
			return _copy(answers[key])

		return answer

	get_all = frappe.get_all
	db.get_value, frappe.get_all = remembered(db.get_value), remembered(get_all)
	try:
		yield
	finally:
		del db.get_value
		frappe.get_all = get_all


@contextmanager
def conditions_compiled_once():
	"""Frappe's safe_eval parses, checks and compiles an expression on every call; a chunk evaluates the
	same few Notification and Assignment Rule conditions for each of its incidents. Inside the block each
	expression is checked and compiled once (a code object does not change); evaluating it is as before."""
	from frappe.utils import safe_exec

	if getattr(safe_exec.compile_restricted, "xnet_cached", False):
		yield
		return
	compile_restricted, validate = safe_exec.compile_restricted, safe_exec._validate_safe_eval_syntax
	checked: set[str] = set()

	@functools.lru_cache(maxsize=512)
	def compiled(source, filename, mode, policy):
		return compile_restricted(source, filename=filename, mode=mode, policy=policy)

	def compile_once(source, filename="<unknown>", mode="exec", flags=0, dont_inherit=False, **kwargs):
		# only what safe_eval and safe_exec ask for (a named policy) is remembered; anything else as before
		if flags or dont_inherit or not isinstance(source, str) or set(kwargs) != {"policy"}:
			return compile_restricted(source, filename, mode, flags, dont_inherit, **kwargs)
		return compiled(source, filename, mode, kwargs["policy"])

	def validate_once(code):
		if code not in checked:
			validate(code)  # raises for what it refuses: never remembered
			checked.add(code)

	compile_once.xnet_cached = True
	safe_exec.compile_restricted, safe_exec._validate_safe_eval_syntax = compile_once, validate_once
	try:
		yield
	finally:
		safe_exec.compile_restricted, safe_exec._validate_safe_eval_syntax = compile_restricted, validate
