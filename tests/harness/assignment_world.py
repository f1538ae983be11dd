"""Site fixtures for assignment and SLA tests, on top of tests/harness/world.py.

Everything here runs inside the test's rolled-back transaction, except `committed_cleanup` users. Caches
that outlive a rollback (assignment rules, center calendars, settings) are cleared by `reset_caches`.
"""

import frappe
from frappe.cache_manager import clear_doctype_map

from xnet_helpdesk.assignment import decision
from xnet_helpdesk.business_hours import centers
from xnet_helpdesk.setup.assignment_setup import DEFAULT_RULE_NAME

ASTANA = {"center_name": "TEST Astana", "city": "Астана", "latitude": 51.169392, "longitude": 71.449074}


def reset_caches():
	centers.clear_center_cache()
	clear_doctype_map("Assignment Rule", "Incident")
	for name in frappe.get_all("Assignment Rule", pluck="name"):
		frappe.clear_document_cache("Assignment Rule", name)
	frappe.clear_document_cache("Helpdesk Settings", "Helpdesk Settings")
	frappe.local.flags.pop(decision.RELOAD_FLAG, None)
	frappe.local.outgoing_email_account = {}


def open_around_the_clock(*centers):
	"""A center without working hours is open at all hours: tests do not depend on the time they run."""
	for name in centers:
		center = frappe.get_doc("Service Center", name)
		center.working_hours = []
		center.holidays = []
		center.save()


def ensure_astana():
	if not frappe.db.exists("Service Center", ASTANA["center_name"]):
		frappe.get_doc({"doctype": "Service Center", "time_zone": "Asia/Almaty", **ASTANA}).insert()
	return ASTANA["center_name"]


def make_engineer(key: str, center: str, **values) -> str:
	from tests.harness.world import ensure_user

	user = ensure_user(key, ["Helpdesk Engineer"])
	if not frappe.db.exists("Support Engineer", user):
		frappe.get_doc(
			{"doctype": "Support Engineer", "user": user, "service_center": center, "capacity": 5}
		).insert()
	doc = frappe.get_doc("Support Engineer", user)
	doc.update(values)
	doc.save()
	return user


def enable_rule(engineers: list[str], allow_other_centers: bool = False) -> str:
	frappe.db.set_single_value("Helpdesk Settings", "assign_from_other_centers", int(allow_other_centers))
	rule = frappe.get_doc("Assignment Rule", DEFAULT_RULE_NAME)
	rule.disabled = 0
	rule.set("users", [{"user": user} for user in engineers])
	rule.save()
	reset_caches()
	return rule.name


def set_engineer(name: str, **values) -> None:
	doc = frappe.get_doc("Support Engineer", name)
	doc.update(values)
	doc.save()


def ensure_outgoing_email_account() -> str:
	"""Frappe queues mail only through an outgoing account; this one never connects (the site mutes mail)."""
	name = "TEST Outgoing"
	if not frappe.db.exists("Email Account", name):
		frappe.get_doc(
			{
				"doctype": "Email Account",
				"email_account_name": name,
				"email_id": "support@test.xnet.kz",
				"enable_outgoing": 1,
				"default_outgoing": 1,
				"smtp_server": "smtp.test.xnet.kz",
				"no_smtp_authentication": 1,
			}
		).insert()
	elif not frappe.db.get_value("Email Account", name, "default_outgoing"):
		# another account made default since (a benchmark's, removed again) took the flag away
		frappe.db.set_value("Email Account", name, {"enable_outgoing": 1, "default_outgoing": 1})
	frappe.local.outgoing_email_account = {}
	return name
