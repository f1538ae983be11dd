"""A caller's Contact as the incident sees it: the details it copies and the client company it works for.
Frappe side of incident_flow/contact_details.py (which normalises what callers say, without Frappe)."""

import frappe


def contact_with_company(contact: str) -> frappe._dict | None:
	"""The contact's details the incident copies, and the client company it works for, in one query."""
	row, link = frappe.qb.DocType("Contact"), frappe.qb.DocType("Dynamic Link")
	rows = (
		frappe.qb.from_(row)
		.left_join(link)
		.on(
			(link.parent == row.name)
			& (link.parenttype == "Contact")
			& (link.link_doctype == "Client Company")
		)
		.select(
			row.full_name,
			row.email_id,
			row.mobile_no,
			row.phone,
			row.preferred_language,
			row.disabled,
			link.link_name.as_("company"),
		)
		.where(row.name == contact)
		.orderby(link.idx)
		.limit(1)
		.run(as_dict=True)
	)
	return rows[0] if rows else None


def contact_company(contact: str) -> str | None:
	row = contact_with_company(contact)
	return row.company if row else None
