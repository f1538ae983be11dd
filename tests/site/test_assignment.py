"""The "Nearest Free Engineer" rule through Frappe's own Assignment Rule machinery: an Incident saved as
usual, Frappe's apply() running the rule, ToDo and _assign created by Frappe, our choice and explanation."""

import json
import re
import threading
from datetime import timedelta

import frappe
import pytest
from frappe.utils import add_to_date, now_datetime

from tests.harness.assignment_world import (
	enable_rule,
	ensure_astana,
	make_engineer,
	open_around_the_clock,
	reset_caches,
	set_engineer,
)
from tests.harness.jobs import after_commit_methods
from tests.harness.world import make_incident as register
from xnet_helpdesk.assignment import jobs, load
from xnet_helpdesk.business_hours import centers
from xnet_helpdesk.business_hours.schedule import WEEKDAYS
from xnet_helpdesk.overrides.assignment_rule import XnetAssignmentRule
from xnet_helpdesk.setup.assignment_setup import DEFAULT_RULE_NAME


def make_incident(world, client_key="karmet_client", **values):
	"""Registered as usual, then the background assignment job run as a worker runs it after the commit."""
	doc = register(world, client_key, **values)
	assert "xnet_helpdesk.assignment.jobs.assign_pending" in after_commit_methods()
	if jobs.assign_pending(doc.name):
		doc.reload()
	return doc


@pytest.fixture
def desk(world):
	"""Karaganda (two engineers), Almaty (one) and Astana (one) open around the clock, the rule enabled."""
	astana = ensure_astana()
	open_around_the_clock("TEST Karaganda", "TEST Almaty", astana)
	users = world["users"]
	engineers = {
		"kar1": users["kar_engineer"],
		"kar2": users["kar_engineer2"],
		"alm": users["alm_engineer"],
		"ast": make_engineer("ast_engineer", astana),
	}
	for name in engineers.values():
		set_engineer(name, availability="Available", is_active=1, capacity=5, skills=[])
	load.recount_open_load()
	frappe.db.set_value("Support Engineer", list(engineers.values()), "last_assigned_on", None)
	enable_rule(list(engineers.values()))
	yield engineers
	reset_caches()


def make_busy(*engineers):
	for name in engineers:
		set_engineer(name, availability="Away")


def test_rule_is_offered_next_to_frappes_own(site):
	options = frappe.get_meta("Assignment Rule").get_field("rule").options.split("\n")
	assert {"Round Robin", "Load Balancing", "Nearest Free Engineer"} <= set(options)
	rule = frappe.get_doc("Assignment Rule", DEFAULT_RULE_NAME)
	assert isinstance(rule, XnetAssignmentRule)
	assert rule.document_type == "Incident"
	# Frappe's rules are untouched by the subclass
	round_robin = frappe.get_doc(
		{"doctype": "Assignment Rule", "rule": "Round Robin", "document_type": "Incident", "users": []}
	)
	round_robin.append("users", {"user": "Administrator"})
	assert round_robin.get_user({}) == "Administrator"


def test_setup_is_idempotent(site):
	from xnet_helpdesk.setup.assignment_setup import ensure_assignment_setup

	setters = frappe.db.count("Property Setter", {"doc_type": "Assignment Rule"})
	rules = frappe.db.count("Assignment Rule", {"rule": "Nearest Free Engineer"})
	ensure_assignment_setup()
	assert frappe.db.count("Property Setter", {"doc_type": "Assignment Rule"}) == setters
	assert frappe.db.count("Assignment Rule", {"rule": "Nearest Free Engineer"}) == rules


def test_registration_leaves_the_choice_to_a_job_after_the_commit(world, desk):
	doc = register(world, "karmet_client")
	# saved at once as Registered; the rule applied and queued the choice
	assert doc.status == "Registered" and not doc.engineer and doc.assignment_pending_since
	assert frappe.db.get_value("Incident", doc.name, "assignment_pending_since")
	assert "xnet_helpdesk.assignment.jobs.assign_pending" in after_commit_methods()
	assert not frappe.get_all("ToDo", filters={"reference_name": doc.name})

	assert jobs.assign_pending(doc.name) is True
	doc.reload()
	assert doc.status == "Assigned" and doc.engineer in (desk["kar1"], desk["kar2"])
	assert not doc.assignment_pending_since
	# a second runner (a retry after a lost job) finds nothing to do
	assert jobs.assign_pending(doc.name) is False


