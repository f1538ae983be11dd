"""A logged-in client registers an incident on the portal (/support/new, api.register), over real HTTP:
who the client is comes from the session's Contact, the attachments become private files of the incident,
an active outage can be linked, and every bad request gets a clear answer with nothing stored."""

from datetime import timedelta
from pathlib import Path

import frappe
import pytest
import requests
from frappe.utils import get_datetime, now_datetime

from tests.harness import bench
from tests.harness.assignment_world import (
	enable_rule,
	ensure_outgoing_email_account,
	open_around_the_clock,
	reset_caches,
	set_engineer,
)
from tests.harness.world import PASSWORD, ensure_user
from tests.site.portal_helpers import Browser, cleanup, fresh, reset_registration_limits
from xnet_helpdesk.assignment import jobs, load
from xnet_helpdesk.portal import registration

PNG = (
	b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
	b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82"
)
RU = {"_lang": "ru"}


@pytest.fixture(autouse=True)
def _fresh_limits(site):
	reset_registration_limits()
	yield
	reset_registration_limits()


@pytest.fixture(scope="module")
def outgoing_mail(site):
	"""The Registered e-mail is queued through an outgoing account (never sent: the test site mutes mail)."""
	existed = frappe.db.exists("Email Account", "TEST Outgoing")
	ensure_outgoing_email_account()
	frappe.db.commit()
	yield
	if not existed:
		frappe.db.rollback()
		frappe.delete_doc("Email Account", "TEST Outgoing", force=True, ignore_missing=True)
		frappe.db.commit()


@pytest.fixture(scope="module")
def outages(site, names):
	"""An outage of the client's company and one of another city, committed for the web server to see."""
	made = {}
	for key, title, scope in (
		(
			"karmet",
			"TEST Сбой почты KarMet",
			{"affected_client_companies": [{"client_company": "TEST KarMet"}]},
		),
		("almaty", "TEST Авария в Алматы", {"affected_service_centers": [{"service_center": "TEST Almaty"}]}),
	):
		made[key] = frappe.get_doc(
			{
				"doctype": "Global Problem",
				"title": title,
				"started_on": now_datetime() - timedelta(hours=1),
				"planned_resolution_time": (now_datetime() + timedelta(hours=3)).replace(microsecond=0),
				**scope,
			}
		).insert()
	frappe.db.commit()
	yield made
	frappe.db.rollback()
	# the incidents linking them are deleted with `names`, later; force: the links do not block this
	for problem in made.values():
		frappe.delete_doc("Global Problem", problem.name, force=True, ignore_missing=True)
	frappe.db.commit()


def valid(**values):
	form = {
		"subject": "Не печатает принтер в бухгалтерии",
		"description": "Принтер HP в кабинете 12\nпишет «Замятие бумаги».",
		"phone": "8 (701) 555-12-34",
		**RU,
	}
	form.update(values)
	return form


def png(name="screen.png", content=PNG):
	return ("attachments", (name, content, "image/png"))


def register(browser, files=None, **values):
	return browser.call("register", files=files, **valid(**values))


def message(response) -> str:
	"""What the client is shown: the last server message (the exception text when there is none)."""
	body = response.json()
	messages = frappe.parse_json(body.get("_server_messages") or "[]")
	return frappe.parse_json(messages[-1])["message"] if messages else body.get("exception", "")


def private_files_on_disk() -> int:
	folder = bench.bench_path() / "sites" / bench.site_name() / "private" / "files"
	return sum(1 for _path in Path(folder).iterdir()) if folder.exists() else 0


def stored_counts(world, key="karmet_client"):
	frappe.db.rollback()
	return (
		frappe.db.count("Incident", {"contact": world["contacts"][key]}),
		frappe.db.count("File"),
		private_files_on_disk(),
	)


def registered_mail_sent(number: str, address: str) -> bool:
	"""The client's "Incident Registered" e-mail: queued by the save, or — where the app sends an incident's
	e-mails after the commit (a Pending Notification outbox) — decided by the save for that job."""
	queued = frappe.get_all(
		"Email Queue", filters={"reference_doctype": "Incident", "reference_name": number}, pluck="name"
	)
	recipients = frappe.get_all(
		"Email Queue Recipient", filters={"parent": ["in", queued or [""]]}, pluck="recipient"
	)
	if address in recipients:
		return True
	if frappe.db.table_exists("Pending Notification"):
		decided = frappe.get_all(
			"Pending Notification",
			filters={"reference_doctype": "Incident", "reference_name": number},
			pluck="notifications",
		)
		return any("Incident Registered: client" in (row or "") for row in decided)
	return False


