"""Bad input gets a clear error and leaves what is stored untouched — for every doctype."""

import frappe
import pytest

from tests.harness.states import bring_to
from tests.harness.world import make_incident


def count(doctype):
	return frappe.db.count(doctype)


def refused(doc, match: str, exc=frappe.ValidationError):
	doctype = doc.doctype
	before = count(doctype)
	with pytest.raises(exc, match=match):
		doc.insert()
	assert count(doctype) == before


# ---------------------------------------------------------------- Incident


def test_unknown_caller_must_leave_name_phone_and_email(world):
	doc = frappe.get_doc({"doctype": "Incident", "subject": "VPN", "client_company": "TEST KarMet"})
	refused(doc, "Contact Phone", frappe.MandatoryError)


@pytest.mark.parametrize(
	"phone, email, match",
	[
		("12-34", "ok@karmet.test", "not a valid phone"),
		("+7 701 123 45 67", "not-an-email", "not a valid e-mail"),
	],
)
def test_invalid_phone_or_email_is_refused(world, phone, email, match):
	doc = frappe.get_doc(
		{
			"doctype": "Incident",
			"subject": "VPN",
			"client_company": "TEST KarMet",
			"contact_name": "Иван",
			"contact_phone": phone,
			"contact_email": email,
		}
	)
	refused(doc, match)


def test_unknown_caller_details_are_normalised(world):
	doc = frappe.get_doc(
		{
			"doctype": "Incident",
			"subject": "VPN не подключается",
			"client_company": "TEST KarMet",
			"contact_name": "Иван Петров",
			"contact_phone": "8 (701) 123-45-67",
			"contact_email": " Ivan@KarMet.TEST ",
		}
	).insert()
	assert (doc.contact_phone, doc.contact_email, doc.service_center) == (
		"+77011234567",
		"Ivan@karmet.test",
		"TEST Karaganda",
	)


def test_contact_of_another_company_is_refused(world):
	doc = frappe.get_doc(
		{
			"doctype": "Incident",
			"subject": "x",
			"contact": world["contacts"]["almatrade_client"],
			"client_company": "TEST KarMet",
		}
	)
	refused(doc, "works for .*TEST AlmaTrade")


def test_inactive_company_and_engineer_are_refused(world):
	frappe.db.set_value("Client Company", "TEST KarBank", "is_active", 0)
	refused(make_doc(world, "karbank_client"), "not active")
	frappe.db.set_value("Support Engineer", world["users"]["kar_engineer2"], "is_active", 0)
	refused(make_doc(world, "karmet_client", engineer=world["users"]["kar_engineer2"]), "not active")


def test_without_any_service_center_registration_is_refused(world):
	frappe.db.set_single_value("Helpdesk Settings", "default_service_center", None)
	doc = frappe.get_doc(
		{
			"doctype": "Incident",
			"subject": "Сломался ноутбук",
			"channel": "Walk-in",
			"contact_name": "Гость",
			"contact_phone": "+77011234567",
			"contact_email": "guest@example.kz",
		}
	)
	refused(doc, "service center", frappe.MandatoryError)


def test_only_active_global_problems_can_be_linked(world):
	problem = frappe.get_doc(
		{
			"doctype": "Global Problem",
			"title": "Авария провайдера",
			"status": "Resolved",
			"resolution": "Восстановлено",
		}
	).insert()
	refused(make_doc(world, "karmet_client", global_problem=problem.name), "not active")


def test_linked_global_problem_gives_its_planned_time(world):
	problem = frappe.get_doc(
		{
			"doctype": "Global Problem",
			"title": "Нет интернета",
			"planned_resolution_time": "2030-01-01 18:00:00",
		}
	).insert()
	incident = make_incident(world, global_problem=problem.name)
	assert str(incident.planned_resolution_time) == "2030-01-01 18:00:00"
	problem.planned_resolution_time = "2030-01-02 12:00:00"
	problem.save()
	assert (
		str(frappe.db.get_value("Incident", incident.name, "planned_resolution_time"))
		== "2030-01-02 12:00:00"
	)


