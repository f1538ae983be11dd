"""Removing what the directory tests (LDAP pull, SCIM push) made: the client companies of a name prefix, their
Directory Sources with their logs, and every Contact those sources or companies hold."""

import frappe


def remove_companies(prefix: str) -> None:
	"""Every query is skipped when there is nothing to match: Frappe reads `in [""]` as "empty or NULL",
	which would match every contact of the site."""
	frappe.db.rollback()
	frappe.set_user("Administrator")
	companies = frappe.get_all("Client Company", {"name": ["like", f"{prefix}%"]}, pluck="name")
	sources = (
		frappe.get_all("Directory Source", {"client_company": ["in", companies]}, pluck="name")
		if companies
		else []
	)
	contacts = set()
	if sources:
		contacts |= set(frappe.get_all("Contact", {"directory_source": ["in", sources]}, pluck="name"))
	if companies:
		contacts |= set(
			frappe.get_all(
				"Dynamic Link",
				{"parenttype": "Contact", "link_doctype": "Client Company", "link_name": ["in", companies]},
				pluck="parent",
			)
		)
	if contacts:
		for table in ("Contact Email", "Contact Phone", "Dynamic Link"):
			frappe.db.delete(table, {"parenttype": "Contact", "parent": ["in", list(contacts)]})
		frappe.db.delete("Contact", {"name": ["in", list(contacts)]})
	if sources:
		for log in frappe.get_all("Directory Sync Log", {"directory_source": ["in", sources]}, pluck="name"):
			frappe.delete_doc("Directory Sync Log", log, force=True, ignore_permissions=True)
	for source in sources:
		frappe.delete_doc("Directory Source", source, force=True, ignore_permissions=True)
	for name in companies:
		frappe.delete_doc("Client Company", name, force=True, ignore_permissions=True)
	frappe.db.commit()
