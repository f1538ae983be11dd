"""Ratings in the Desk: the engineer's figures, the Bayesian leaderboard, the trend chart, moderation
and the low-rating notification to the center manager."""

import frappe
import pytest

from tests.harness.assignment_world import ensure_outgoing_email_account
from tests.harness.states import bring_to
from tests.harness.world import make_incident
from xnet_helpdesk.xnet_helpdesk.report.engineer_leaderboard import engineer_leaderboard


def rated(world, engineer_key, stars, comment=None, client="karmet_client"):
	engineer = world["users"][engineer_key]
	doc = make_incident(world, client)
	if doc.engineer != engineer:  # the assignment rule may have picked another free engineer
		doc.engineer = engineer
		doc.save()
	doc = bring_to(doc, "Resolved", engineer)
	assert doc.engineer == engineer
	rating = frappe.get_doc(
		{
			"doctype": "Engineer Rating",
			"incident": doc.name,
			"stars": stars,
			"comment": comment,
			"source": "Portal",
		}
	)
	return rating.insert()


def test_leaderboard_ranks_by_bayesian_average(world):
	rated(world, "kar_engineer", 5)
	for stars in (5, 5, 4, 5, 5, 5, 5, 5):
		rated(world, "kar_engineer2", stars)
	for stars in (3, 3, 2, 4):
		rated(world, "alm_engineer", stars, client="almatrade_client")
	columns, rows = engineer_leaderboard.execute({"service_center": "TEST Karaganda"})
	assert {c["fieldname"] for c in columns} >= {"rank", "engineer", "ratings", "average", "score"}
	ours = [
		row
		for row in rows
		if row["engineer"] in (world["users"]["kar_engineer"], world["users"]["kar_engineer2"])
	]
	assert [row["engineer"] for row in ours] == [
		world["users"]["kar_engineer2"],
		world["users"]["kar_engineer"],
	]
	single = next(row for row in ours if row["engineer"] == world["users"]["kar_engineer"])
	assert single["average"] == 5.0 and single["score"] < 5.0
	assert world["users"]["alm_engineer"] not in {row["engineer"] for row in rows}  # another center
	assert [row["rank"] for row in rows] == list(range(1, len(rows) + 1))


def test_leaderboard_period_filter(world):
	rated(world, "kar_engineer", 4)
	_columns, rows = engineer_leaderboard.execute({"from_date": "2000-01-01", "to_date": "2000-12-31"})
	assert rows == []


def test_center_manager_sees_only_their_centers_ratings_in_the_leaderboard(world):
	rated(world, "kar_engineer", 4)
	rated(world, "alm_engineer", 3, client="almatrade_client")
	frappe.set_user(world["users"]["alm_center_manager"])
	_columns, rows = engineer_leaderboard.execute({})
	assert {row["service_center"] for row in rows} == {"TEST Almaty"}


def test_engineer_figures_follow_every_rating_change(world):
	engineer = world["users"]["kar_engineer2"]
	first = rated(world, "kar_engineer2", 5)
	second = rated(world, "kar_engineer2", 1)
	count = frappe.db.count("Engineer Rating", {"engineer": engineer})
	average = frappe.db.sql("select avg(stars) from `tabEngineer Rating` where engineer=%s", engineer)[0][0]
	assert frappe.db.get_value("Support Engineer", engineer, ["rating_average", "rating_count"]) == (
		round(float(average), 2),
		count,
	)
	second.stars = 3
	second.save()
	average = frappe.db.sql("select avg(stars) from `tabEngineer Rating` where engineer=%s", engineer)[0][0]
	assert frappe.db.get_value("Support Engineer", engineer, "rating_average") == round(float(average), 2)
	first.delete()
	assert frappe.db.get_value("Support Engineer", engineer, "rating_count") == count - 1


def test_manager_hides_an_abusive_comment_and_the_rating_still_counts(world):
	rating = rated(world, "kar_engineer", 1, comment="Грубый отзыв")
	count = frappe.db.get_value("Support Engineer", world["users"]["kar_engineer"], "rating_count")
	frappe.set_user(world["users"]["kar_center_manager"])
	doc = frappe.get_doc("Engineer Rating", rating.name)
	doc.is_hidden = 1
	doc.save()
	frappe.set_user("Administrator")
	assert frappe.db.get_value("Engineer Rating", rating.name, "is_hidden") == 1
	assert frappe.db.get_value("Support Engineer", world["users"]["kar_engineer"], "rating_count") == count


@pytest.mark.parametrize("user_key", ["kar_engineer", "karmet_client"])
def test_engineers_and_clients_cannot_hide_comments(world, user_key):
	rating = rated(world, "kar_engineer", 1, comment="Отзыв")
	frappe.set_user(world["users"][user_key])
	doc = frappe.get_doc("Engineer Rating", rating.name)
	doc.is_hidden = 1
	with pytest.raises(frappe.PermissionError):
		doc.save()


def test_low_rating_notifies_the_center_manager(world):
	ensure_outgoing_email_account()
	manager = world["users"]["kar_center_manager"]

	def mails(rating):
		queued = frappe.get_all(
			"Email Queue",
			filters={"reference_doctype": "Engineer Rating", "reference_name": rating.name},
			pluck="name",
		)
		return frappe.get_all(
			"Email Queue Recipient", filters={"parent": ["in", queued or [""]]}, pluck="recipient"
		)

	high = rated(world, "kar_engineer", 5)
	assert high.center_manager == manager and mails(high) == []
	low = rated(world, "kar_engineer", 2, comment="<b>Плохо</b>")
	assert mails(low) == [manager]
	# a changed comment on the same low rating does not notify again; a lower star does
	low.comment = "Передумал"
	low.save()
	assert mails(low) == [manager]
	low.stars = 1
	low.save()
	assert mails(low) == [manager, manager]


def test_notification_and_chart_are_standard_records():
	notification = frappe.get_doc("Notification", "Low Engineer Rating")
	assert (
		notification.is_standard and notification.document_type == "Engineer Rating" and notification.enabled
	)
	chart = frappe.get_doc("Dashboard Chart", "Engineer Rating Trend")
	assert chart.document_type == "Engineer Rating" and chart.chart_type == "Average"
	from frappe.desk.doctype.dashboard_chart.dashboard_chart import get

	data = get(chart_name="Engineer Rating Trend", refresh=1)
	assert data["datasets"]
	assert frappe.db.get_value("Report", "Engineer Leaderboard", "report_type") == "Script Report"


def test_portal_setup_sends_clients_to_their_incidents_and_keeps_an_admins_choice():
	from xnet_helpdesk.setup.portal_setup import CLIENT_HOME, ensure_portal_setup

	frappe.db.set_value("Role", "Helpdesk Client", "home_page", None)
	ensure_portal_setup()
	assert frappe.db.get_value("Role", "Helpdesk Client", "home_page") == CLIENT_HOME
	frappe.db.set_value("Role", "Helpdesk Client", "home_page", "me")
	ensure_portal_setup()
	assert frappe.db.get_value("Role", "Helpdesk Client", "home_page") == "me"
