"""The staff Desk: the Helpdesk workspace, its number cards and charts, and the incident Kanban board.

Counts are checked as real users: a number card or chart that ignored the row-level rules would show an
engineer the incidents of other service centers.
"""

import json

import frappe
import pytest
from frappe.desk.desktop import get_desktop_page, get_workspace_sidebar_items
from frappe.desk.doctype.dashboard_chart.dashboard_chart import get as get_chart_data
from frappe.desk.doctype.number_card.number_card import get_result
from frappe.utils import format_date, get_datetime, nowdate

from tests.harness.states import bring_to
from tests.harness.world import make_incident
from xnet_helpdesk.incident_flow import lifecycle
from xnet_helpdesk.setup.desk import KANBAN_BOARD_NAME, ensure_kanban_board

WORKSPACE = "Helpdesk"
MODULE = "XNet Helpdesk"
OPEN = sorted(lifecycle.OPEN_STATUSES)

# what each card means, written independently of its JSON
CARDS = {
	"Registered Incidents": {"status": "Registered"},
	"Assigned Incidents": {"status": "Assigned"},
	"Incidents In Progress": {"status": "In Progress"},
	"Awaiting Client": {"status": "Awaiting Client"},
	"Reopened Incidents": {"status": "Reopened"},
	"Unassigned Incidents": {"status": ["in", OPEN], "engineer": ["is", "not set"]},
	"Open Incidents": {"status": ["in", OPEN]},
}
# the callback list's card counts calls (telephony/callbacks.py): shown to whoever reads calls
CALL_CARDS = {"Calls to Call Back"}
BY_CENTER_CHART = "Open Incidents by Service Center"
PER_DAY_CHART = "Incidents Registered per Day"
INCIDENT_CHARTS = (BY_CENTER_CHART, PER_DAY_CHART)
RATING_CHART = "Engineer Rating Trend"
CHARTS = (*INCIDENT_CHARTS, RATING_CHART)
AS_USERS = ("kar_engineer", "manager")


@pytest.fixture
def incidents(world):
	"""Open incidents of every status in Karaganda, a few in Almaty, and some that are no longer open."""
	kar, alm = world["users"]["kar_engineer"], world["users"]["alm_engineer"]
	made = {"TEST Karaganda": [], "TEST Almaty": []}
	for state in (
		"Registered",
		"Assigned",
		"In Progress",
		"Awaiting Client",
		"Reopened",
		"Resolved",
		"Closed",
	):
		made["TEST Karaganda"].append(bring_to(make_incident(world, "karmet_client"), state, kar))
	made["TEST Karaganda"].append(make_incident(world, "karbank_client", engineer=kar))
	for state in ("Registered", "Registered", "In Progress", "Awaiting Client", "Cancelled"):
		made["TEST Almaty"].append(bring_to(make_incident(world, "almatrade_client"), state, alm))
	return made


def expected_count(world, user_key, filters: dict) -> int:
	"""Counted without the app's permission code: the manager sees every incident, an engineer those of
	their service center and those assigned to them."""
	base = [["Incident", field, *(v if isinstance(v, list) else ["=", v])] for field, v in filters.items()]
	if user_key == "manager":
		return len(frappe.get_all("Incident", filters=base, pluck="name"))
	engineer = world["users"][user_key]
	center = frappe.db.get_value("Support Engineer", engineer, "service_center")
	names = set(
		frappe.get_all("Incident", filters=[*base, ["Incident", "service_center", "=", center]], pluck="name")
	)
	names |= set(
		frappe.get_all("Incident", filters=[*base, ["Incident", "engineer", "=", engineer]], pluck="name")
	)
	return len(names)


def as_user(world, key):
	frappe.set_user(world["users"][key])