def files_of(incident):
	return frappe.get_all(
		"File",
		filters={"attached_to_doctype": "Incident", "attached_to_name": incident},
		fields=["name", "file_name", "is_private", "file_url", "file_size"],
		order_by="creation asc",
	)


# --- the happy path -----------------------------------------------------------------------------------


def test_client_registers_an_incident_with_attachments(world, names, karmet, outgoing_mail):
	response = register(
		karmet,
		files=[png(), ("attachments", ("ошибка.log", b"Error 0x80070005\n", "text/plain"))],
		category="TEST Hardware",
		# what a client might try to choose for themselves is not a parameter of the form: ignored
		contact=world["contacts"]["almatrade_client"],
		client_company="TEST AlmaTrade",
		service_center="TEST Almaty",
		channel="Phone",
		status="Closed",
		engineer=world["users"]["alm_engineer"],
		priority="Urgent",
	)
	assert response.status_code == 200, response.text
	number = response.json()["message"]["name"]
	names.append(number)
	assert response.json()["message"]["url"] == f"/support/incident?name={number}"
	incident = fresh(
		"Incident",
		number,
		"channel",
		"status",
		"contact",
		"client_company",
		"service_center",
		"contact_phone",
		"contact_email",
		"category",
		"subject",
		"description",
		"priority",
		"engineer",
	)
	assert incident.channel == "Portal" and incident.status == "Registered"
	assert incident.contact == world["contacts"]["karmet_client"]
	assert (incident.client_company, incident.service_center) == ("TEST KarMet", "TEST Karaganda")
	assert incident.contact_phone == "+77015551234"
	assert incident.contact_email == world["users"]["karmet_client"]
	assert incident.category == "TEST Hardware" and incident.priority == "Medium"
	assert incident.subject == "Не печатает принтер в бухгалтерии"
	assert "Принтер HP в кабинете 12" in incident.description and "«Замятие бумаги»" in incident.description
	attached = files_of(number)
	assert [f.is_private for f in attached] == [1, 1]
	assert all(f.file_url.startswith("/private/files/") for f in attached)
	assert frappe.get_doc("File", attached[0].name).get_content() == PNG
	assert attached[1].file_name.startswith("ошибка") and attached[1].file_name.endswith(".log")
	# private: a guest cannot download them
	assert requests.get(karmet.server.base + attached[0].file_url, timeout=30).status_code == 403
	# the client gets the "Incident Registered" e-mail
	assert registered_mail_sent(number, world["users"]["karmet_client"])
	# the client sees it at once, with its files downloadable by them
	assert number in karmet.get("/support/my").text
	assert "Не печатает принтер в бухгалтерии" in karmet.get("/support/incident", name=number).text
	assert karmet.http.get(karmet.server.base + attached[0].file_url, timeout=30).content == PNG


def test_the_confirmation_shows_the_number_and_the_link(world, names, karmet, colleague):
	response = register(karmet, subject="Нет доступа к 1С")
	assert response.status_code == 200, response.text
	number = response.json()["message"]["name"]
	names.append(number)
	page = karmet.get("/support/new", registered=number, **RU)
	assert page.status_code == 200
	assert f'id="number">{number}<' in page.text
	assert f'href="/support/incident?name={number}"' in page.text
	assert "Ваш инцидент зарегистрирован" in page.text and world["users"]["karmet_client"] in page.text
	# another client (even a colleague) gets the plain form for someone else's number, nothing of it
	other = colleague.get("/support/new", registered=number, **RU)
	assert other.status_code == 200 and number not in other.text and "Нет доступа к 1С" not in other.text
	assert 'data-method="register"' in other.text


