"""Assignment and SLA records the app needs on a site, created only when missing (never overwritten)."""

import frappe
from frappe.custom.doctype.property_setter.property_setter import make_property_setter

from xnet_helpdesk.assignment.decision import NEAREST_FREE
from xnet_helpdesk.business_hours.schedule import WEEKDAYS

DEFAULT_RULE_NAME = "Incident: Nearest Free Engineer"
# the rule's users table is optional for our rule: empty means every second-line engineer takes part
USERS_MANDATORY_DEFAULT = "eval: doc.rule !== 'Based on Field'"
USERS_MANDATORY = "eval: !['Based on Field', 'Nearest Free Engineer'].includes(doc.rule)"

# priority -> (response hours, resolution hours), business hours of the incident's service center
DEFAULT_SLA = {"Urgent": (1, 4), "High": (2, 8), "Medium": (4, 16), "Low": (8, 40)}


def ensure_assignment_setup():
	add_rule_option()
	relax_users_requirement()
	create_default_rule()
	create_default_sla_policies()


def add_rule_option():
	field = frappe.get_meta("Assignment Rule").get_field("rule")
	options = [o for o in (field.options or "").split("\n") if o]
	if NEAREST_FREE in options:
		return
	value = "\n".join([*options, NEAREST_FREE])
	existing = frappe.db.get_value(
		"Property Setter", {"doc_type": "Assignment Rule", "field_name": "rule", "property": "options"}
	)
	if existing:
		frappe.db.set_value("Property Setter", existing, "value", value)
	else:
		make_property_setter(
			"Assignment Rule", "rule", "options", value, "Text", validate_fields_for_doctype=False
		)
	frappe.clear_cache(doctype="Assignment Rule")


def relax_users_requirement():
	field = frappe.get_meta("Assignment Rule").get_field("users")
	if (field.mandatory_depends_on or "").strip() != USERS_MANDATORY_DEFAULT:
		return  # ours already, or an admin's own choice
	make_property_setter(
		"Assignment Rule",
		"users",
		"mandatory_depends_on",
		USERS_MANDATORY,
		"Code",
		validate_fields_for_doctype=False,
	)
	frappe.clear_cache(doctype="Assignment Rule")


def create_default_rule():
	"""Shipped disabled: an admin enables it (and may restrict its engineers) in the Desk."""
	if frappe.db.exists("Assignment Rule", {"document_type": "Incident", "rule": NEAREST_FREE}):
		return
	rule = frappe.get_doc(
		{
			"doctype": "Assignment Rule",
			"document_type": "Incident",
			"priority": 10,
			"disabled": 1,
			"description": "Инцидент {{ name }}: {{ subject }}",
			"assign_condition": 'status == "Registered" and not engineer',
			"close_condition": 'status in ("Resolved", "Closed", "Cancelled")',
			"rule": NEAREST_FREE,
			# every day: the rule itself knows each center's working hours and holidays
			"assignment_days": [{"day": day} for day in WEEKDAYS],
		}
	)
	rule.insert(ignore_permissions=True, set_name=DEFAULT_RULE_NAME)


def create_default_sla_policies():
	if frappe.db.count("SLA Policy"):
		return
	for priority, (response, resolution) in DEFAULT_SLA.items():
		frappe.get_doc(
			{
				"doctype": "SLA Policy",
				"policy_name": f"{priority} (default)",
				"priority": priority,
				"response_time_hours": response,
				"resolution_time_hours": resolution,
			}
		).insert(ignore_permissions=True)