def test_a_lost_assignment_job_is_picked_up_by_the_retry(world, desk):
	doc = register(world, "karmet_client")
	frappe.db.set_value(
		"Incident",
		doc.name,
		"assignment_pending_since",
		add_to_date(now_datetime(), minutes=-(jobs.LOST_JOB_MINUTES + 1)),
		update_modified=False,
	)
	fresh = register(world, "karbank_client")  # its own job is still due: the retry leaves it alone
	jobs.retry_waiting(commit=False)
	assert frappe.db.get_value("Incident", doc.name, "engineer")
	assert not frappe.db.get_value("Incident", fresh.name, "engineer")
	assert frappe.db.get_value("Incident", fresh.name, "assignment_pending_since")


def test_with_the_setting_off_the_engineer_is_chosen_in_the_save(world, desk):
	frappe.db.set_single_value("Helpdesk Settings", "assign_in_background", 0)
	try:
		doc = register(world, "karmet_client")
		assert doc.status == "Assigned" and doc.engineer and not doc.assignment_pending_since
	finally:
		frappe.db.set_single_value("Helpdesk Settings", "assign_in_background", 1)


def test_registration_assigns_own_center_engineer_through_the_workflow(world, desk):
	doc = make_incident(world, "karmet_client")
	assert doc.engineer in (desk["kar1"], desk["kar2"])
	assert doc.status == "Assigned"
	assert doc.workflow_state == "Assigned"
	assert doc.assigned_on
	todo = frappe.get_all(
		"ToDo",
		filters={"reference_type": "Incident", "reference_name": doc.name, "status": "Open"},
		fields=["allocated_to", "assignment_rule"],
	)
	assert todo == [{"allocated_to": doc.engineer, "assignment_rule": DEFAULT_RULE_NAME}]
	assert json.loads(frappe.db.get_value("Incident", doc.name, "_assign")) == [doc.engineer]
	assert frappe.db.get_value("Support Engineer", doc.engineer, "open_load") == 1
	info = frappe.get_all(
		"Comment",
		filters={"reference_doctype": "Incident", "reference_name": doc.name, "comment_type": "Info"},
		pluck="content",
	)
	assert len(info) == 1
	assert "TEST Karaganda" in info[0] and "0 / 5" not in info[0]
	assert frappe.db.exists(
		"Comment", {"reference_name": doc.name, "comment_type": "Workflow", "content": "Assigned"}
	)


def test_ties_go_to_lower_load_then_least_recently_assigned(world, desk):
	first = make_incident(world, "karmet_client")
	second = make_incident(world, "karmet_client")
	assert {first.engineer, second.engineer} == {desk["kar1"], desk["kar2"]}
	# both now carry one incident: the one assigned longer ago goes next
	third = make_incident(world, "karbank_client")
	assert third.engineer == first.engineer
	set_engineer(desk["kar2"], capacity=5)
	frappe.db.set_value("Support Engineer", desk["kar1"], "open_load", 3)
	assert make_incident(world, "karbank_client").engineer == desk["kar2"]


def test_proximity_across_cities_needs_the_setting(world, desk):
	make_busy(desk["kar1"], desk["kar2"])
	doc = make_incident(world, "karmet_client")
	assert not doc.engineer and doc.status == "Registered"
	assert doc.assignment_queued_on

	enable_rule(list(desk.values()), allow_other_centers=True)
	doc = make_incident(world, "karmet_client")
	# Astana is ~190 km from Karaganda, Almaty ~790 km
	assert doc.engineer == desk["ast"]
	info = frappe.get_all(
		"Comment", filters={"reference_name": doc.name, "comment_type": "Info"}, pluck="content"
	)[0]
	assert "TEST Astana" in info and re.search(r"\b19\d (km|км)", info)


