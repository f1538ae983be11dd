"""Background jobs a test's transaction queued for after its commit (frappe.enqueue(enqueue_after_commit=True))."""

import frappe


def after_commit_methods() -> list[str]:
	"""The dotted methods waiting in frappe.db.after_commit to be enqueued when the transaction commits."""
	methods = []
	for fn in frappe.db.after_commit._functions:
		for cell in fn.__closure__ or ():
			value = cell.cell_contents
			if isinstance(value, dict) and "method" in value:
				methods.append(str(value["method"]))
	return methods
