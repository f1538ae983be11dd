"""Reads that stay the same for a whole chunk of a bulk job, made once.

Resolving a chunk of incidents runs, per incident, the code a save runs (the Incident's validate, the
Notifications, Frappe's e-mail and Communication builders). Each of those reads the same few records again
for every incident — the global problem, the SLA policy, the outgoing e-mail account (looked up and loaded
whole for every message), the e-mail templates — ~15 queries an incident that return the same rows. Inside
`same_reads(doctypes)`, `frappe.db.get_value` (and what goes through it: `exists`, loading a document)
and `frappe.get_all` answer for those doctypes from the first read. The bulk job writes none of them while the block runs;
reads of any other doctype, and reads FOR UPDATE, go to the database as usual."""

import copy
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
