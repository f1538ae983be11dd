"""The Incident list and form in a real browser (headless Chromium through Playwright), as Russian-speaking
staff: list colours, the dialogs that ask what a workflow action needs, the caller's open incidents, and
the operator's quick entry. Skipped, with the reason, where Playwright or Chromium is not installed."""

import frappe
import pytest

from tests.harness import chromium
from tests.harness.states import bring_to
from tests.harness.world import PASSWORD, make_incident

QUICK_ENTRY_FIELDS = {
	"subject",
	"contact",
	"contact_name",
	"contact_phone",
	"contact_email",
	"client_company",
	"channel",
	"priority",
	"category",
	"description",
	# a walk-in at the counter: what was brought in (required for that channel only)
	"device_type",
}


@pytest.fixture(scope="module")
def browser():
	with chromium.launched() as launched:
		yield launched


def incident_in(world, committed, state, client="karmet_client"):
	doc = bring_to(make_incident(world, client), state, world["users"]["kar_engineer"])
	committed.append(doc.name)
	frappe.db.commit()
	return doc


def stored(name, *fields):
	frappe.db.rollback()
	return frappe.db.get_value("Incident", name, list(fields), as_dict=True)


@pytest.fixture
def open_page(browser, server, world):
	contexts = []

	def open_as(user_key, path):
		context = browser.new_context(viewport={"width": 1400, "height": 1000})
		contexts.append(context)
		page = context.new_page()
		response = page.request.post(
			server.base + "/api/method/login", form={"usr": world["users"][user_key], "pwd": PASSWORD}
		)
		assert response.ok, response.text()
		page.goto(server.base + path)
		page.wait_for_function("() => window.frappe && frappe.boot && frappe.boot.user")
		return page

	yield open_as
	for context in contexts:
		context.close()


def open_form(open_page, user_key, name):
	page = open_page(user_key, f"/app/incident/{name}")
	page.wait_for_function("(name) => window.cur_frm && cur_frm.docname === name", arg=name)
	return page


def choose_workflow_action(page, action):
	"""Open the Actions menu once the workflow's transitions have been loaded into it, and pick one."""
	label = page.evaluate("(a) => __(a)", action)
	item = f".page-actions .actions-btn-group .dropdown-menu .menu-item-label:text-is('{label}')"
	page.wait_for_selector(item, state="attached")
	page.click(".page-actions .actions-btn-group > button")
	page.click(item)


def answer_the_action_dialog(page, action, title, text):
	"""Pick a workflow action, check the dialog asks the right question, answer it and go on."""
	choose_workflow_action(page, action)
	dialog = page.wait_for_selector(".modal.show")
	assert dialog.query_selector(".modal-title").inner_text() == title
	dialog.query_selector("textarea").fill(text)
	dialog.query_selector(".btn-primary").click()


def test_list_shows_status_in_the_workflow_state_colour(open_page, world, committed):
	resolved = incident_in(world, committed, "Resolved")
	reopened = incident_in(world, committed, "Reopened")
	page = open_page("kar_engineer", "/app/incident")
	page.wait_for_selector(f".list-row-container [data-name='{resolved.name}']")
	colours = page.evaluate(
		"""(names) => names.map((name) => {
			const row = document.querySelector(`.list-row-container [data-name='${name}']`).closest('.list-row');
			return row.querySelector('.indicator-pill').className;
		})""",
		[resolved.name, reopened.name],
	)
	assert "green" in colours[0].split()
	assert "red" in colours[1].split()


def test_reopen_asks_for_the_reason_and_reopens(open_page, world, committed):
	incident = incident_in(world, committed, "Resolved")
	page = open_form(open_page, "kar_engineer", incident.name)
	answer_the_action_dialog(
		page, "Reopen", "Почему инцидент открывается повторно?", "Принтер снова не печатает"
	)
	page.wait_for_function("() => cur_frm.doc.status === 'Reopened'", timeout=20000)
	row = stored(incident.name, "status", "last_reopen_reason", "reopen_count")
	assert (row.status, row.last_reopen_reason, row.reopen_count) == (
		"Reopened",
		"Принтер снова не печатает",
		1,
	)


def test_closing_the_dialog_leaves_the_incident_as_it_was(open_page, world, committed):
	incident = incident_in(world, committed, "In Progress")
	page = open_form(open_page, "kar_center_manager", incident.name)
	choose_workflow_action(page, "Cancel Incident")
	page.wait_for_selector(".modal.show .btn-modal-close").click()
	page.wait_for_selector(".modal.show", state="detached")
	page.wait_for_timeout(1500)
	assert page.evaluate("() => !document.querySelector('#freeze.in')"), "the page stays frozen"
	assert stored(incident.name, "status").status == "In Progress"


def test_resolve_asks_for_missing_resolution_details(open_page, world, committed):
	incident = incident_in(world, committed, "In Progress")
	page = open_form(open_page, "kar_engineer", incident.name)
	choose_workflow_action(page, "Resolve")
	dialog = page.wait_for_selector(".modal.show")
	assert dialog.query_selector(".modal-title").inner_text() == "Как был решен инцидент?"
	dialog.query_selector(".ql-editor").click()
	page.keyboard.type("Заменён картридж")
	page.wait_for_timeout(500)
	dialog.query_selector(".btn-primary").click()
	page.wait_for_function("() => cur_frm.doc.status === 'Resolved'", timeout=20000)
	row = stored(incident.name, "status", "resolution_details")
	assert row.status == "Resolved"
	assert "Заменён картридж" in row.resolution_details