def test_workspace_cards_and_charts_are_installed(site):
	workspace = frappe.get_doc("Workspace", WORKSPACE)
	assert workspace.module == MODULE
	assert workspace.public
	assert {row.number_card_name for row in workspace.number_cards} == set(CARDS) | CALL_CARDS
	assert {row.chart_name for row in workspace.charts} == set(CHARTS)
	shortcuts = {row.label: row for row in workspace.shortcuts}
	for doctype in (
		"Incident",
		"Global Problem",
		"Support Engineer",
		"Client Company",
		"Service Center",
		"Helpdesk Settings",
		"Engineer Rating",
	):
		assert shortcuts[doctype].link_to == doctype
	assert shortcuts["New Incident"].doc_view == "New"
	assert shortcuts["Incidents by Status"].kanban_board == KANBAN_BOARD_NAME
	assert json.loads(shortcuts["Incident"].stats_filter), "the incident shortcut shows a count"
	linked = {row.link_to for row in workspace.links if row.type == "Link"}
	assert {"Incident", "Service Center", "Support Engineer", "Client Company"} <= linked

	# the page content places every card, chart and shortcut (else they exist but are not shown)
	blocks = json.loads(workspace.content)
	placed = {
		(b["type"], next(iter(v for k, v in b["data"].items() if k.endswith("_name")), None)) for b in blocks
	}
	for name in (*CARDS, *CALL_CARDS):
		assert ("number_card", name) in placed
	for name in CHARTS:
		assert ("chart", name) in placed
	for label in shortcuts:
		assert ("shortcut", label) in placed

	for name in CARDS:
		card = frappe.get_doc("Number Card", name)
		assert (card.is_standard, card.module, card.type, card.document_type, card.function) == (
			1,
			MODULE,
			"Document Type",
			"Incident",
			"Count",
		)
	for name in INCIDENT_CHARTS:
		chart = frappe.get_doc("Dashboard Chart", name)
		assert (chart.is_standard, chart.module, chart.document_type) == (1, MODULE, "Incident")
	rating = frappe.get_doc("Dashboard Chart", RATING_CHART)
	assert (rating.is_standard, rating.module, rating.document_type) == (1, MODULE, "Engineer Rating")
	by_center = frappe.get_doc("Dashboard Chart", BY_CENTER_CHART)
	assert (by_center.chart_type, by_center.group_by_based_on) == ("Group By", "service_center")
	per_day = frappe.get_doc("Dashboard Chart", PER_DAY_CHART)
	assert (per_day.chart_type, per_day.based_on, per_day.timeseries, per_day.time_interval) == (
		"Count",
		"registered_on",
		1,
		"Daily",
	)


@pytest.mark.parametrize("user_key", ["kar_engineer", "operator"])
def test_staff_see_the_workspace_with_its_cards_and_charts(world, user_key):
	as_user(world, user_key)
	sidebar = get_workspace_sidebar_items()
	assert WORKSPACE in {page.name for page in sidebar["pages"]}
	page = get_desktop_page(json.dumps({"name": WORKSPACE, "title": WORKSPACE, "public": 1}))
	reads_calls = frappe.has_permission("Call", "read", user=world["users"][user_key])
	assert reads_calls == (user_key == "operator")  # first line calls back; engineers do not
	expected = set(CARDS) | (CALL_CARDS if reads_calls else set())
	assert {c.number_card_name for c in page["number_cards"]["items"]} == expected
	assert {c.chart_name for c in page["charts"]["items"]} == set(CHARTS)
	assert "Incident" in {s["link_to"] for s in page["shortcuts"]["items"]}


CONFIGURATION_LINKS = {"Workflow", "Assignment Rule", "Notification", "Email Account"}


@pytest.mark.parametrize(
	"user_key, configures", [("manager", True), ("operator", False), ("kar_engineer", False)]
)
def test_the_workspace_links_the_screens_the_user_configures(world, user_key, configures):
	as_user(world, user_key)
	page = get_desktop_page(json.dumps({"name": WORKSPACE, "title": WORKSPACE, "public": 1}))
	linked = {link.link_to for card in page["cards"]["items"] for link in card["links"]}
	assert CONFIGURATION_LINKS & linked == (CONFIGURATION_LINKS if configures else set())
	# every Desk user reads e-mail templates, and contacts of their own (Frappe's rules)
	assert {"Email Template", "Contact"} <= linked


