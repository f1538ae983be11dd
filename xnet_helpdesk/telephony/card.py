"""The caller card an operator sees when a call rings or is answered: who calls (every matching contact),
their company and center, their open incidents, the global problems to mention at once (with the planned
time), and what the *Register incident* button prefills."""

import frappe
from frappe import _

from xnet_helpdesk.intake.phone import _caller
from xnet_helpdesk.outages.active import get_active_problems_for
from xnet_helpdesk.telephony.numbers import display


def card_for(doc) -> dict:
	contacts = [doc.contact] if doc.contact else (doc.matches or "").split("\n")
	callers = [_caller(name) for name in contacts if name]
	company = doc.client_company
	center = doc.service_center
	if not company and len({c["client_company"] for c in callers}) == 1:
		company = callers[0]["client_company"]
	problems = get_active_problems_for(company, center)
	engineer = (
		frappe.db.get_value(
			"Support Engineer", doc.caller_engineer, ["full_name", "service_center"], as_dict=True
		)
		if doc.caller_engineer
		else None
	)
	return {
		"call": doc.name,
		"result": doc.result,
		"number": doc.caller_number or doc.from_number or "",
		"number_display": display(doc.caller_number) or doc.from_number or _("Number withheld"),
		"service_center": center,
		"queue": doc.queue,
		"client_company": company,
		"callers": callers,
		"engineer": engineer,
		"unknown": not callers and not engineer,
		"problems": [_problem(p) for p in problems],
		"prefill": _prefill(doc, callers, company, center, problems),
	}


def _problem(row) -> dict:
	return {
		"name": row.name,
		"title": row.title,
		"planned_resolution_time": row.planned_resolution_time,
		"started_on": row.started_on,
	}


def _prefill(doc, callers, company, center, problems) -> dict:
	"""The Incident form's values (route options) for *Register incident*."""
	values = {"channel": "Phone", "call": doc.name}
	if center:
		values["service_center"] = center
	if len(callers) == 1:
		values["contact"] = callers[0]["contact"]
	elif not callers and doc.caller_number:
		# the unknown-caller path: the form asks name and e-mail, the number is already there
		values["contact_phone"] = doc.caller_number
	if company:
		values["client_company"] = company
	if len(problems) == 1:
		values["global_problem"] = problems[0].name
	return values


@frappe.whitelist()
def caller_card(call: str) -> dict:
	doc = frappe.get_doc("Call", call)
	doc.check_permission("read")
	return card_for(doc)