def test_a_refused_save_leaves_the_stored_incident_unchanged(world):
	doc = bring_to(make_incident(world), "In Progress", world["users"]["kar_engineer"])
	stored = frappe.get_doc("Incident", doc.name).as_dict()
	doc.subject = "new subject that must not be stored"
	doc.workflow_state = "Resolved"  # without resolution details
	with pytest.raises(frappe.ValidationError, match="Resolution details"):
		doc.save()
	again = frappe.get_doc("Incident", doc.name).as_dict()
	assert (again.subject, again.status, again.modified) == (stored.subject, stored.status, stored.modified)


def make_doc(world, client_key, **values):
	return frappe.get_doc(
		{"doctype": "Incident", "subject": "Тест", "contact": world["contacts"][client_key], **values}
	)


# ---------------------------------------------------------------- reference data


def center(**values):
	return frappe.get_doc(
		{"doctype": "Service Center", "center_name": "TEST Temirtau", "city": "Темиртау", **values}
	)


@pytest.mark.parametrize(
	"values, match",
	[
		({"time_zone": "Asia/Karaganda"}, "Unknown time zone"),
		({"latitude": 95, "longitude": 73}, "Latitude must be"),
		({"phone": "call us"}, "not a valid phone"),
		(
			{
				"working_hours": [
					{"weekday": "Monday", "start_time": "09:00", "end_time": "13:00"},
					{"weekday": "Monday", "start_time": "12:00", "end_time": "18:00"},
				]
			},
			"overlap",
		),
		({"working_hours": [{"weekday": "Monday", "start_time": "09:00", "end_time": "09:00"}]}, "the same"),
		(
			{"holidays": [{"holiday_date": "2026-12-16"}, {"holiday_date": "2026-12-16"}]},
			"listed twice",
		),
	],
)
def test_service_center_bad_input(world, values, match):
	refused(center(**values), match)


def test_service_center_night_shift_is_fine(world):
	doc = center(working_hours=[{"weekday": "Friday", "start_time": "22:00", "end_time": "06:00"}]).insert()
	assert doc.name == "TEST Temirtau"


def company(**values):
	return frappe.get_doc(
		{
			"doctype": "Client Company",
			"company_name": "TEST Qarmet",
			"service_center": "TEST Karaganda",
			**values,
		}
	)


def test_client_company_domains_are_checked_and_unique(world):
	refused(company(email_domains=[{"domain": "not a domain"}]), "not an e-mail domain")
	refused(company(email_domains=[{"domain": "x.kz"}, {"domain": "X.KZ"}]), "listed twice")
	refused(
		company(email_domains=[{"domain": "karmet.test"}]),
		"already belongs to .*TEST KarMet",
		frappe.DuplicateEntryError,
	)
	doc = company(email_domains=[{"domain": "@Qarmet.KZ"}]).insert()
	assert doc.email_domains[0].domain == "qarmet.kz"


def test_support_engineer_bad_input(world):
	client_user = world["users"]["karmet_client"]
	refused(
		frappe.get_doc(
			{"doctype": "Support Engineer", "user": client_user, "service_center": "TEST Karaganda"}
		),
		"not a Desk user",
	)
	refused(
		frappe.get_doc(
			{
				"doctype": "Support Engineer",
				"user": "Administrator",
				"service_center": "TEST Karaganda",
				"capacity": 0,
			}
		),
		"at least 1",
	)
	with pytest.raises(frappe.DuplicateEntryError):
		frappe.get_doc(
			{
				"doctype": "Support Engineer",
				"user": world["users"]["kar_engineer"],
				"service_center": "TEST Almaty",
			}
		).insert()


