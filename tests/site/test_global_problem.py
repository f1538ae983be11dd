"""Global problems keep every linked client informed: a new planned time e-mailed once per client from a
background job, and the problem's resolution resolving its open incidents in a resumable job."""

from datetime import timedelta

import frappe
import pytest
from frappe.utils import get_datetime, now_datetime

from tests.harness.assignment_world import ensure_outgoing_email_account, reset_caches
from tests.harness.jobs import after_commit_methods
from tests.harness.states import bring_to
from tests.harness.world import make_incident
from xnet_helpdesk.outgoing.outbox import deliver_all
from xnet_helpdesk.xnet_helpdesk.doctype.global_problem import global_problem as gp


def emails(doctype, name):
	# incidents' own e-mails wait in the outbox until a worker sends them: send them as it would
	deliver_all(commit=False)
	return frappe.get_all(
		"Email Queue", filters={"reference_doctype": doctype, "reference_name": name}, pluck="name"
	)


@pytest.fixture
def outage(world):
	ensure_outgoing_email_account()
	engineer = world["users"]["kar_engineer"]
	problem = frappe.get_doc(
		{
			"doctype": "Global Problem",
			"title": "TEST Нет интернета в Караганде",
			"started_on": now_datetime() - timedelta(hours=1),
			"planned_resolution_time": now_datetime() + timedelta(hours=2),
			"affected_service_centers": [{"service_center": "TEST Karaganda"}],
		}
	).insert()
	link = {"global_problem": problem.name}
	incidents = {
		"assigned": bring_to(make_incident(world, "karmet_client", **link), "Assigned", engineer),
		"in_progress": bring_to(make_incident(world, "karmet_client", **link), "In Progress", engineer),
		"awaiting": bring_to(make_incident(world, "karmet_client2", **link), "Awaiting Client", engineer),
		"registered": make_incident(world, "karbank_client", engineer=engineer, **link),
		"closed": bring_to(make_incident(world, "karmet_rep", **link), "Closed", engineer),
		"no_engineer": make_incident(world, "almatrade_client", **link),
	}
	frappe.db.after_commit.reset()
	yield problem, incidents
	frappe.db.after_commit.reset()
	reset_caches()


def test_new_planned_time_is_e_mailed_from_a_background_job_once_per_client(world, outage):
	problem, incidents = outage
	new_time = now_datetime() + timedelta(hours=5)
	problem.planned_resolution_time = new_time
	problem.save()
	# the request only copies the time and queues the job
	assert not emails("Global Problem", problem.name)
	assert any(m.endswith("global_problem.notify_planned_time_change") for m in after_commit_methods())
	assert get_datetime(
		frappe.db.get_value("Incident", incidents["assigned"].name, "planned_resolution_time")
	) == (get_datetime(new_time))

	sent = gp.notify_planned_time_change(problem.name, str(get_datetime(new_time)))
	open_clients = {"karmet_client", "karmet_client2", "karbank_client", "almatrade_client"}
	assert sent == len(open_clients)  # karmet_client has two open incidents: one e-mail
	recipients = frappe.get_all(
		"Email Queue Recipient",
		filters={"parent": ("in", emails("Global Problem", problem.name))},
		pluck="recipient",
	)
	assert sorted(recipients) == sorted(world["users"][key] for key in open_clients)
	assert world["users"]["karmet_rep"] not in recipients  # their incident is closed

	# a job overtaken by a later change stays silent
	assert gp.notify_planned_time_change(problem.name, str(get_datetime(new_time) - timedelta(hours=1))) == 0


