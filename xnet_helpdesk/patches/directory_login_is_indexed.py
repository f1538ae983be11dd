"""Contact's Directory Login (SCIM's userName) gets its index on sites made before it was indexed: every
SCIM POST checks it is unused and Entra filters on it, a scan of the contacts each time without it."""

import frappe


def execute():
	name = "Contact-directory_username"
	if frappe.db.exists("Custom Field", name) and not frappe.db.get_value(
		"Custom Field", name, "search_index"
	):
		field = frappe.get_doc("Custom Field", name)
		field.search_index = 1
		field.save(ignore_permissions=True)
