"""Outage Alerts raised before bursts of companies, categories and subject words: each was a service
center's burst, and says so (kind, key and title)."""

import frappe


def execute():
	alert = frappe.qb.DocType("Outage Alert")
	frappe.qb.update(alert).set(alert.burst_kind, "Service Center").where(
		alert.burst_kind.isnull() | (alert.burst_kind == "")
	).run()
	frappe.qb.update(alert).set(alert.burst_key, alert.service_center).where(
		alert.burst_key.isnull() | (alert.burst_key == "")
	).run()
	frappe.qb.update(alert).set(alert.title, alert.service_center).where(
		alert.title.isnull() | (alert.title == "")
	).run()