def test_the_form_is_russian_first_and_prefilled(world, karmet):
	page = karmet.get("/support/new", **RU)
	assert page.status_code == 200 and 'lang="ru"' in page.text
	assert "Новый инцидент" in page.text and "Телефон для обратного звонка" in page.text
	phone = frappe.db.get_value("Contact", world["contacts"]["karmet_client"], "mobile_no")
	assert f'value="{phone}"' in page.text
	assert '<option value="TEST Hardware"' in page.text
	assert 'name="csrf_token" value="' + karmet.csrf + '"' in page.text
	assert "/assets/frappe" not in page.text and len(page.content) < 60_000
	# reachable from the navigation and from My incidents
	assert 'href="/support/new"' in karmet.get("/support/my").text
	assert 'href="/support/new"' in karmet.get("/support").text


def test_a_resent_form_registers_once(names, karmet):
	first = register(karmet, submission="form-0123456789abcdef")
	again = register(karmet, submission="form-0123456789abcdef")
	assert first.status_code == again.status_code == 200, (first.text, again.text)
	number = first.json()["message"]["name"]
	names.append(number)
	assert again.json()["message"]["name"] == number
	other = register(karmet, submission="form-fedcba9876543210")
	assert other.status_code == 200
	names.append(other.json()["message"]["name"])
	assert other.json()["message"]["name"] != number


# --- global problems ----------------------------------------------------------------------------------


def test_the_form_offers_the_clients_outage_and_links_it(world, names, karmet, outages):
	mine, elsewhere = outages["karmet"], outages["almaty"]
	page = karmet.get("/support/new", **RU).text
	assert mine.title in page and f'value="{mine.name}"' in page
	planned = get_datetime(mine.planned_resolution_time).strftime("%d.%m.%Y %H:%M")
	assert planned in page
	assert elsewhere.title not in page and elsewhere.name not in page
	assert "У меня именно эта проблема" in page

	response = register(karmet, subject="Не приходит почта", global_problem=mine.name)
	assert response.status_code == 200, response.text
	number = response.json()["message"]["name"]
	names.append(number)
	linked = fresh("Incident", number, "global_problem", "planned_resolution_time")
	assert linked.global_problem == mine.name
	assert get_datetime(linked.planned_resolution_time) == get_datetime(mine.planned_resolution_time)
	confirmation = karmet.get("/support/new", registered=number, **RU).text
	assert mine.title in confirmation and planned in confirmation


def test_another_citys_outage_cannot_be_linked(world, karmet, outages):
	before = stored_counts(world)
	response = register(karmet, files=[png()], global_problem=outages["almaty"].name)
	assert response.status_code == 417
	assert "Выбранная глобальная проблема уже не активна" in message(response)
	assert stored_counts(world) == before


# --- bad input: a clear message, nothing stored -------------------------------------------------------

BAD_INPUT = {
	"empty subject": ({"subject": "  <b> </b> "}, None, "Укажите тему"),
	"subject too long": ({"subject": "Принтер " * 20}, None, "Тема слишком длинная: не больше 140 символов"),
	"empty description": ({"description": "\n  \n"}, None, "Опишите проблему"),
	"description too long": ({"description": "а" * 5001}, None, "Описание слишком длинное: не больше 5000"),
	"no phone": ({"phone": " "}, None, "Укажите телефон"),
	"invalid phone": ({"phone": "12-34"}, None, "Неверный номер телефона"),
	"letters in the phone": ({"phone": "+7 701 ABC 45 67"}, None, "Неверный номер телефона"),
	"phone too long": ({"phone": "+7 701 555 12 34" + " " * 30 + "5"}, None, "Неверный номер телефона"),
	"forged category": ({"category": "TEST Нет такой"}, None, "Выберите категорию из списка"),
	"file too large": ({}, [png("big.png", b"\0" * (10 * 1024 * 1024 + 1))], "Файл big.png больше 10 МБ"),
	"too many files": (
		{},
		[png(f"s{i}.png", PNG + bytes([i])) for i in range(4)],
		"Можно приложить не больше 3 файлов",
	),
	"file type": (
		{},
		[("attachments", ("page.html", b"<script>alert(1)</script>", "text/html"))],
		"Файл page.html нельзя приложить",
	),
	"empty file": ({}, [("attachments", ("empty.txt", b"", "text/plain"))], "Файл empty.txt пустой"),
}


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_input_gets_a_clear_message_and_stores_nothing(world, karmet, case):
	values, files, expected = BAD_INPUT[case]
	# a good attachment rides along: it must not be stored either
	files = [png("good.png", PNG + case.encode()), *(files or [])] if case != "too many files" else files
	before = stored_counts(world)
	response = register(karmet, files=files, **values)
	assert response.status_code == 417, response.text
	assert expected in message(response), message(response)
	assert stored_counts(world) == before