def test_walk_in_is_measured_from_the_center_phone_from_the_client(world, desk):
	enable_rule(list(desk.values()), allow_other_centers=True)
	make_busy(desk["alm"])
	# an Almaty company sitting in Astana's suburbs: by phone it is nearest to the Astana center
	frappe.db.set_value("Client Company", "TEST AlmaTrade", {"latitude": 51.1, "longitude": 71.5})
	by_phone = make_incident(world, "almatrade_client")
	assert by_phone.engineer == desk["ast"]
	walk_in = make_incident(
		world, "almatrade_client", channel="Walk-in", service_center="TEST Almaty", device_type="Laptop"
	)
	# from the Almaty center itself Karaganda (~790 km) is nearer than Astana (~970 km)
	assert walk_in.engineer in (desk["kar1"], desk["kar2"])


def test_availability_capacity_and_active(world, desk):
	set_engineer(desk["kar1"], availability="Busy")
	set_engineer(desk["kar2"], capacity=1)
	first = make_incident(world, "karmet_client")
	assert first.engineer == desk["kar2"]
	second = make_incident(world, "karmet_client")
	assert not second.engineer  # kar2 is at capacity, kar1 busy
	set_engineer(desk["kar1"], availability="Available", is_active=0)
	assert not make_incident(world, "karmet_client").engineer


def test_skills_when_the_incident_has_a_category(world, desk):
	set_engineer(desk["kar2"], skills=[{"category": "TEST Hardware"}])
	frappe.db.set_value("Support Engineer", desk["kar2"], "open_load", 4)
	doc = make_incident(world, "karmet_client", category="TEST Hardware")
	assert doc.engineer == desk["kar2"]  # the only one with the skill, though busier
	info = frappe.get_all(
		"Comment", filters={"reference_name": doc.name, "comment_type": "Info"}, pluck="content"
	)[0]
	assert "TEST Hardware" in info
	set_engineer(desk["kar2"], availability="Away")
	assert not make_incident(world, "karmet_client", category="TEST Hardware").engineer


def _shift(center, start, end, holiday=None):
	doc = frappe.get_doc("Service Center", center)
	doc.working_hours = []
	doc.append(
		"working_hours",
		{
			"weekday": start.strftime("%A"),
			"start_time": start.strftime("%H:%M"),
			"end_time": end.strftime("%H:%M"),
		},
	)
	doc.holidays = []
	if holiday:
		doc.append("holidays", {"holiday_date": holiday})
	doc.save()


def _almaty_now():
	from zoneinfo import ZoneInfo

	return centers.aware(now_datetime()).astimezone(ZoneInfo("Asia/Almaty")).replace(tzinfo=None, second=0)


def test_shift_edges_in_the_center_time_zone(world, desk):
	now = _almaty_now()
	_shift("TEST Karaganda", now - timedelta(hours=3), now - timedelta(minutes=1))
	assert not make_incident(world, "karmet_client").engineer  # the shift ended a minute ago
	_shift("TEST Karaganda", now - timedelta(minutes=1), now + timedelta(hours=3))
	assert make_incident(world, "karbank_client").engineer  # started a minute ago
	_shift("TEST Karaganda", now - timedelta(minutes=1), now + timedelta(hours=3), holiday=now.date())
	assert not make_incident(world, "karbank_client").engineer  # but today is a holiday


def test_nobody_free_waits_tells_the_manager_once_and_is_retried(world, desk):
	make_busy(desk["kar1"], desk["kar2"])
	doc = make_incident(world, "karmet_client")
	assert not doc.engineer and doc.assignment_queued_on
	manager = world["users"]["kar_center_manager"]
	logs = frappe.get_all(
		"Notification Log", filters={"document_name": doc.name, "for_user": manager}, pluck="name"
	)
	assert len(logs) == 1
	why = frappe.get_all(
		"Comment", filters={"reference_name": doc.name, "comment_type": "Info"}, pluck="content"
	)
	assert len(why) == 1 and "Kar Engineer" in why[0]  # each engineer of the center and what keeps them
	assert jobs.retry_waiting(commit=False) == 0
	assert frappe.db.count("Notification Log", {"document_name": doc.name}) == 1

	set_engineer(desk["kar2"], availability="Available")
	assert jobs.retry_waiting(commit=False) >= 1
	doc.reload()
	assert doc.engineer == desk["kar2"] and doc.status == "Assigned"
	assert not doc.assignment_queued_on


