"""The portal in headless Chromium (Debian's /usr/bin/chromium, driven by Playwright), on a phone-sized
screen, in Russian first: look up an incident, open the e-mailed link, rate with the stars, reopen,
answer the engineer, switch language and register a new incident. Screenshots go to test-artifacts/portal/."""

from pathlib import Path

import frappe
import pytest

from tests.harness import chromium
from tests.site.portal_helpers import (
	cleanup,
	committed_incident,
	fresh,
	reset_rate_limits,
	reset_registration_limits,
	stored_rating,
	token_for,
	wait_until,
)

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "portal"
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def browser():
	ARTIFACTS.mkdir(parents=True, exist_ok=True)
	with chromium.launched() as launched:
		yield launched


@pytest.fixture
def page(browser):
	context = browser.new_context(viewport=PHONE, locale="ru-RU", is_mobile=True, has_touch=True)
	page = context.new_page()
	yield page
	context.close()


def shot(page, name):
	page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_look_up_an_incident_on_a_phone(world, names, server, page):
	reset_rate_limits()
	doc = committed_incident(world, names, "In Progress")
	page.goto(server.base + "/support")
	assert page.locator("html").get_attribute("lang") == "ru"
	page.fill("#number", doc.name)
	page.fill("#contact", world["users"]["karmet_client"])
	page.click("button[type=submit]")
	page.wait_for_selector("#result .status")
	assert page.locator("#result h2").inner_text().startswith(doc.name)
	assert page.locator("#result .timeline li").count() == 3
	# nothing sticks out sideways on a phone
	assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
	shot(page, "01-lookup-found")
	page.fill("#contact", "someone@else.kz")
	page.click("button[type=submit]")
	page.wait_for_selector(".msg.err")
	assert page.locator("#result .card").count() == 0
	shot(page, "02-lookup-not-found")


def test_open_the_emailed_link_and_rate_with_the_stars(world, names, server, page):
	doc = committed_incident(world, names, "Resolved")
	page.goto(f"{server.base}/support/incident?t={token_for(doc.name)}&stars=4#rate")
	assert page.locator("#star4").is_checked()
	shot(page, "03-emailed-link-star-prefilled")
	page.click("label[for=star5]")
	assert page.locator("#star5").is_checked()
	page.fill("#comment", "Спасибо, всё работает! <b>жирно</b>")
	page.click("form[data-method=rate] button[type=submit]")
	page.wait_for_selector("form[data-method=rate] .msg.ok")
	rating = stored_rating(doc.name, "stars", "comment", "source")
	assert (rating.stars, rating.comment, rating.source) == (5, "Спасибо, всё работает! жирно", "E-mail Link")
	page.wait_for_load_state("load")
	page.wait_for_selector("#star5:checked")
	shot(page, "04-rated")


def test_reopen_from_the_emailed_link(world, names, server, page):
	doc = committed_incident(world, names, "Resolved")
	page.goto(f"{server.base}/support/incident?t={token_for(doc.name)}")
	page.fill("#reason", "Принтер снова зажёвывает бумагу")
	shot(page, "05-reopen-reason")
	page.click("form[data-method=reopen] button[type=submit]")
	page.wait_for_selector("form[data-method=reopen] .msg.ok")
	assert wait_until(lambda: fresh("Incident", doc.name, "status").status == "Reopened")
	page.wait_for_load_state("load")
	page.wait_for_function("!document.querySelector('form[data-method=reopen]')")
	assert "Принтер снова зажёвывает бумагу" in page.content()
	shot(page, "06-reopened")


def test_answer_the_engineer_from_the_emailed_link(world, names, server, page):
	from tests.site.portal_helpers import reset_message_limits

	reset_message_limits()
	doc = committed_incident(world, names, "Awaiting Client")
	page.goto(f"{server.base}/support/incident?t={token_for(doc.name)}")
	assert page.locator("#write strong").inner_text() == "Инженер ждёт вашего ответа."
	assert page.locator("#info-request").inner_text() == doc.client_info_request  # what they asked for
	page.fill("#message", "Модель принтера: HP LaserJet M428, ошибка 49")
	shot(page, "07a-answer-the-engineer")
	page.click("form[data-method=write] button[type=submit]")
	page.wait_for_selector("form[data-method=write] .msg.ok")
	assert wait_until(lambda: fresh("Incident", doc.name, "status").status == "In Progress")
	page.wait_for_load_state("load")
	page.wait_for_function(
		"document.querySelector('.timeline').innerText.includes('HP LaserJet M428, ошибка 49')"
	)
	assert page.locator("#write strong").count() == 0  # no longer waiting for the client
	assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
	shot(page, "07b-answered")
	frappe.db.delete("Communication", {"reference_doctype": "Incident", "reference_name": doc.name})
	frappe.db.commit()