def test_waiting_for_the_client_asks_what_the_engineer_needs(open_page, world, committed):
	incident = incident_in(world, committed, "In Progress")
	page = open_form(open_page, "kar_engineer", incident.name)
	answer_the_action_dialog(
		page, "Request Client Info", "Что инженеру нужно от клиента?", "Пришлите фото экрана с ошибкой"
	)
	page.wait_for_function("() => cur_frm.doc.status === 'Awaiting Client'", timeout=20000)
	row = stored(incident.name, "status", "client_info_request")
	assert (row.status, row.client_info_request) == ("Awaiting Client", "Пришлите фото экрана с ошибкой")


def test_form_shows_the_callers_open_incidents(open_page, world, committed):
	earlier = incident_in(world, committed, "Awaiting Client", client="karbank_client")
	page = open_page("operator", "/app/incident/new")
	page.wait_for_function("() => window.cur_frm && cur_frm.is_new()")
	page.evaluate("(contact) => cur_frm.set_value('contact', contact)", world["contacts"]["karbank_client"])
	block = page.wait_for_selector(".form-message .xnet-caller-incidents")
	assert earlier.name in block.inner_text()
	assert "Ожидает клиента" in block.inner_text()


def test_operator_registers_a_call_in_the_quick_entry(open_page, world, committed):
	page = open_page("operator", "/app/incident")
	page.wait_for_selector(".page-actions .primary-action")
	page.click(".page-actions .primary-action")
	page.wait_for_selector(".modal.show input[data-fieldname='subject']")
	shown = page.evaluate(
		"""() => Object.values(frappe.quick_entry.dialog.fields_dict)
			.filter((f) => !f.df.hidden && !f.df.fieldtype.endsWith("Break"))
			.map((f) => f.df.fieldname)"""
	)
	assert set(shown) == QUICK_ENTRY_FIELDS
	page.fill(".modal.show input[data-fieldname='subject']", "UI-тест: не работает сканер")
	page.evaluate(
		"(c) => frappe.quick_entry.dialog.set_value('contact', c)", world["contacts"]["karbank_client"]
	)
	page.wait_for_timeout(500)
	page.click(".modal.show .btn-primary")
	page.wait_for_selector(".modal.show", state="detached")
	frappe.db.rollback()
	name = frappe.db.get_value("Incident", {"subject": "UI-тест: не работает сканер"})
	assert name
	committed.append(name)
	row = frappe.db.get_value("Incident", name, ["status", "client_company", "channel"], as_dict=True)
	assert (row.status, row.client_company, row.channel) == ("Registered", "TEST KarBank", "Phone")


def test_the_desk_keeps_kazakhstans_real_time(open_page, world):
	"""Issue 17, point 5: Frappe 15's moment-timezone has Asia/Almaty at UTC+6; the Desk's "now" (the Now
	button, "5 minutes ago") must be the server's real time, which is UTC+5."""
	from datetime import datetime
	from zoneinfo import ZoneInfo

	page = open_page("operator", "/app/incident")
	page.wait_for_function("() => window.moment && moment.tz && frappe.datetime")
	shown = page.evaluate("() => frappe.datetime.now_datetime()")
	offset = page.evaluate("() => moment.tz(frappe.boot.time_zone.system).utcOffset()")
	real = datetime.now(ZoneInfo("Asia/Almaty")).replace(tzinfo=None)
	assert offset == 300
	assert abs((datetime.strptime(shown, "%Y-%m-%d %H:%M:%S") - real).total_seconds()) < 120, shown


def test_the_form_suggests_an_open_outage_alert_matching_the_subject(open_page, world):
	"""An operator typing a subject that shares a word with an open "Possible outage" alert sees it on the
	form (beside the caller's incidents, in the same message area); another subject, and it goes."""
	from frappe.utils import now_datetime

	kept = frappe.db.get_value(
		"Helpdesk Settings",
		None,
		["burst_count", "burst_window_minutes", "burst_by_subject_words"],
		as_dict=True,
	)
	frappe.db.set_single_value(
		"Helpdesk Settings", {"burst_count": 100, "burst_window_minutes": 30, "burst_by_subject_words": 1}
	)
	alert = frappe.get_doc(
		{
			"doctype": "Outage Alert",
			"title": "Incidents about «zorbatron»",
			"burst_kind": "Subject Words",
			"burst_key": "zorbat",
			"service_center": "TEST Karaganda",
			"status": "Open",
			"raised_on": now_datetime(),
			"window_minutes": 30,
		}
	).insert(ignore_permissions=True)
	frappe.db.commit()
	# the web server's processes read the settings from the shared cache: not the ones it held before
	frappe.clear_document_cache("Helpdesk Settings", "Helpdesk Settings")
	try:
		page = open_page("operator", "/app/incident/new")
		page.wait_for_function("() => window.cur_frm && cur_frm.is_new()")
		page.evaluate("() => cur_frm.set_value('subject', 'Zorbatron не открывается у бухгалтерии')")
		block = page.wait_for_selector(".form-message .xnet-possible-outage")
		assert "Возможный сбой" in block.inner_text() and "zorbat" in block.inner_text()
		assert block.query_selector(f"a[href='/app/outage-alert/{alert.name}']")
		page.evaluate("() => cur_frm.set_value('subject', 'Принтер замяло')")
		page.wait_for_selector(".form-message .xnet-possible-outage", state="detached")
	finally:
		frappe.db.rollback()
		frappe.db.delete("Outage Alert", {"name": alert.name})
		frappe.db.set_single_value("Helpdesk Settings", dict(kept))
		frappe.db.commit()
		frappe.clear_document_cache("Helpdesk Settings", "Helpdesk Settings")
