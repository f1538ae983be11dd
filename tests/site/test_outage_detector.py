"""A burst of new incidents from one service center raises one "Possible outage" alert, to the center's
manager and its operators on duty; one action turns it into a global problem with the incidents linked."""

from datetime import timedelta

import frappe
import pytest
from frappe.utils import now_datetime

from tests.harness.world import make_incident
from xnet_helpdesk.outages import detector

KARAGANDA, ALMATY = "TEST Karaganda", "TEST Almaty"


@pytest.fixture
def detecting(world):
	"""Helpdesk Settings at 100 incidents in 15 minutes; the operator on duty in Karaganda, another off."""
	settings = frappe.get_doc("Helpdesk Settings")
	settings.burst_count, settings.burst_window_minutes = 100, 15
	settings.save()
	frappe.get_doc(
		{
			"doctype": "Support Engineer",
			"user": world["users"]["operator"],
			"service_center": KARAGANDA,
			"support_line": "First Line",
		}
	).insert()
	off = frappe.get_doc(
		{
			"doctype": "User",
			"email": "off.duty.operator@test.xnet.kz",
			"first_name": "Off",
			"send_welcome_email": 0,
			"roles": [{"role": "Helpdesk Operator"}],
		}
	).insert(ignore_permissions=True)
	frappe.get_doc(
		{
			"doctype": "Support Engineer",
			"user": off.name,
			"service_center": KARAGANDA,
			"support_line": "First Line",
			"availability": "Off Duty",
		}
	).insert()
	yield world
	frappe.clear_cache(doctype="Helpdesk Settings")


def center_threshold(center, extra, window=15):
	"""The center's own threshold: `extra` more than what is already there (other tests' incidents)."""
	base = len(detector.recent_unlinked(center, window))
	doc = frappe.get_doc("Service Center", center)
	doc.burst_count, doc.burst_window_minutes = base + extra, window
	doc.save()


def alerts(center):
	return frappe.get_all("Outage Alert", filters={"service_center": center}, pluck="name")


def bells(user):
	return frappe.get_all(
		"Notification Log", filters={"for_user": user, "document_type": "Outage Alert"}, pluck="document_name"
	)


def test_a_burst_alerts_the_manager_and_the_operators_on_duty_once(detecting):
	world = detecting
	center_threshold(KARAGANDA, 3)
	first = [make_incident(world, "karmet_client"), make_incident(world, "karbank_client")]
	assert not alerts(KARAGANDA)  # two are not a burst
	assert detector.suggestion(KARAGANDA) is None
	first.append(make_incident(world, "karmet_client2"))
	(alert,) = alerts(KARAGANDA)
	listed = frappe.get_all("Outage Alert Incident", filters={"parent": alert}, pluck="incident")
	assert {d.name for d in first} <= set(listed)
	users = world["users"]
	assert bells(users["kar_center_manager"]) == [alert]
	assert bells(users["operator"]) == [alert]
	assert not bells("off.duty.operator@test.xnet.kz")
	assert not bells(users["alm_center_manager"])

	later = make_incident(world, "karmet_rep")  # the burst goes on: the same alert, nobody told twice
	assert alerts(KARAGANDA) == [alert]
	assert later.name in frappe.get_all("Outage Alert Incident", filters={"parent": alert}, pluck="incident")
	assert bells(users["operator"]) == [alert]
	# an operator registering one more for that center sees the suggestion; elsewhere nothing
	assert detector.suggestion(KARAGANDA)["alert"] == alert
	assert detector.suggestion(ALMATY) is None


def test_old_linked_and_other_centers_incidents_are_no_burst(detecting):
	world = detecting
	center_threshold(KARAGANDA, 3)
	old = make_incident(world, "karmet_client")
	frappe.db.set_value("Incident", old.name, "registered_on", now_datetime() - timedelta(minutes=40))
	problem = frappe.get_doc({"doctype": "Global Problem", "title": "TEST Известный сбой"}).insert()
	make_incident(world, "karbank_client", global_problem=problem.name)
	make_incident(world, "almatrade_client")  # Almaty's
	make_incident(world, "karmet_client2")
	make_incident(world, "karmet_rep")
	assert not alerts(KARAGANDA) and not alerts(ALMATY)


def test_each_center_has_its_own_threshold(detecting):
	world = detecting
	center_threshold(ALMATY, 2)
	make_incident(world, "almatrade_client")
	make_incident(world, "almatrade_client")
	assert len(alerts(ALMATY)) == 1
	# Karaganda keeps the settings' 100: the same two incidents there are nothing
	frappe.db.set_value("Service Center", KARAGANDA, {"burst_count": 0, "burst_window_minutes": 0})
	make_incident(world, "karmet_client")
	make_incident(world, "karbank_client")
	assert not alerts(KARAGANDA)


def test_a_false_alarm_is_dismissed_and_stays_quiet_for_its_window(detecting):
	world = detecting
	center_threshold(KARAGANDA, 2)
	make_incident(world, "karmet_client")
	make_incident(world, "karbank_client")
	(alert,) = alerts(KARAGANDA)
	frappe.set_user(world["users"]["kar_center_manager"])
	try:
		detector.dismiss(alert)
	finally:
		frappe.set_user("Administrator")
	assert frappe.db.get_value("Outage Alert", alert, "status") == "Dismissed"
	make_incident(world, "karmet_client2")
	make_incident(world, "karmet_rep")
	assert alerts(KARAGANDA) == [alert]
	assert bells(world["users"]["operator"]) == [alert]
	assert detector.suggestion(KARAGANDA) is None
	with pytest.raises(frappe.ValidationError):
		detector.create_problem(alert)


def test_one_action_creates_the_problem_and_links_every_incident(detecting):
	world = detecting
	center_threshold(KARAGANDA, 3)
	made = [make_incident(world, key) for key in ("karmet_client", "karbank_client", "karmet_client2")]
	(alert,) = alerts(KARAGANDA)
	frappe.set_user(world["users"]["operator"])
	try:
		problem = detector.create_problem(alert)
	finally:
		frappe.set_user("Administrator")
	doc = frappe.get_doc("Global Problem", problem)
	assert doc.status == "Active"
	assert [row.service_center for row in doc.affected_service_centers] == [KARAGANDA]
	for incident in made:
		assert frappe.db.get_value("Incident", incident.name, "global_problem") == problem
	assert frappe.db.get_value("Outage Alert", alert, ["status", "global_problem"]) == (
		"Problem Created",
		problem,
	)
	with pytest.raises(frappe.ValidationError):
		detector.create_problem(alert)  # once
	assert frappe.db.count("Global Problem", {"name": problem}) == 1


def test_a_client_cannot_act_on_an_alert(detecting):
	world = detecting
	center_threshold(KARAGANDA, 2)
	make_incident(world, "karmet_client")
	make_incident(world, "karbank_client")
	(alert,) = alerts(KARAGANDA)
	frappe.set_user(world["users"]["karmet_client"])
	try:
		with pytest.raises(frappe.PermissionError):
			detector.create_problem(alert)
		assert detector.suggestion(KARAGANDA) is None
	finally:
		frappe.set_user("Administrator")
	assert frappe.db.get_value("Outage Alert", alert, "status") == "Open"