def test_off_duty_reassigns_open_incidents_with_the_same_rule(world, desk):
	from frappe.model.workflow import apply_workflow

	set_engineer(desk["kar2"], availability="Away")
	assigned = make_incident(world, "karmet_client")
	in_progress = apply_workflow(make_incident(world, "karmet_client").as_dict(), "Take into Work")
	assert assigned.engineer == in_progress.engineer == desk["kar1"]
	set_engineer(desk["kar2"], availability="Available")

	frappe.set_user(world["users"]["kar_center_manager"])
	try:
		result = frappe.get_doc("Support Engineer", desk["kar1"]).go_off_duty()
	finally:
		frappe.set_user("Administrator")
	assert sorted(result["reassigned"]) == sorted([assigned.name, in_progress.name])
	assert frappe.db.get_value("Support Engineer", desk["kar1"], ["availability", "open_load"]) == (
		"Off Duty",
		0,
	)
	assert frappe.db.get_value("Support Engineer", desk["kar2"], "open_load") == 2
	for doc in (assigned, in_progress):
		doc.reload()
		assert doc.engineer == desk["kar2"]
	assert in_progress.status == "In Progress"


def test_off_duty_is_a_manager_action(world, desk):
	frappe.set_user(world["users"]["kar_engineer2"])
	try:
		with pytest.raises(frappe.PermissionError):
			frappe.get_doc("Support Engineer", desk["kar1"]).go_off_duty()
	finally:
		frappe.set_user("Administrator")


def test_rule_runs_for_a_client_registering_on_the_portal(world, desk):
	"""The client has no workflow role (the portal inserts for them): the rule's Assign is the system's act."""
	frappe.set_user(world["users"]["karmet_client"])
	try:
		doc = frappe.get_doc(
			{
				"doctype": "Incident",
				"subject": "Не работает почта",
				"contact": world["contacts"]["karmet_client"],
				"channel": "Portal",
			}
		).insert(ignore_permissions=True)
		assert frappe.session.user == world["users"]["karmet_client"]
		jobs.assign_pending(doc.name)  # the job runs as the user who queued it
		doc.reload()
	finally:
		frappe.set_user("Administrator")
	assert doc.status == "Assigned" and doc.engineer


def test_fairness_over_1000_decisions(world, desk):
	"""1,000 decisions through the rule's get_user (the lock included), each recorded as an assignment."""
	pool = [
		desk["kar1"],
		desk["kar2"],
		*[make_engineer(f"fair_engineer{i}", "TEST Karaganda") for i in range(3)],
	]
	for name in pool:
		set_engineer(name, availability="Available", capacity=100)
	frappe.db.set_value("Support Engineer", pool, "last_assigned_on", None)
	enable_rule(pool)
	rule = frappe.get_doc("Assignment Rule", DEFAULT_RULE_NAME)
	incident = {"service_center": "TEST Karaganda", "client_company": "TEST KarMet", "channel": "Phone"}
	counts = dict.fromkeys(pool, 0)
	moment = now_datetime()
	for step in range(1000):
		chosen = rule.get_user(incident)
		counts[chosen] += 1
		frappe.db.set_value(
			"Support Engineer",
			chosen,
			"last_assigned_on",
			add_to_date(moment, seconds=step),
			update_modified=False,
		)
	mean = 1000 / len(pool)
	assert all(abs(c - mean) <= 0.1 * mean for c in counts.values()), counts


def test_fairness_of_real_registrations(world, desk):
	pool = [desk["kar1"], desk["kar2"]]
	for name in pool:
		set_engineer(name, capacity=50)
	enable_rule(pool)
	engineers = [make_incident(world, "karmet_client").engineer for _ in range(30)]
	assert engineers.count(desk["kar1"]) == engineers.count(desk["kar2"]) == 15


# --- concurrency: real parallel transactions, committed and cleaned up ------------------------------------

CONC_CENTER, CONC_COMPANY, CONC_RULE = "TEST Concurrency", "TEST ConcCo", "TEST concurrency rule"


