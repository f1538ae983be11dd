"""Global problems keep every linked client informed: a new planned time e-mailed once per client from a
background job, and the problem's resolution resolving its open incidents in a resumable job."""

import difflib
import json
import re
from datetime import datetime, timedelta

import frappe
import pytest
from frappe.utils import get_datetime, get_url, now_datetime

from tests.harness.assignment_world import ensure_outgoing_email_account, open_around_the_clock, reset_caches
from tests.harness.jobs import after_commit_methods
from tests.harness.states import bring_to
from tests.harness.world import make_incident
from xnet_helpdesk.outages import fanout, notices, resolution, updates
from xnet_helpdesk.outgoing.outbox import deliver_all


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
	assert any(m.endswith("outages.notices.notify_planned_time_change") for m in after_commit_methods())
	assert get_datetime(
		frappe.db.get_value("Incident", incidents["assigned"].name, "planned_resolution_time")
	) == (get_datetime(new_time))

	sent = notices.notify_planned_time_change(problem.name, str(get_datetime(new_time)))
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
	assert (
		notices.notify_planned_time_change(problem.name, str(get_datetime(new_time) - timedelta(hours=1)))
		== 0
	)


def test_resolution_fan_out_survives_a_crash_and_e_mails_no_one_twice(world, outage, monkeypatch):
	problem, incidents = outage
	problem.status = "Resolved"
	problem.resolution = "<p>Магистральный канал восстановлен</p>"
	problem.save()
	assert any(m.endswith("outages.fanout.resolve_linked_incidents") for m in after_commit_methods())
	assert frappe.db.get_value("Incident", incidents["assigned"].name, "status") == "Assigned"

	real, calls = resolution.bulk_insert, []

	def die_in_second_chunk(doctype, docs):
		# the worker is killed in the second chunk, after its incidents were updated, before its e-mails
		calls.append(doctype)
		if doctype == "Email Queue" and calls.count("Email Queue") == 2:
			raise SystemExit("worker killed")
		return real(doctype, docs)

	open_ones = ("assigned", "in_progress", "awaiting", "registered", "no_engineer")
	mail_before = {key: len(emails("Incident", incidents[key].name)) for key in (*open_ones, "closed")}
	monkeypatch.setattr(resolution, "bulk_insert", die_in_second_chunk)
	with pytest.raises(SystemExit):
		fanout.resolve_linked_incidents(problem.name, commit=False, chunk=2)
	frappe.db.rollback(save_point="xnet_problem_resolution")  # what the dead worker had not committed
	monkeypatch.setattr(resolution, "bulk_insert", real)
	resolved_before_crash = frappe.db.count(
		"Incident", {"global_problem": problem.name, "status": "Resolved"}
	)
	assert resolved_before_crash == 2  # the first chunk, committed

	result = fanout.resolve_linked_incidents(problem.name, commit=False, chunk=2)
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
	assert frappe.db.get_value("Incident", incidents["no_engineer"].name, "status") == "Registered"

	again = fanout.resolve_linked_incidents(problem.name, commit=False)
	assert again["resolved"] == []
	for key in ("assigned", "in_progress", "awaiting", "registered"):
		assert len(emails("Incident", incidents[key].name)) == mail_before[key] + 1


# what differs between two incidents by nature (their number, when they were made), not by how they were resolved
OWN = {"name", "creation", "modified", "registered_on", "assigned_on", "accepted_on"}


def comments_of(value, name):
	return [
		(re.sub(r"\?t=[^&\"]+", "?t=TOKEN", row["comment"].replace(name, "#")), row["by"])
		for row in json.loads(value or "[]")
	]


# a Communication's own name, times and message id, and the incident it belongs to
OWN_COMMUNICATION = ("creation", "modified", "communication_date", "message_id", "reference_name")


