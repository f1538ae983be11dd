"""Sites made before bursts of companies, categories and subject words: the three new checks start as new
sites have them (on); never stored, they would read as off."""

import frappe


def execute():
	singles = frappe.qb.DocType("Singles")
	for fieldname in ("burst_by_company", "burst_by_category", "burst_by_subject_words"):
		stored = (
			frappe.qb.from_(singles)
			.select(singles.value)
			.where(singles.doctype == "Helpdesk Settings")
			.where(singles.field == fieldname)
			.run()
		)
		if not stored:
			frappe.db.set_single_value("Helpdesk Settings", fieldname, 1)
