"""Every role against every other company's and center's incidents and ratings: list, read, write, REST."""

import frappe
import pytest

from tests.harness.world import make_incident

# who -> the incidents (by key below) they must see; everyone else's must stay invisible
EXPECTED_VISIBLE = {
	"operator": {"karmet", "karmet2", "karbank", "almatrade", "karmet_by_almaty"},
	"manager": {"karmet", "karmet2", "karbank", "almatrade", "karmet_by_almaty"},
	"kar_engineer": {"karmet", "karmet2", "karbank", "karmet_by_almaty"},
	"kar_engineer2": {"karmet", "karmet2", "karbank", "karmet_by_almaty"},
	"alm_engineer": {"almatrade", "karmet_by_almaty"},
	"kar_center_manager": {"karmet", "karmet2", "karbank", "karmet_by_almaty"},
	"alm_center_manager": {"almatrade"},
	"karmet_client": {"karmet", "karmet_by_almaty"},
	"karmet_client2": {"karmet2"},
	"karmet_rep": {"karmet", "karmet2", "karmet_by_almaty"},
	"karbank_client": {"karbank"},
	"almatrade_client": {"almatrade"},
}


@pytest.fixture
def incidents(world):
	alm_engineer = world["users"]["alm_engineer"]
	return {
		"karmet": make_incident(world, "karmet_client").name,
		"karmet2": make_incident(world, "karmet_client2").name,
		"karbank": make_incident(world, "karbank_client").name,
		"almatrade": make_incident(world, "almatrade_client").name,
		# a Karaganda client's incident handed to an Almaty engineer
		"karmet_by_almaty": make_incident(world, "karmet_client", engineer=alm_engineer).name,
	}


@pytest.mark.parametrize("who", sorted(EXPECTED_VISIBLE))
def test_each_role_sees_exactly_its_incidents(world, incidents, who):
	user = world["users"][who]
	frappe.set_user(user)
	listed = set(frappe.get_list("Incident", pluck="name", limit_page_length=0))
	mine = set(incidents.values())
	expected = {incidents[key] for key in EXPECTED_VISIBLE[who]}
	assert listed & mine == expected
	for key, name in incidents.items():
		allowed = frappe.has_permission("Incident", "read", doc=name, user=user)
		assert allowed == (key in EXPECTED_VISIBLE[who]), (who, key)


def test_report_view_and_counts_apply_the_same_rules(world, incidents):
	frappe.set_user(world["users"]["alm_center_manager"])
	count = frappe.db.count("Incident")  # unfiltered by permission: the DB truth
	visible = frappe.get_list(
		"Incident", fields=["count(name) as n"], filters={"name": ["in", list(incidents.values())]}
	)
	assert visible[0]["n"] == 1
	assert count >= 5


def test_engineer_cannot_write_another_centers_incident(world, incidents):
	frappe.set_user(world["users"]["alm_engineer"])
	doc = frappe.get_doc("Incident", incidents["karmet_by_almaty"])
	doc.check_permission("write")  # assigned to them: allowed
	other = frappe.get_doc("Incident", incidents["karmet"])
	with pytest.raises(frappe.PermissionError):
		other.check_permission("read")
	other.subject = "edited from Almaty"
	with pytest.raises(frappe.PermissionError):
		other.save()


def test_client_cannot_write_even_own_incident(world, incidents):
	frappe.set_user(world["users"]["karmet_client"])
	doc = frappe.get_doc("Incident", incidents["karmet"])
	doc.subject = "changed by client"
	with pytest.raises(frappe.PermissionError):
		doc.save()


def test_ratings_follow_the_incidents(world, incidents):
	incident = frappe.get_doc("Incident", incidents["karbank"])
	incident.engineer = world["users"]["kar_engineer"]
	incident.save()
	frappe.db.set_value("Incident", incident.name, {"status": "Resolved", "workflow_state": "Resolved"})
	rating = frappe.get_doc({"doctype": "Engineer Rating", "incident": incident.name, "stars": 4}).insert()
	expectations = {
		"kar_engineer": True,
		"kar_center_manager": True,
		"karbank_client": True,
		"alm_engineer": False,
		"alm_center_manager": False,
		"karmet_client": False,
		"karmet_rep": False,
		"operator": True,
	}
	for who, expected in expectations.items():
		user = world["users"][who]
		assert frappe.has_permission("Engineer Rating", "read", doc=rating.name, user=user) == expected, who
		frappe.set_user(user)
		assert (rating.name in frappe.get_list("Engineer Rating", pluck="name")) == expected, who
		frappe.set_user("Administrator")


def test_engineer_edits_only_own_availability_not_capacity(world):
	me, colleague = world["users"]["kar_engineer"], world["users"]["kar_engineer2"]
	frappe.set_user(me)
	own = frappe.get_doc("Support Engineer", me)
	own.availability = "Busy"
	own.save()
	assert frappe.db.get_value("Support Engineer", me, "availability") == "Busy"
	own.capacity = 50  # permlevel 1: read-only for engineers, silently kept by Frappe
	own.save()
	assert frappe.db.get_value("Support Engineer", me, "capacity") == 5
	other = frappe.get_doc("Support Engineer", colleague)  # same center: may read
	other.availability = "Off Duty"
	with pytest.raises(frappe.PermissionError):
		other.save()
	frappe.set_user(world["users"]["alm_engineer"])
	with pytest.raises(frappe.PermissionError):
		frappe.get_doc("Support Engineer", me).check_permission("read")


def test_center_manager_manages_only_own_centers_engineers(world):
	frappe.set_user(world["users"]["kar_center_manager"])
	engineer = frappe.get_doc("Support Engineer", world["users"]["kar_engineer"])
	engineer.capacity = 7
	engineer.save()
	assert frappe.db.get_value("Support Engineer", engineer.name, "capacity") == 7
	with pytest.raises(frappe.PermissionError):
		frappe.get_doc("Support Engineer", world["users"]["alm_engineer"]).check_permission("read")


def test_rest_refuses_other_clients_incidents(world, server):
	"""The same rules over real HTTP with API keys: committed data, removed afterwards."""
	from tests.harness.http import api_client

	names = [make_incident(world, "karmet_client").name, make_incident(world, "almatrade_client").name]
	frappe.db.commit()
	try:
		client = api_client(server, world["users"]["karmet_client"])
		assert client.get(f"/api/resource/Incident/{names[0]}").status_code == 200
		assert client.get(f"/api/resource/Incident/{names[1]}").status_code == 403
		listed = {
			row["name"] for row in client.get("/api/resource/Incident", limit_page_length=0).json()["data"]
		}
		assert names[0] in listed and names[1] not in listed
		engineer = api_client(server, world["users"]["alm_engineer"])
		assert engineer.get(f"/api/resource/Incident/{names[0]}").status_code == 403
		assert engineer.get(f"/api/resource/Incident/{names[1]}").status_code == 200
		# a website client never reaches the Desk's report API for other doctypes
		assert client.get("/api/resource/Support Engineer").status_code == 403
	finally:
		for name in names:
			frappe.delete_doc("Incident", name, force=True)
		frappe.db.commit()