def trail(name):
	"""What a resolution leaves around an incident, with the incident's own number taken out."""
	versions = frappe.get_all(
		"Version", filters={"ref_doctype": "Incident", "docname": name}, pluck="data", order_by="creation"
	)
	changed = [sorted(row[0] for row in json.loads(data).get("changed", [])) for data in versions]
	comments = frappe.get_all(
		"Comment",
		filters={"reference_doctype": "Incident", "reference_name": name},
		fields=["*"],
		order_by="creation",
	)
	for row in comments:
		for key in ("name", "creation", "modified", "reference_name"):
			row[key] = bool(row[key])
	mails = frappe.get_all(
		"Email Queue",
		filters={"reference_doctype": "Incident", "reference_name": name},
		fields=["*"],
	)
	for mail in mails:
		queue = mail.pop("name")
		text = quopri_text(mail.pop("message"))
		for key in ("creation", "modified", "message_id", "reference_name"):
			mail[key] = bool(mail[key])
		# the portal links are signed for the incident's own number
		mail["text"] = re.sub(r"\?t=[^&\"]+", "?t=TOKEN", text.replace(name, "#").replace(get_url(), ""))
		mail["to"] = frappe.get_all("Email Queue Recipient", filters={"parent": queue}, pluck="recipient")
		mail["communication"] = frappe.db.get_value(
			"Communication",
			mail.communication,
			["communication_type", "communication_medium", "sent_or_received", "status", "recipients"],
			as_dict=True,
		)
	communications = frappe.get_all(
		"Communication",
		filters={"reference_doctype": "Incident", "reference_name": name},
		fields=["*"],
		order_by="creation",
	)
	for row in communications:
		# every column as an insert() leaves it; what names or times the record itself, by whether it is set
		for key in OWN_COMMUNICATION:
			row[key] = bool(row[key])
		row.subject = row.subject.replace(name, "#")
		row.content = re.sub(
			r"\?t=[^&\"]+", "?t=TOKEN", row.content.replace(name, "#").replace(get_url(), "")
		)
		row.timeline_links = frappe.get_all(
			"Communication Link",
			filters={"parent": row.pop("name")},
			fields=["link_doctype", "link_name"],
			order_by="idx",
		)
	todos = frappe.get_all(
		"ToDo",
		filters={"reference_type": "Incident", "reference_name": name},
		fields=["status", "allocated_to"],
	)
	return {
		"versions": changed,
		"comments": [c for c in comments if c.comment_type != "Attachment"],
		"mails": mails,
		"communications": communications,
		"todos": todos,
		"pending": frappe.db.count(
			"Pending Notification", {"reference_doctype": "Incident", "reference_name": name}
		),
	}


def test_what_the_resolution_leaves_open_is_reported_once_and_resolved_once_it_has_an_engineer(world, outage):
	"""An incident no engineer holds cannot be resolved (nobody to rate): it stays open, and the problem says
	which and why, in its timeline and in the bell of the resolver and of the incident's center manager;
	the hourly resume says nothing new, and resolves it once an engineer has it."""
	problem, incidents = outage
	stuck = incidents["no_engineer"].name
	errors_before = frappe.db.count("Error Log")
	frappe.set_user(world["users"]["manager"])  # the helpdesk manager resolves it
	try:
		problem.status = "Resolved"
		problem.resolution = "<p>Магистральный канал восстановлен</p>"
		problem.save()
	finally:
		frappe.set_user("Administrator")

	def reports():
		comments = frappe.get_all(
			"Comment",
			filters={
				"reference_doctype": "Global Problem",
				"reference_name": problem.name,
				"comment_type": "Info",
			},
			pluck="content",
		)
		bells = frappe.get_all(
			"Notification Log",
			filters={"document_type": "Global Problem", "document_name": problem.name},
			pluck="for_user",
		)
		return comments, sorted(bells)

	result = fanout.resolve_linked_incidents(problem.name, commit=False)
	assert result["failed"] == [stuck]
	comments, bells = reports()
	assert len(comments) == 1 and stuck in comments[0]
	assert not any(other.name in comments[0] for key, other in incidents.items() if key != "no_engineer")
	assert bells == sorted([world["users"]["manager"], world["users"]["alm_center_manager"]])
	assert frappe.db.count("Error Log") == errors_before  # a rule it breaks, not an error

	# the hourly resume meets it again: nothing new is said
	assert fanout.resolve_linked_incidents(problem.name, commit=False)["failed"] == [stuck]
	assert reports() == (comments, bells)

	doc = frappe.get_doc("Incident", stuck)
	doc.engineer = world["users"]["alm_engineer"]
	doc.save()
	assert fanout.resolve_linked_incidents(problem.name, commit=False)["resolved"] == [stuck]
	assert frappe.db.get_value("Incident", stuck, "status") == "Resolved"
	assert reports() == (comments, bells)