@pytest.fixture
def concurrency_world(world):
	frappe.db.rollback()
	if not frappe.db.exists("Service Center", CONC_CENTER):
		frappe.get_doc(
			{
				"doctype": "Service Center",
				"center_name": CONC_CENTER,
				"city": "Темиртау",
				"time_zone": "Asia/Almaty",
			}
		).insert()
	if not frappe.db.exists("Client Company", CONC_COMPANY):
		frappe.get_doc(
			{"doctype": "Client Company", "company_name": CONC_COMPANY, "service_center": CONC_CENTER}
		).insert()
	engineer = make_engineer("conc_engineer", CONC_CENTER, capacity=2, availability="Available")
	frappe.db.set_value("Support Engineer", engineer, "open_load", 0)
	if not frappe.db.exists("Assignment Rule", CONC_RULE):
		frappe.get_doc(
			{
				"doctype": "Assignment Rule",
				"document_type": "Incident",
				"priority": 100,
				"rule": "Nearest Free Engineer",
				"description": "test",
				"assign_condition": f'status == "Registered" and not engineer and service_center == "{CONC_CENTER}"',
				"users": [{"user": engineer}],
				"assignment_days": [{"day": day} for day in WEEKDAYS],
			}
		).insert(set_name=CONC_RULE)
	frappe.db.commit()
	reset_caches()
	yield engineer
	frappe.db.rollback()
	for name in frappe.get_all("Incident", filters={"service_center": CONC_CENTER}, pluck="name"):
		for doctype, field in (
			("ToDo", "reference_name"),
			("Comment", "reference_name"),
			("Notification Log", "document_name"),
		):
			frappe.db.delete(doctype, {field: name})
		frappe.delete_doc("Incident", name, force=True, ignore_permissions=True)
	frappe.delete_doc("Assignment Rule", CONC_RULE, force=True, ignore_permissions=True)
	frappe.db.set_value("Support Engineer", engineer, "open_load", 0)
	frappe.db.commit()
	reset_caches()


def _register_in_own_connection(site, sites_path, barrier, errors):
	import frappe as f

	try:
		f.init(site=site, sites_path=sites_path)
		f.connect()
		f.set_user("Administrator")
		doc = f.get_doc(
			{
				"doctype": "Incident",
				"subject": "Параллельная регистрация",
				"channel": "Phone",
				"client_company": CONC_COMPANY,
				"contact_name": "Тест",
				"contact_phone": "+77011234567",
				"contact_email": "conc@test.xnet.kz",
			}
		)
		barrier.wait(timeout=30)
		doc.insert()
		f.db.commit()
		# six workers pick the six assignment jobs at once
		from xnet_helpdesk.assignment import jobs

		jobs.assign_pending(doc.name)
		f.db.commit()
	except Exception as e:
		errors.append(repr(e))
	finally:
		f.destroy()


def test_concurrent_registrations_never_exceed_capacity(site, concurrency_world):
	engineer = concurrency_world
	threads_count = 6
	barrier, errors = threading.Barrier(threads_count), []
	threads = [
		threading.Thread(
			target=_register_in_own_connection, args=(site, frappe.local.sites_path, barrier, errors)
		)
		for _ in range(threads_count)
	]
	for t in threads:
		t.start()
	for t in threads:
		t.join(timeout=120)
	frappe.db.rollback()
	assert not errors, errors
	incidents = frappe.get_all(
		"Incident", filters={"service_center": CONC_CENTER}, fields=["engineer", "status"]
	)
	assert len(incidents) == threads_count
	assigned = [i for i in incidents if i.engineer == engineer]
	assert len(assigned) == 2
	assert frappe.db.get_value("Support Engineer", engineer, "open_load") == 2


def test_open_load_is_the_servers(world, desk):
	make_incident(world, "karmet_client")
	engineer = frappe.get_doc("Support Engineer", desk["kar1"])
	stored = engineer.open_load
	engineer.open_load = 0 if stored else 99
	engineer.save()
	assert frappe.db.get_value("Support Engineer", desk["kar1"], "open_load") == stored
	load.recount_open_load()
	assert frappe.db.get_value("Support Engineer", desk["kar1"], "open_load") == stored
