"""What the Desk asks the server when a user opens a form or types into a link field, called in-process."""

import frappe


def open_form(doctype: str, name: str):
	"""frappe.desk.form.load.getdoc, as the form view calls it: the document as sent, and its docinfo."""
	from frappe.desk.form.load import getdoc

	frappe.local.response = frappe._dict(docs=[])
	getdoc(doctype, name)
	docs = frappe.local.response.docs
	assert docs, f"{doctype} {name} did not load"
	return docs[0], frappe.local.response.docinfo


def link_options(doctype: str, txt: str = "", **kwargs) -> list[str]:
	"""frappe.desk.search.search_link: the values a link field offers."""
	from frappe.desk.search import search_link

	return [row["value"] for row in search_link(doctype, txt, **kwargs)]