@pytest.mark.parametrize("user_key", AS_USERS)
def test_number_cards_count_what_the_user_may_see(world, incidents, user_key):
	as_user(world, user_key)
	for name, meaning in CARDS.items():
		card = frappe.get_doc("Number Card", name)
		shown = get_result(frappe.as_json(card.as_dict()), card.filters_json)
		listed = len(frappe.get_list("Incident", filters=meaning, pluck="name", limit_page_length=0))
		assert shown == listed, name
		assert shown == expected_count(world, user_key, meaning), name
		assert shown > 0, f"the fixture leaves {name} empty, so it proves nothing"


def open_incidents_shown(world, user_key) -> float:
	as_user(world, user_key)
	card = frappe.get_doc("Number Card", "Open Incidents")
	return get_result(frappe.as_json(card.as_dict()), card.filters_json)


def test_an_engineer_counts_fewer_open_incidents_than_the_manager(world, incidents):
	assert open_incidents_shown(world, "kar_engineer") < open_incidents_shown(world, "manager")


@pytest.mark.parametrize("user_key", AS_USERS)
def test_open_incidents_by_center_chart_counts_what_the_user_may_see(world, incidents, user_key):
	as_user(world, user_key)
	data = get_chart_data(chart_name=BY_CENTER_CHART, refresh=1)
	shown = dict(zip(data["labels"], data["datasets"][0]["values"], strict=True))
	rows = frappe.get_list(
		"Incident",
		filters={"status": ["in", OPEN]},
		fields=["service_center", "count(name) as n"],
		group_by="service_center",
		limit_page_length=0,
	)
	assert shown == {row.service_center: row.n for row in rows}
	if user_key == "manager":
		assert {"TEST Karaganda", "TEST Almaty"} <= set(shown)
	else:
		assert "TEST Karaganda" in shown
		assert "TEST Almaty" not in shown


@pytest.mark.parametrize("user_key", AS_USERS)
def test_incidents_per_day_chart_counts_today_for_the_user(world, incidents, user_key):
	as_user(world, user_key)
	data = get_chart_data(chart_name=PER_DAY_CHART, refresh=1)
	values = data["datasets"][0]["values"]
	today_start = get_datetime(nowdate())
	registered_today = frappe.get_list(
		"Incident", filters={"registered_on": [">=", today_start]}, pluck="name", limit_page_length=0
	)
	assert values[-1] == len(registered_today)
	assert values[-1] == expected_count(world, user_key, {"registered_on": [">=", today_start]})
	assert data["labels"][-1] == format_date(nowdate())


def test_kanban_board_has_a_column_per_status(site):
	board = frappe.get_doc("Kanban Board", KANBAN_BOARD_NAME)
	assert (board.reference_doctype, board.field_name, board.private) == ("Incident", "status", 0)
	statuses = frappe.get_meta("Incident").get_field("status").options.split("\n")
	assert [column.column_name for column in board.columns] == statuses
	assert all(column.status == "Active" for column in board.columns)
	colours = {column.column_name: column.indicator for column in board.columns}
	assert colours["Resolved"] == "Green"
	assert colours["Reopened"] == "Red"


def test_kanban_board_is_not_overwritten(site):
	board = frappe.get_doc("Kanban Board", KANBAN_BOARD_NAME)
	board.columns[0].indicator = "Purple"
	board.save()
	ensure_kanban_board()
	assert frappe.get_doc("Kanban Board", KANBAN_BOARD_NAME).columns[0].indicator == "Purple"
	frappe.delete_doc("Kanban Board", KANBAN_BOARD_NAME)
	ensure_kanban_board()
	assert frappe.db.exists("Kanban Board", KANBAN_BOARD_NAME)