@pytest.mark.parametrize("state", ["Assigned", "In Progress", "Awaiting Client"])
def test_set_based_resolution_ends_where_a_resolution_by_hand_ends(world, outage, state):
	"""The same incident twice, one resolved by the full saves of a resolution by hand, one by the fan-out:
	every field, the workflow history, the ToDo, the engineer's load and the e-mail are the same.
	Karaganda is open around the clock here: with working hours, a pause that ends the moment the center
	opens or closes counts 0 business minutes for one incident and a few seconds for the other, and only
	one of them would move its resolution deadline.
	Both have waited for their client since the same moment ten minutes ago: a Version lists a field only
	when its *formatted* value changed (Frappe's get_diff, datetimes to the second), and pauses of a second
	or two move the deadline across a second's boundary for one incident and not for the other."""
	open_around_the_clock("TEST Karaganda")
	problem, _incidents = outage
	engineer = world["users"]["kar_engineer"]
	link = {"global_problem": problem.name}
	by_hand = bring_to(make_incident(world, "karmet_client2", **link), state, engineer)
	by_fanout = bring_to(make_incident(world, "karmet_client2", **link), state, engineer)
	if state == "Awaiting Client":
		paused_since = now_datetime() - timedelta(minutes=10)
		for name in (by_hand.name, by_fanout.name):
			frappe.db.set_value("Incident", name, "sla_paused_since", paused_since, update_modified=False)
	deliver_all(commit=False)
	before = {name: trail(name) for name in (by_hand.name, by_fanout.name)}
	load_before = frappe.db.get_value("Support Engineer", engineer, "open_load")
	problem.reload()
	problem.status = "Resolved"
	problem.resolution = "<p>Магистральный канал восстановлен</p>"
	problem.save()

	fanout._resolve_one(by_hand.name, problem, None)
	result = resolution.resolve_chunk([by_fanout.name], problem, None)
	assert result == {"resolved": [by_fanout.name], "failed": [], "reasons": {}}
	assert frappe.db.get_value("Support Engineer", engineer, "open_load") == load_before - 2
	deliver_all(commit=False)

	hand, bulk = frappe.get_doc("Incident", by_hand.name), frappe.get_doc("Incident", by_fanout.name)
	assert bulk.status == "Resolved"
	for field in bulk.meta.get_valid_columns():
		if field in OWN:
			continue
		theirs, ours = hand.get(field), bulk.get(field)
		if field == "_comments":  # the e-mails' timeline entries, named after each incident's own rows
			theirs, ours = comments_of(theirs, hand.name), comments_of(ours, bulk.name)
		if isinstance(theirs, datetime):
			assert abs((get_datetime(ours) - theirs).total_seconds()) < 60, field
		elif field == "sla_paused_minutes":
			# the business minutes each one waited for its client: moments apart, so they differ by the
			# seconds between the two
			assert abs(float(ours) - float(theirs)) < 1, field
		else:
			assert ours == theirs, field
	hand_trail, fanout_trail = trail(by_hand.name), trail(by_fanout.name)
	for key in ("versions", "comments", "communications", "todos", "pending"):
		new_hand = hand_trail[key][len(before[by_hand.name][key]) :] if key != "pending" else hand_trail[key]
		new_fanout = (
			fanout_trail[key][len(before[by_fanout.name][key]) :] if key != "pending" else fanout_trail[key]
		)
		assert new_fanout == new_hand, key
	assert len(fanout_trail["mails"]) == len(before[by_fanout.name]["mails"]) + 1
	(ours,) = [m for m in fanout_trail["mails"] if m not in before[by_fanout.name]["mails"]]
	(theirs,) = [m for m in hand_trail["mails"] if m not in before[by_hand.name]["mails"]]
	for key, value in theirs.items():
		difference = difflib.unified_diff(str(value).splitlines(), str(ours[key]).splitlines(), lineterm="")
		assert ours[key] == value, "\n".join(difference)