def test_every_problem_of_the_form_is_listed_at_once(world, karmet):
	response = register(karmet, subject="", description="", phone="x", category="нет")
	assert response.status_code == 417
	text = message(response)
	for expected in ("Укажите тему", "Опишите проблему", "Неверный номер телефона", "Выберите категорию"):
		assert expected in text, text
	assert text.count("<br>") == 3


def test_file_names_in_messages_are_escaped(world, karmet):
	response = register(
		karmet,
		files=[("attachments", ('<img src=x onerror="alert(1)">.exe', b"MZ", "application/x-msdos-program"))],
	)
	assert response.status_code == 417
	assert "<img" not in message(response) and "&lt;img" in message(response)


def test_a_missing_csrf_token_is_refused(world, names, karmet):
	before = stored_counts(world)
	response = karmet.call("register", csrf=False, files=[png()], **valid())
	assert response.status_code in (400, 403), response.text
	wrong = karmet.call("register", headers={"X-Frappe-CSRF-Token": "forged"}, csrf=False, **valid())
	assert wrong.status_code in (400, 403)
	assert stored_counts(world) == before
	# the same request with the session's token is the one that registers
	accepted = karmet.call("register", files=[png("csrf.png", PNG + b"csrf")], **valid())
	assert accepted.status_code == 200, accepted.text
	names.append(accepted.json()["message"]["name"])


def test_a_session_that_never_had_a_csrf_token_is_refused(world, server):
	"""Frappe checks the token only once the session holds one; the portal refuses a session without."""
	session = requests.Session()
	login = session.post(
		server.base + "/api/method/login",
		data={"usr": world["users"]["karmet_client"], "pwd": PASSWORD},
		timeout=30,
	)
	assert login.ok
	before = stored_counts(world)
	response = session.post(
		server.base + "/api/method/xnet_helpdesk.portal.api.register",
		data=valid(),
		headers={"Accept": "application/json"},
		timeout=30,
	)
	assert response.status_code == 400, response.text
	assert "Обновите страницу" in message(response)
	assert stored_counts(world) == before


def test_guests_are_refused_and_sent_to_log_in(world, guest):
	before = stored_counts(world)
	assert guest.call("register", files=[png()], **valid()).status_code == 403
	page = guest.get("/support/new")
	assert page.status_code in (302, 303) and page.headers["Location"].endswith(
		"/login?redirect-to=/support/new"
	)
	assert stored_counts(world) == before


def test_staff_are_sent_to_the_desk(world, server):
	operator = Browser(server, world["users"]["operator"])
	before = frappe.db.count("Incident")
	response = operator.call("register", **valid())
	assert response.status_code == 403
	assert "Сотрудники регистрируют инциденты в Desk" in message(response)
	page = operator.get("/support/new", **RU)
	assert page.status_code == 403 and "Сотрудники регистрируют инциденты в Desk" in page.text
	assert 'data-method="register"' not in page.text
	frappe.db.rollback()
	assert frappe.db.count("Incident") == before


def test_a_disabled_contact_is_refused(world, server):
	contact = world["contacts"]["karbank_client"]
	client = Browser(server, world["users"]["karbank_client"])
	frappe.db.set_value("Contact", contact, "disabled", 1)
	frappe.db.commit()
	try:
		before = stored_counts(world, "karbank_client")
		response = client.call("register", files=[png()], **valid())
		assert response.status_code == 403
		assert "Ваш контакт отключён" in message(response)
		page = client.get("/support/new", **RU)
		assert page.status_code == 403 and "Ваш контакт отключён" in page.text
		assert stored_counts(world, "karbank_client") == before
	finally:
		frappe.db.rollback()
		frappe.db.set_value("Contact", contact, "disabled", 0)
		frappe.db.commit()