def test_global_problem_bad_input(world):
	refused(
		frappe.get_doc(
			{
				"doctype": "Global Problem",
				"title": "x",
				"started_on": "2026-11-10 10:00:00",
				"planned_resolution_time": "2026-11-09 10:00:00",
			}
		),
		"cannot be before",
	)
	refused(frappe.get_doc({"doctype": "Global Problem", "title": "x", "status": "Resolved"}), "resolution")


def test_settings_bad_input(world):
	settings = frappe.get_doc("Helpdesk Settings")
	settings.reopen_window_days = 0
	with pytest.raises(frappe.ValidationError, match="reopen window"):
		settings.save()
	assert frappe.db.get_single_value("Helpdesk Settings", "reopen_window_days") == 7


# ---------------------------------------------------------------- Engineer Rating


def test_rating_rules(world):
	incident = make_incident(world)
	rating = {"doctype": "Engineer Rating", "incident": incident.name, "stars": 5}
	refused(frappe.get_doc(rating), "Only a resolved incident")
	incident = bring_to(incident, "Resolved", world["users"]["kar_engineer"])
	refused(frappe.get_doc({**rating, "stars": 6}), "1 to 5 stars")
	refused(frappe.get_doc({**rating, "stars": 0}), "1 to 5 stars")
	saved = frappe.get_doc({**rating, "comment": "<script>alert(1)</script><b>Спасибо</b>"}).insert()
	assert saved.comment == "alert(1)Спасибо"
	assert (saved.engineer, saved.service_center, saved.contact) == (
		world["users"]["kar_engineer"],
		"TEST Karaganda",
		world["contacts"]["karmet_client"],
	)
	engineer = frappe.db.get_value(
		"Support Engineer", world["users"]["kar_engineer"], ["rating_average", "rating_count"], as_dict=True
	)
	assert engineer.rating_count >= 1
	refused(frappe.get_doc(rating), "already been rated", frappe.DuplicateEntryError)
	# the client may change it until the incident closes
	saved.stars = 3
	saved.save()
	bring_closed = frappe.get_doc("Incident", incident.name)
	from frappe.model.workflow import apply_workflow

	apply_workflow(bring_closed.as_dict(), "Close")
	saved.reload()
	saved.stars = 1
	with pytest.raises(frappe.ValidationError, match="closed"):
		saved.save()
	assert frappe.db.get_value("Engineer Rating", saved.name, "stars") == 3


def test_rating_average_follows_every_change(world):
	engineer = world["users"]["kar_engineer2"]
	stars = [5, 1, 3]
	names = []
	for value in stars:
		incident = bring_to(make_incident(world), "Resolved", engineer)
		frappe.db.set_value("Incident", incident.name, "engineer", engineer)
		names.append(
			frappe.get_doc({"doctype": "Engineer Rating", "incident": incident.name, "stars": value})
			.insert()
			.name
		)
	average, count_ = frappe.db.get_value("Support Engineer", engineer, ["rating_average", "rating_count"])
	assert (average, count_) == (3.0, 3)
	frappe.delete_doc("Engineer Rating", names[1])
	average, count_ = frappe.db.get_value("Support Engineer", engineer, ["rating_average", "rating_count"])
	assert (average, count_) == (4.0, 2)


def test_a_deleted_incidents_number_is_never_given_again(world):
	"""Frappe hands the last number of a series back on delete; clients quote numbers, and the deleted
	incident's timeline is removed by a background job later: a new incident must not inherit either."""
	first = make_incident(world)
	first.add_comment("Comment", "about the first incident")
	frappe.db.commit()
	try:
		frappe.delete_doc("Incident", first.name, force=True)
		second = make_incident(world)
		assert second.name != first.name
		assert not frappe.get_all(
			"Comment",
			filters={
				"reference_doctype": "Incident",
				"reference_name": second.name,
				"comment_type": "Comment",
			},
		)
	finally:
		frappe.db.rollback()
		frappe.db.delete("Comment", {"reference_doctype": "Incident", "reference_name": first.name})
		frappe.db.commit()