def test_resolution_fan_out_survives_a_crash_and_e_mails_no_one_twice(world, outage, monkeypatch):
	problem, incidents = outage
	problem.status = "Resolved"
	problem.resolution = "<p>Магистральный канал восстановлен</p>"
	problem.save()
	assert any(m.endswith("global_problem.resolve_linked_incidents") for m in after_commit_methods())
	assert frappe.db.get_value("Incident", incidents["assigned"].name, "status") == "Assigned"

	real, calls = gp._resolve_one, []

	def crash_on_third(name, *args):
		calls.append(name)
		if len(calls) == 3:
			raise SystemExit("worker killed")
		return real(name, *args)

	open_ones = ("assigned", "in_progress", "awaiting", "registered", "no_engineer")
	mail_before = {key: len(emails("Incident", incidents[key].name)) for key in (*open_ones, "closed")}
	monkeypatch.setattr(gp, "_resolve_one", crash_on_third)
	with pytest.raises(SystemExit):
		gp.resolve_linked_incidents(problem.name, commit=False)
	frappe.db.rollback(save_point="xnet_problem_resolution")  # what the dead worker had not committed
	monkeypatch.setattr(gp, "_resolve_one", real)

	result = gp.resolve_linked_incidents(problem.name, commit=False)
	assert result["failed"] == [incidents["no_engineer"].name]  # no engineer to be rated: left open
	assert len(result["resolved"]) == 2  # the rest after the two done before the crash

	for key in ("assigned", "in_progress", "awaiting", "registered"):
		doc = frappe.get_doc("Incident", incidents[key].name)
		assert doc.status == "Resolved", key
		assert doc.resolved_by_global_problem
		assert doc.engineer  # still rateable
		assert "Магистральный канал восстановлен" in doc.resolution_details
		# one e-mail to the client: the "resolved" one, none for the steps on the way
		assert len(emails("Incident", doc.name)) == mail_before[key] + 1, key
	assert frappe.db.get_value("Incident", incidents["closed"].name, "status") == "Closed"
	assert len(emails("Incident", incidents["closed"].name)) == mail_before["closed"]

	again = gp.resolve_linked_incidents(problem.name, commit=False)
	assert again["resolved"] == []
	for key in ("assigned", "in_progress", "awaiting", "registered"):
		assert len(emails("Incident", incidents[key].name)) == mail_before[key] + 1


def test_unfinished_resolutions_are_requeued(world, outage):
	problem, _incidents = outage
	problem.status = "Resolved"
	problem.resolution = "<p>Восстановлено</p>"
	problem.save()
	frappe.db.after_commit.reset()
	gp.resume_unfinished_resolutions()
	assert any(m.endswith("global_problem.resolve_linked_incidents") for m in after_commit_methods())


def test_resolved_on_is_the_servers(world):
	"""Sent over REST or an import, a resolution time is ignored: the server stamps it on the resolution."""
	problem = frappe.get_doc(
		{"doctype": "Global Problem", "title": "TEST Сбой DNS", "resolved_on": "2001-01-01 00:00:00"}
	).insert()
	assert problem.resolved_on is None
	problem.update(
		{"status": "Resolved", "resolution": "<p>DNS восстановлен</p>", "resolved_on": "2001-01-01"}
	)
	problem.save()
	stamped = get_datetime(problem.resolved_on)
	assert stamped > now_datetime() - timedelta(minutes=1)
	problem.update({"resolved_on": "2002-02-02 00:00:00", "description": "<p>уточнено</p>"})
	problem.save()
	assert get_datetime(problem.resolved_on) == stamped
	problem.update({"status": "Active", "resolved_on": "2003-03-03 00:00:00"})
	problem.save()
	assert problem.resolved_on is None


def test_a_machines_address_is_not_told_the_planned_time(world, outage):
	"""An incident registered from a no-reply sender (No Reply Possible) gets no planned-time e-mail."""
	problem, incidents = outage
	frappe.db.set_value("Incident", incidents["registered"].name, "no_reply_possible", 1)
	new_time = now_datetime() + timedelta(hours=6)
	problem.planned_resolution_time = new_time
	problem.save()
	sent = gp.notify_planned_time_change(problem.name, str(get_datetime(new_time)))
	assert sent == 3  # karmet_client, karmet_client2, almatrade_client; not karbank_client
	recipients = frappe.get_all(
		"Email Queue Recipient",
		filters={"parent": ("in", emails("Global Problem", problem.name))},
		pluck="recipient",
	)
	assert world["users"]["karbank_client"] not in recipients