def test_set_based_resolution_obeys_the_admins_notification_conditions(world, outage):
	"""An admin's condition is evaluated per incident: a client whose incident it excludes gets the
	problem's own e-mail instead, the others the Notification's."""
	problem, incidents = outage
	notification = frappe.get_doc("Notification", "Incident Resolved: client")
	notification.condition = f'{notification.condition} and doc.name != "{incidents["in_progress"].name}"'
	notification.save(ignore_permissions=True)
	problem.status = "Resolved"
	problem.resolution = "<p>Восстановлено</p>"
	problem.save()
	result = fanout.resolve_linked_incidents(problem.name, commit=False)
	assert incidents["in_progress"].name in result["resolved"]
	excluded = frappe.get_all(
		"Email Queue",
		filters={"reference_doctype": "Incident", "reference_name": incidents["in_progress"].name},
		pluck="message",
	)
	notified = frappe.get_all(
		"Email Queue",
		filters={"reference_doctype": "Incident", "reference_name": incidents["assigned"].name},
		pluck="message",
	)
	assert len(excluded) == 1 and len(notified) == 1
	assert "TEST Нет интернета в Караганде" in quopri_text(excluded[0])  # the problem's own e-mail
	assert "TEST Нет интернета в Караганде" not in quopri_text(notified[0])


def quopri_text(message: str) -> str:
	import email

	parsed = email.message_from_string(message)
	parts = [parsed] if not parsed.is_multipart() else list(parsed.walk())
	return "".join(
		part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
		for part in parts
		if part.get_content_type() == "text/html"
	)


def test_unfinished_resolutions_are_requeued(world, outage):
	problem, _incidents = outage
	problem.status = "Resolved"
	problem.resolution = "<p>Восстановлено</p>"
	problem.save()
	frappe.db.after_commit.reset()
	fanout.resume_unfinished_resolutions()
	assert any(m.endswith("outages.fanout.resolve_linked_incidents") for m in after_commit_methods())


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
	sent = notices.notify_planned_time_change(problem.name, str(get_datetime(new_time)))
	assert sent == 3  # karmet_client, karmet_client2, almatrade_client; not karbank_client
	recipients = frappe.get_all(
		"Email Queue Recipient",
		filters={"parent": ("in", emails("Global Problem", problem.name))},
		pluck="recipient",
	)
	assert world["users"]["karbank_client"] not in recipients


# --- updates ------------------------------------------------------------------------------------------------


def post_update(problem, message, **values):
	return frappe.get_doc(
		{"doctype": "Global Problem Update", "global_problem": problem.name, "message": message, **values}
	).insert()


def update_recipients(problem):
	rows = frappe.get_all(
		"Email Queue",
		filters={"reference_doctype": "Global Problem", "reference_name": problem.name},
		pluck="name",
	)
	return sorted(
		frappe.get_all("Email Queue Recipient", filters={"parent": ("in", rows or [""])}, pluck="recipient")
	)


def test_an_update_is_e_mailed_once_to_each_client_and_moves_the_planned_time(world, outage):
	problem, incidents = outage
	new_time = (now_datetime() + timedelta(hours=7)).replace(microsecond=0)
	update = post_update(problem, "Бригада на месте, меняем кабель", new_planned_resolution_time=new_time)
	assert update.posted_by == "Administrator" and update.posted_on
	# the problem, its open incidents (portal, registration e-mail, phone card) show the update's time
	assert (
		get_datetime(frappe.db.get_value("Global Problem", problem.name, "planned_resolution_time"))
		== new_time
	)
	assert (
		get_datetime(frappe.db.get_value("Incident", incidents["awaiting"].name, "planned_resolution_time"))
		== new_time
	)
	methods = after_commit_methods()
	assert any(m.endswith("updates.notify_clients") for m in methods)
	assert not any(m.endswith("notify_planned_time_change") for m in methods)  # one e-mail, not two

	assert updates.notify_clients(update.name) == 4
	open_clients = {"karmet_client", "karmet_client2", "karbank_client", "almatrade_client"}
	assert update_recipients(problem) == sorted(world["users"][key] for key in open_clients)
	queued = frappe.get_all(
		"Email Queue",
		filters={"reference_doctype": "Global Problem", "reference_name": problem.name},
		fields=["message", "unsubscribe_method", "add_unsubscribe_link"],
	)
	assert all(q.unsubscribe_method == updates.OPT_OUT_METHOD and q.add_unsubscribe_link for q in queued)
	assert all("Бригада на месте, меняем кабель" in quopri_text(q.message) for q in queued)
	assert all("<!--unsubscribe_url-->" in q.message for q in queued)  # each recipient's own link

	# a second run of the job (a retry, a duplicate) e-mails no one again
	assert updates.notify_clients(update.name) == 0
	assert len(update_recipients(problem)) == 4

	# shown on the linked incidents' portal pages
	from xnet_helpdesk.portal.queries import incident_detail

	shown = incident_detail(incidents["in_progress"].name)["problem_updates"]
	assert [u.message for u in shown] == ["Бригада на месте, меняем кабель"]