def test_a_client_login_without_a_contact_is_refused(world, server):
	user = ensure_user("portal_no_contact", ["Helpdesk Client"], user_type="Website User")
	frappe.db.commit()
	try:
		client = Browser(server, user)
		before = frappe.db.count("Incident")
		response = client.call("register", **valid())
		assert response.status_code == 403
		assert "не связана с контактом клиента" in message(response)
		assert client.get("/support/new", **RU).status_code == 403
		frappe.db.rollback()
		assert frappe.db.count("Incident") == before
	finally:
		frappe.db.rollback()
		frappe.delete_doc("User", user, force=True, ignore_permissions=True)
		frappe.db.commit()


# --- the rate limit -----------------------------------------------------------------------------------


def test_registrations_are_limited_per_user(world, names, karmet, colleague):
	limit = registration.DEFAULT_PER_HOUR
	before = stored_counts(world)
	codes = [register(karmet, subject="").status_code for _attempt in range(limit)]
	assert codes == [417] * limit
	blocked = register(karmet)
	assert blocked.status_code == 429
	# the page's own POST (no JavaScript) counts under the same limit
	page = karmet.post_page("/support/new", csrf_token=karmet.csrf, **valid())
	assert page.status_code == 429 and "Слишком много запросов" in page.text
	assert stored_counts(world) == before
	# other clients are not affected
	response = register(colleague)
	assert response.status_code == 200, response.text
	names.append(response.json()["message"]["name"])


# --- without JavaScript: the form posts to the page itself --------------------------------------------


def test_the_form_works_without_javascript(world, names, karmet):
	files = [png("photo.png", PNG + b"nojs")]
	posted = karmet.post_page("/support/new", files=files, csrf_token=karmet.csrf, **valid(subject="Без JS"))
	assert posted.status_code == 303, posted.text[:500]
	location = posted.headers["Location"]
	assert "/support/new?registered=" in location
	number = location.rsplit("=", 1)[1]
	names.append(number)
	incident = fresh("Incident", number, "channel", "subject", "contact")
	assert (incident.channel, incident.subject) == ("Portal", "Без JS")
	assert incident.contact == world["contacts"]["karmet_client"]
	assert [f.is_private for f in files_of(number)] == [1]
	confirmation = karmet.get("/support/new", registered=number, **RU)
	assert f'id="number">{number}<' in confirmation.text


def test_without_javascript_errors_come_back_with_what_was_typed(world, karmet):
	before = stored_counts(world)
	page = karmet.post_page(
		"/support/new",
		files=[png()],
		csrf_token=karmet.csrf,
		**valid(subject="Сломался ноутбук", phone="123"),
	)
	assert page.status_code == 417
	assert "Неверный номер телефона" in page.text
	assert 'value="Сломался ноутбук"' in page.text and 'value="123"' in page.text
	missing = karmet.post_page("/support/new", **valid())
	assert missing.status_code in (400, 403)
	assert stored_counts(world) == before


# --- in process: the registration's side effects ------------------------------------------------------


def test_a_portal_registration_is_assigned_by_the_rule_and_e_mailed(world):
	"""The same registration as the endpoint, in this process and rolled back: the assignment rule takes
	the workflow's Assign step for the client, and the client's Registered e-mail is queued."""
	ensure_outgoing_email_account()
	open_around_the_clock("TEST Karaganda")
	engineer = world["users"]["kar_engineer"]
	set_engineer(engineer, availability="Available", is_active=1, capacity=5, skills=[])
	load.recount_open_load()
	enable_rule([engineer])
	frappe.set_user(world["users"]["karmet_client"])
	try:
		number = registration.register(valid(subject="Не работает сканер"), uploads=[])
		# the engineer is chosen by a job after the commit, run here as the worker runs it
		assert jobs.assign_pending(number)
	finally:
		frappe.set_user("Administrator")
		reset_caches()
	incident = frappe.db.get_value(
		"Incident", number, ["status", "engineer", "channel", "contact_email"], as_dict=True
	)
	assert (incident.status, incident.engineer, incident.channel) == ("Assigned", engineer, "Portal")
	assert registered_mail_sent(number, incident.contact_email)
