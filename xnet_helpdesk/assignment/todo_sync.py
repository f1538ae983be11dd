"""The incident's engineer field and its assignment (Frappe's ToDo, shown as "Assigned To") say the same.

The Nearest Free Engineer rule assigns through Frappe's assign_to.add itself. An engineer set by hand (the
form, REST, a manager's reassignment) reaches here from the save: the new engineer gets the ToDo, so the
Desk's "Assigned To", the engineer's to-do list and the replies Frappe forwards to assignees follow the
field; the previous engineer's open ToDo is cancelled. Other people's ToDos (a colleague asked to look in)
are left as they are.
"""

import frappe
from frappe.desk.form import assign_to


def open_assignees(doctype: str, name: str) -> list[str]:
	return frappe.get_all(
		"ToDo",
		filters={"reference_type": doctype, "reference_name": name, "status": "Open"},
		pluck="allocated_to",
	)


def follow_engineer(doc, old_engineer: str | None) -> None:
	new_engineer = doc.engineer or None
	if (old_engineer or None) == new_engineer:
		return
	assignees = open_assignees(doc.doctype, doc.name)
	if old_engineer and old_engineer in assignees:
		assign_to.remove(doc.doctype, doc.name, old_engineer, ignore_permissions=True)
	if new_engineer and new_engineer not in assignees:
		assign_to.add(
			{
				"assign_to": [new_engineer],
				"doctype": doc.doctype,
				"name": doc.name,
				"description": doc.subject,
			},
			ignore_permissions=True,
		)
