"""The operator's side of a phone call: who is calling, what is already open for them, and whether a known
outage explains the call."""

import re

import frappe
from frappe import _
from pypika.terms import Criterion

from xnet_helpdesk.incident_flow.contact_details import InvalidPhone, normalize_phone
from xnet_helpdesk.incident_flow.contacts import contact_company
from xnet_helpdesk.incident_flow.lifecycle import OPEN_STATUSES
from xnet_helpdesk.outages.active import get_active_problems_for
from xnet_helpdesk.permissions.contacts import contact_search_condition

MIN_PHONE_DIGITS = 5
MAX_RESULTS = 10


def normalize_contact_phones(contact, method=None):
	"""Contact phones are stored in one form (+77212505252), so a caller's number finds them; a number that
	cannot be read is kept as typed rather than refused."""
	for row in contact.get("phone_nos") or []:
		try:
			row.phone = normalize_phone(row.phone)
		except InvalidPhone:
			pass


@frappe.whitelist()
def find_callers(query: str) -> list[dict]:
	"""Contacts matching a phone number (any spelling) or a name / e-mail, with their open incidents."""
	if not frappe.has_permission("Incident", "create"):
		frappe.throw(_("Not permitted"), frappe.PermissionError)
	query = (query or "").strip()
	if len(query) < 2:
		return []
	digits = re.sub(r"\D", "", query)
	allowed = contact_search_condition()
	contacts = _by_phone(digits, allowed) if len(digits) >= MIN_PHONE_DIGITS else _by_name(query, allowed)
	# staff who left (disabled by the directory sync) stay on their old incidents but are not offered
	return [caller for caller in map(_caller, contacts[:MAX_RESULTS]) if caller["active"]]


def _by_phone(digits: str, allowed: Criterion | None) -> list[str]:
	"""`allowed`: which contacts this user may be offered (permissions/contacts.py), None for all."""
	# the national number without a leading 8 / 7: "8 701 …", "+7 701 …" and "701 …" meet here
	tail = digits[-10:]
	phone = frappe.qb.DocType("Contact Phone")
	query = (
		frappe.qb.from_(phone)
		.select(phone.parent)
		.distinct()
		.where(phone.parenttype == "Contact")
		.where(phone.phone.like(f"%{tail}"))
		.limit(MAX_RESULTS)
	)
	if allowed is not None:
		contact = frappe.qb.DocType("Contact")
		query = query.where(phone.parent.isin(frappe.qb.from_(contact).select(contact.name).where(allowed)))
	return query.run(pluck=True)


def _by_name(text: str, allowed: Criterion | None) -> list[str]:
	contact = frappe.qb.DocType("Contact")
	pattern = f"%{text}%"
	query = (
		frappe.qb.from_(contact)
		.select(contact.name)
		.where(contact.full_name.like(pattern) | contact.email_id.like(pattern))
		.orderby(contact.full_name)
		.limit(MAX_RESULTS)
	)
	return (query if allowed is None else query.where(allowed)).run(pluck=True)


def _caller(contact: str) -> dict:
	values = frappe.db.get_value(
		"Contact", contact, ["name", "full_name", "email_id", "mobile_no", "phone", "disabled"], as_dict=True
	)
	company = contact_company(contact)
	center = company and frappe.db.get_value("Client Company", company, "service_center")
	incident = frappe.qb.DocType("Incident")
	open_incidents = (
		frappe.qb.from_(incident)
		.select(incident.name, incident.subject, incident.status, incident.registered_on)
		.where(incident.contact == contact)
		.where(incident.status.isin(list(OPEN_STATUSES)))
		.orderby(incident.registered_on, order=frappe.qb.desc)
		.limit(5)
		.run(as_dict=True)
	)
	return {
		"contact": values.name,
		"full_name": values.full_name,
		"email": values.email_id,
		"phone": values.mobile_no or values.phone,
		"active": not values.disabled,
		"client_company": company,
		"service_center": center,
		"open_incidents": open_incidents,
		"problems": get_active_problems_for(company, center),
	}


@frappe.whitelist()
def active_problems(client_company: str | None = None, service_center: str | None = None) -> list[dict]:
	if not frappe.has_permission("Global Problem", "read"):
		frappe.throw(_("Not permitted"), frappe.PermissionError)
	return get_active_problems_for(client_company, service_center)


@frappe.whitelist()
@frappe.validate_and_sanitize_search_inputs
def contact_query(
	doctype: str, txt: str, searchfield: str, start: int, page_len: int, filters: dict | str | None
):
	"""Every Contact link field (the incident form, the quick entry) finds a caller by phone number too;
	it offers the contacts the user may be offered (permissions/contacts.py): a client's session none."""
	allowed = contact_search_condition()
	digits = re.sub(r"\D", "", txt or "")
	if len(digits) >= MIN_PHONE_DIGITS:
		names = _by_phone(digits, allowed)
	else:
		contact = frappe.qb.DocType("Contact")
		pattern = f"%{txt or ''}%"
		query = (
			frappe.qb.from_(contact)
			.select(contact.name)
			.where(
				contact.name.like(pattern) | contact.full_name.like(pattern) | contact.email_id.like(pattern)
			)
			.orderby(contact.full_name)
			.limit(page_len)
			.offset(start)
		)
		names = (query if allowed is None else query.where(allowed)).run(pluck=True)
	if not names:
		return []
	contact = frappe.qb.DocType("Contact")
	link = frappe.qb.DocType("Dynamic Link")
	return (
		frappe.qb.from_(contact)
		.left_join(link)
		.on(
			(link.parent == contact.name)
			& (link.parenttype == "Contact")
			& (link.link_doctype == "Client Company")
		)
		.select(contact.name, contact.full_name, link.link_name, contact.mobile_no, contact.email_id)
		.where(contact.name.isin(names))
		.where(Criterion.any([contact.disabled.isnull(), contact.disabled == 0]))
		.groupby(contact.name)
		.orderby(contact.full_name)
		.run()
	)