def test_switch_language(world, names, server, page):
	page.goto(server.base + "/support")
	russian = page.locator("h1").inner_text()
	page.click(".langs a[data-lang=kk]")
	page.wait_for_function("document.documentElement.lang === 'kk'")
	kazakh = page.locator("h1").inner_text()
	assert kazakh != russian
	shot(page, "07-kazakh")
	# the choice sticks (cookie) on the next page without ?_lang
	page.goto(server.base + "/support")
	assert page.locator("html").get_attribute("lang") == "kk"
	page.click(".langs a[data-lang=en]")
	page.wait_for_function("document.documentElement.lang === 'en'")
	assert page.locator("h1").inner_text() == "Check the status of your incident"
	shot(page, "08-english")


def test_logged_in_client_confirms_from_my_incidents(world, names, server, page):
	doc = committed_incident(world, names, "Resolved")
	from tests.harness.world import PASSWORD

	page.goto(server.base + "/login?redirect-to=/support/my")
	page.fill("#login_email", world["users"]["karmet_client"])
	page.fill("#login_password", PASSWORD)
	page.click(".btn-login")
	page.wait_for_url("**/support/my**")
	shot(page, "09-my-incidents")
	page.click(f"text={doc.name}")
	page.wait_for_selector("form[data-method=confirm]")
	page.click("form[data-method=confirm] button[type=submit]")
	page.wait_for_selector("form[data-method=confirm] .msg.ok")
	assert wait_until(lambda: fresh("Incident", doc.name, "status").status == "Closed")
	shot(page, "10-confirmed")


def test_register_an_incident_on_a_phone(world, names, server, page):
	from tests.harness.world import PASSWORD

	reset_registration_limits()
	page.goto(server.base + "/login?redirect-to=/support/new")
	page.fill("#login_email", world["users"]["karmet_client"])
	page.fill("#login_password", PASSWORD)
	page.click(".btn-login")
	page.wait_for_url(server.base + "/support/new")
	assert page.locator("html").get_attribute("lang") == "ru"
	assert page.locator("h1").inner_text() == "Новый инцидент"
	assert page.input_value("#phone")  # the contact's own number, ready for a call back
	page.fill("#subject", "Не включается монитор")
	page.fill("#description", "Монитор Dell в кабинете 7 не включается,\nиндикатор не горит.")
	page.select_option("#category", "TEST Hardware")
	# the server's answer to a wrong phone number, shown as text
	page.fill("#phone", "12")
	page.click("#new-incident button[type=submit]")
	page.wait_for_selector("#new-incident .msg.err")
	assert page.locator("#new-incident .msg.err").inner_text().startswith("Неверный номер телефона.")
	page.fill("#phone", "8 701 555 77 88")
	# too many files are refused before any upload, in the client's language
	page.set_input_files(
		"#attachments",
		files=[{"name": f"{i}.txt", "mimeType": "text/plain", "buffer": b"x"} for i in range(4)],
	)
	page.click("#new-incident button[type=submit]")
	assert page.locator("#new-incident .msg.err").inner_text() == "Можно приложить не больше 3 файлов."
	page.set_input_files(
		"#attachments",
		files=[{"name": "монитор.txt", "mimeType": "text/plain", "buffer": "нет сигнала".encode()}],
	)
	assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
	shot(page, "11-new-incident-form")
	page.click("#new-incident button[type=submit]")
	page.wait_for_url("**/support/new?registered=**")
	number = page.locator("#number").inner_text()
	names.append(number)
	assert number.startswith("INC-")
	assert page.locator("h1").inner_text() == "Ваш инцидент зарегистрирован"
	assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
	shot(page, "12-new-incident-registered")
	incident = fresh("Incident", number, "channel", "subject", "contact", "contact_phone")
	assert (incident.channel, incident.subject) == ("Portal", "Не включается монитор")
	assert incident.contact == world["contacts"]["karmet_client"] and incident.contact_phone == "+77015557788"
	assert (
		frappe.db.count(
			"File", {"attached_to_doctype": "Incident", "attached_to_name": number, "is_private": 1}
		)
		== 1
	)
	page.click("text=Открыть инцидент")
	page.wait_for_url(f"**/support/incident?name={number}")
	assert "Не включается монитор" in page.locator("h1").inner_text()