def test_after_an_update_the_phone_card_and_a_new_registration_state_the_new_time(world, outage):
	"""The registration e-mail and the phone card state the planned time: after an update moved it, both
	say the new one."""
	from xnet_helpdesk.telephony.card import card_for

	problem, _incidents = outage
	old_time = get_datetime(problem.planned_resolution_time)
	new_time = (now_datetime() + timedelta(hours=9, minutes=17)).replace(second=0, microsecond=0)
	post_update(problem, "Замена оборудования займёт дольше", new_planned_resolution_time=new_time)

	call = frappe.get_doc(
		{
			"doctype": "Call",
			"call_id": "TEST-card-after-update",
			"contact": world["contacts"]["karmet_client"],
			"client_company": "TEST KarMet",
			"service_center": "TEST Karaganda",
		}
	)
	(shown,) = [p for p in card_for(call)["problems"] if p["name"] == problem.name]
	assert get_datetime(shown["planned_resolution_time"]) == new_time

	incident = make_incident(world, "karmet_client2", global_problem=problem.name)
	assert get_datetime(incident.planned_resolution_time) == new_time
	(queued,) = emails("Incident", incident.name)  # the Registered e-mail to the client
	text = quopri_text(frappe.db.get_value("Email Queue", queued, "message"))
	assert new_time.strftime("%H:%M") in text
	assert old_time.strftime("%H:%M") not in text


def opt_out_request(query: str):
	from werkzeug.test import EnvironBuilder

	return EnvironBuilder(method="GET", query_string=query).get_request()


def test_a_client_who_opted_out_gets_no_more_updates_but_hears_of_the_resolution(world, outage):
	from frappe.email.queue import get_unsubcribed_url

	problem, incidents = outage
	client = world["users"]["karmet_client"]
	link = get_unsubcribed_url("Global Problem", problem.name, client, updates.OPT_OUT_METHOD, None)
	query = link.split("?", 1)[1]
	had_request, previous = hasattr(frappe.local, "request"), getattr(frappe.local, "request", None)
	try:
		frappe.local.request = opt_out_request(query.replace("_signature=", "_signature=0"))
		updates.stop_updates(client, "Global Problem", problem.name)  # a forged link changes nothing
		assert not frappe.db.get_value("Incident", incidents["assigned"].name, "no_outage_updates")
		frappe.local.request = opt_out_request(query)
		updates.stop_updates(client, "Global Problem", problem.name)
	finally:
		# no request at all, as before (Frappe's router reads a request that exists but is None)
		if had_request:
			frappe.local.request = previous
		else:
			del frappe.local.request
		frappe.local.flags.commit = False
	assert frappe.db.get_value("Incident", incidents["assigned"].name, "no_outage_updates") == 1
	assert frappe.db.get_value("Incident", incidents["in_progress"].name, "no_outage_updates") == 1

	update = post_update(problem, "Работы продолжаются")
	assert updates.notify_clients(update.name) == 3
	assert client not in update_recipients(problem)

	problem.reload()
	problem.status = "Resolved"
	problem.resolution = "<p>Восстановлено</p>"
	problem.save()
	fanout.resolve_linked_incidents(problem.name, commit=False)
	assert emails("Incident", incidents["assigned"].name)  # the Resolved e-mail still goes


def test_bad_updates_are_refused_and_change_nothing(world, outage):
	problem, _incidents = outage
	planned = frappe.db.get_value("Global Problem", problem.name, "planned_resolution_time")
	with pytest.raises(frappe.MandatoryError):
		post_update(problem, "  <b></b> ")
	with pytest.raises(frappe.ValidationError):
		post_update(
			problem, "Раньше начала", new_planned_resolution_time=problem.started_on - timedelta(days=1)
		)
	assert frappe.db.get_value("Global Problem", problem.name, "planned_resolution_time") == planned
	assert not frappe.db.count("Global Problem Update", {"global_problem": problem.name})
	problem.update({"status": "Resolved", "resolution": "<p>Готово</p>"})
	problem.save()
	with pytest.raises(frappe.ValidationError):
		post_update(problem, "Поздно")
