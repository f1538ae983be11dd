"""Texts written in background jobs speak their reader's language, not the job's English (issue 17, point 4):
the assignment's explanation in the timeline (the site's language: everyone reads it), the low-rating e-mail
(the center manager's language), the planned-time e-mail (each client's language). Each for ru, kk and en,
from a job's context: `frappe.local.lang` is "en" there, whatever the desk speaks."""

from datetime import timedelta

import frappe
import pytest
from frappe.utils import get_datetime, now_datetime

from tests.harness.assignment_world import (
	enable_rule,
	ensure_outgoing_email_account,
	open_around_the_clock,
	reset_caches,
)
from tests.harness.mail import queued_for, read_queued
from tests.harness.world import make_incident
from tests.site.test_portal_ratings import rated
from xnet_helpdesk.assignment import jobs, load
from xnet_helpdesk.outages import notices

LANGUAGES = ("ru", "kk", "en")
EXPLANATION = {
	"ru": "Назначен ближайшему свободному инженеру",
	"kk": "Ең жақын бос инженерге тағайындалды",
	"en": "Assigned to the nearest free engineer",
}
LOW_RATING = {
	"ru": "Низкая оценка 1 из 5",
	"kk": "инциденті бойынша төмен баға: 5-тен 1",
	"en": "Low rating 1 of 5",
}
RATED = {"ru": "оценен на 1 из 5 звёзд", "kk": "жұлдызымен", "en": "was rated 1 of 5 stars"}
PLANNED = {
	"ru": "Новый планируемый срок решения для",
	"kk": "үшін жаңа жоспарланған шешу мерзімі",
	"en": "New planned resolution time for",
}


@pytest.fixture
def in_a_job():
	"""A worker's context: no request, so Frappe's default language."""
	previous = frappe.local.lang
	frappe.local.lang = "en"
	yield
	frappe.local.lang = previous


def set_site_language(language):
	frappe.db.set_single_value("System Settings", "language", language)
	frappe.clear_cache()


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_assignment_is_explained_in_the_sites_language(world, in_a_job, language):
	users = world["users"]
	open_around_the_clock("TEST Karaganda")
	for key in ("kar_engineer", "kar_engineer2"):
		frappe.db.set_value("Support Engineer", users[key], {"availability": "Available", "is_active": 1})
	load.recount_open_load()
	enable_rule([users["kar_engineer"], users["kar_engineer2"]])
	set_site_language(language)
	frappe.local.lang = "en"
	try:
		doc = make_incident(world)
		assert jobs.assign_pending(doc.name) is True
		comments = frappe.get_all(
			"Comment",
			filters={"reference_name": doc.name, "comment_type": "Info"},
			pluck="content",
		)
		assert any(EXPLANATION[language] in c for c in comments), comments
		if language != "en":
			assert not any(EXPLANATION["en"] in c for c in comments)
	finally:
		reset_caches()


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_low_rating_email_is_in_the_managers_language(world, in_a_job, language):
	ensure_outgoing_email_account()
	manager = world["users"]["kar_center_manager"]
	frappe.db.set_value("User", manager, "language", language)
	set_site_language("en" if language != "en" else "ru")
	frappe.local.lang = "en"
	rating = rated(world, "kar_engineer", 1)
	queued = frappe.get_all(
		"Email Queue",
		filters={"reference_doctype": "Engineer Rating", "reference_name": rating.name},
		pluck="message",
	)
	assert len(queued) == 1
	subject, text = read_queued(queued[0])
	assert LOW_RATING[language] in subject and RATED[language] in text


def test_the_planned_time_email_is_in_each_clients_language(world, in_a_job):
	ensure_outgoing_email_account()
	clients = {"karmet_client": "ru", "karbank_client": "kk", "almatrade_client": "en"}
	for key, language in clients.items():
		frappe.db.set_value("Contact", world["contacts"][key], "preferred_language", language)
	problem = frappe.get_doc(
		{
			"doctype": "Global Problem",
			"title": "TEST Нет связи",
			"started_on": now_datetime() - timedelta(hours=1),
			"planned_resolution_time": now_datetime() + timedelta(hours=2),
			"affected_service_centers": [{"service_center": "TEST Karaganda"}],
		}
	).insert()
	for key in clients:
		make_incident(world, key, global_problem=problem.name)
	new_time = now_datetime() + timedelta(hours=4)
	problem.planned_resolution_time = new_time
	problem.save()
	frappe.local.lang = "en"
	assert notices.notify_planned_time_change(problem.name, str(get_datetime(new_time))) == 3
	for key, language in clients.items():
		mails = queued_for(world["users"][key], reference_doctype="Global Problem")
		assert len(mails) == 1 and PLANNED[language] in mails[0][0], (key, language, mails)
