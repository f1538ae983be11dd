"""The client portal over real HTTP: lookup, My incidents, the incident page and its actions, and the
attacks on them (other clients' numbers, forged/expired/swapped links, missing CSRF, injection)."""

import html
import time

import frappe
import pytest

from tests.harness.http import api_client
from tests.site.portal_helpers import (
	Browser,
	cleanup,
	committed_incident,
	fresh,
	reset_message_limits,
	reset_rate_limits,
	stored_rating,
	token_for,
)
from xnet_helpdesk.links import signing
from xnet_helpdesk.links.incident_links import signing_key

NO_ACCESS = "This link is not valid or has expired."


def contact_phone(world, key):
	return frappe.db.get_value("Contact", world["contacts"][key], "mobile_no")


def lookup(browser, number, contact, ip="10.0.0.1"):
	return browser.call("lookup", headers={"X-Forwarded-For": ip}, number=number, contact=contact, _lang="en")


# --- public lookup --------------------------------------------------------------------------------


def test_lookup_shows_status_steps_and_engineer_first_name_only(world, guest, names):
	reset_rate_limits()
	doc = committed_incident(world, names, "In Progress", description="<p>Секретное описание</p>")
	response = lookup(guest, doc.name.lower() + " ", world["users"]["karmet_client"].upper())
	assert response.status_code == 200, response.text
	result = response.json()["message"]
	assert result["found"] is True and result["number"] == doc.name
	assert result["status"] == "In Progress"
	assert [step["label"] for step in result["steps"]] == [
		"Registered",
		"Engineer assigned",
		"Taken into work",
	]
	assert result["engineer"] == "Kar"
	assert set(result) == {
		"found",
		"number",
		"status",
		"status_label",
		"steps",
		"engineer",
		"planned_resolution_time",
	}
	assert "Секретное" not in response.text and "принтер" not in response.text.lower()


def test_lookup_by_phone_in_any_spelling(world, guest, names):
	reset_rate_limits()
	doc = committed_incident(world, names, "Registered")
	phone = contact_phone(world, "karmet_client")  # +7701xxxxxxx
	spelled = f"8 ({phone[2:5]}) {phone[5:8]}-{phone[8:10]}-{phone[10:]}"
	result = lookup(guest, doc.name, spelled).json()["message"]
	assert result["found"] is True and result["status"] == "Registered"


def test_wrong_number_and_wrong_contact_get_the_same_answer(world, guest, names):
	reset_rate_limits()
	doc = committed_incident(world, names, "Registered")
	other = committed_incident(world, names, "Registered", client="almatrade_client")
	right_email = world["users"]["karmet_client"]
	answers = [
		lookup(guest, doc.name, world["users"]["almatrade_client"]),  # someone else's e-mail
		lookup(guest, other.name, right_email),  # someone else's incident
		lookup(guest, "INC-1999-99999", right_email),  # no such incident
		lookup(guest, doc.name, "not-a-contact"),
		lookup(guest, "' OR 1=1 -- ", right_email),
	]
	assert {(r.status_code, r.text) for r in answers} == {(answers[0].status_code, answers[0].text)}
	assert answers[0].json()["message"]["found"] is False


def test_lookup_is_rate_limited_per_incident_number_across_ips(world, guest, names):
	reset_rate_limits()
	doc = committed_incident(world, names, "Registered")
	wrong = "guess@example.com"
	codes = [lookup(guest, doc.name, wrong, ip=f"10.1.0.{i}").status_code for i in range(10)]
	assert codes == [200] * 10
	# another spelling of the same number counts against the same limit, from yet another address
	blocked = lookup(guest, doc.name.lower(), world["users"]["karmet_client"], ip="10.1.1.1")
	assert blocked.status_code == 429
	assert "rate limit" in blocked.text
	# other numbers are not affected
	assert lookup(guest, "INC-2000-00001", wrong, ip="10.1.1.2").status_code == 200
	reset_rate_limits()


def test_lookup_is_rate_limited_per_ip(guest):
	reset_rate_limits()
	codes = [lookup(guest, f"INC-2000-{i:05d}", "a@b.kz", ip="10.2.0.1").status_code for i in range(30)]
	assert codes == [200] * 30
	assert lookup(guest, "INC-2000-99999", "a@b.kz", ip="10.2.0.1").status_code == 429
	assert lookup(guest, "INC-2000-99999", "a@b.kz", ip="10.2.0.2").status_code == 200
	reset_rate_limits()


def test_lookup_page_is_lean_and_russian_first(guest):
	page = guest.get("/support", _lang="ru")
	assert page.status_code == 200
	assert len(page.content) < 60_000
	assert "Проверить статус" in page.text or "статус" in page.text.lower()
	assert "/assets/frappe" not in page.text  # not Frappe's heavy web template
	assert 'lang="ru"' in page.text
	kk = guest.get("/support", _lang="kk")
	assert 'lang="kk"' in kk.text and kk.text != page.text


def test_the_footer_tells_each_centers_phone_and_the_support_address_from_the_settings(world, guest):
	"""Company data, not text in a template: a center's new phone shows at once, formatted one way."""
	from tests.harness.world import make_incident
	from xnet_helpdesk.outgoing.mail_templates import xnet_mail_body
	from xnet_helpdesk.support_line import support_line_text

	center = frappe.get_doc("Service Center", "TEST Karaganda")
	settings = frappe.get_single("Helpdesk Settings")
	before = (center.phone, settings.support_email)
	try:
		center.phone = "8 (7212) 41-00-00"
		center.save()
		settings.support_email = "help@client-care.test"
		settings.save()
		frappe.db.commit()
		footer = guest.get("/support", _lang="ru").text.split("<footer>")[1]
		assert f"+7 7212 41 00 00 ({center.name})" in html.unescape(footer)
		assert "help@client-care.test" in footer
		assert "Линия поддержки:" in footer
		assert "+7 7212 41 00 00" in support_line_text()
		incident = make_incident(world)
		assert f"+7 7212 41 00 00 ({center.name})" in xnet_mail_body(incident, "Incident Registered")
	finally:
		frappe.db.set_value("Service Center", center.name, "phone", before[0])
		frappe.db.set_single_value("Helpdesk Settings", "support_email", before[1])
		frappe.get_doc("Service Center", center.name).save()  # the hooks clear the cached line and page
		frappe.db.commit()
	assert "41 00 00" not in guest.get("/support", _lang="ru").text


def test_guests_get_the_lookup_page_from_the_page_cache_at_the_front_door(guest, karmet):
	guest.get("/support")  # rendered once by Frappe, then cached per language
	fast = guest.get("/support")
	assert fast.status_code == 200 and fast.headers.get("X-From-Cache") == "True"
	assert "X-Page-Name" not in fast.headers  # answered before Frappe's website router
	# with parameters, and for logged-in users, Frappe's own website path renders it
	assert guest.get("/support", _lang="kk").headers.get("X-Page-Name") == "support"
	logged_in = karmet.get("/support")
	assert logged_in.status_code == 200 and logged_in.headers.get("X-Page-Name") == "support"


def test_lookup_only_by_post(guest):
	response = guest.http.get(guest.server.base + "/api/method/xnet_helpdesk.portal.api.lookup", timeout=30)
	assert response.status_code in (403, 405)


# --- Guest REST stays closed ----------------------------------------------------------------------


@pytest.mark.parametrize("doctype", ["Incident", "Engineer Rating", "Contact", "Support Engineer"])
def test_guest_rest_is_closed(guest, doctype):
	assert guest.get(f"/api/resource/{doctype}").status_code == 403


# --- My incidents ---------------------------------------------------------------------------------


def test_my_incidents_lists_own_and_representative_sees_company(
	world, names, karmet, colleague, representative
):
	mine = committed_incident(world, names, "In Progress", subject="Мой инцидент")
	theirs = committed_incident(
		world, names, "Registered", client="karmet_client2", subject="Инцидент коллеги"
	)
	foreign = committed_incident(world, names, "Registered", client="almatrade_client", subject="Чужой")
	page = karmet.get("/support/my")
	assert page.status_code == 200
	assert mine.name in page.text and theirs.name not in page.text and foreign.name not in page.text
	assert (
		theirs.name in colleague.get("/support/my").text
		and mine.name not in colleague.get("/support/my").text
	)
	rep_page = representative.get("/support/my").text
	assert mine.name in rep_page and theirs.name in rep_page and foreign.name not in rep_page


def test_my_incidents_filters_by_status_and_searches_by_number(world, names, karmet):
	registered = committed_incident(world, names, "Registered")
	working = committed_incident(world, names, "In Progress")
	page = karmet.get("/support/my", status="In Progress").text
	assert working.name in page and registered.name not in page
	found = karmet.get("/support/my", q=registered.name[-5:]).text
	assert registered.name in found and working.name not in found
	# unknown statuses and odd parameters are ignored, not passed to the query
	assert karmet.get("/support/my", status="x' OR '1'='1", order_by="name; drop").status_code == 200


def test_my_incidents_needs_a_login(guest):
	response = guest.get("/support/my")
	assert response.status_code in (301, 302, 303, 307)
	assert "/login" in response.headers["Location"]


# --- the incident page ----------------------------------------------------------------------------


def test_incident_page_by_login_shows_details_and_timeline(world, names, karmet):
	doc = committed_incident(world, names, "Resolved", subject="Не печатает <b>принтер</b>")
	page = karmet.get("/support/incident", name=doc.name, _lang="en")
	assert page.status_code == 200
	# the markup typed into the subject is dropped when it is stored: plain text on the page, nothing live
	assert "Не печатает принтер" in page.text and "<b>принтер" not in page.text
	assert "Заменён картридж" in page.text  # resolution
	steps = page.text.split('class="timeline"')[1]
	positions = [
		steps.index(label) for label in ("Registered", "Engineer assigned", "Taken into work", "Resolved")
	]
	assert positions == sorted(positions)
	assert page.text.count('<li class="step">') == 4
	assert 'data-method="reopen"' in page.text and 'data-method="rate"' in page.text


def test_other_clients_incident_is_refused_like_a_missing_one(world, names, karmet, colleague):
	doc = committed_incident(world, names, "Resolved")
	denied = colleague.get("/support/incident", name=doc.name, _lang="en")
	missing = colleague.get("/support/incident", name="INC-1999-99999", _lang="en")
	assert denied.status_code == missing.status_code == 403
	assert NO_ACCESS in denied.text and doc.subject not in denied.text
	for action, extra in (("reopen", {"reason": "x"}), ("confirm", {}), ("rate", {"stars": 1})):
		response = colleague.call(action, incident=doc.name, **extra)
		assert response.status_code == 403, (action, response.text)
	assert fresh("Incident", doc.name, "status").status == "Resolved"
	assert not stored_rating(doc.name)


def test_client_rest_cannot_reach_another_clients_incident(world, names, server):
	doc = committed_incident(world, names, "Resolved")
	rest = api_client(server, world["users"]["almatrade_client"])
	assert rest.get(f"/api/resource/Incident/{doc.name}").status_code == 403
	assert doc.name not in rest.get("/api/resource/Incident").text
	for action, extra in (("reopen", {"reason": "x"}), ("confirm", {}), ("rate", {"stars": 5})):
		response = rest.post(
			f"/api/method/xnet_helpdesk.portal.api.{action}", data={"incident": doc.name, **extra}
		)
		assert response.status_code == 403, (action, response.text)
	# a client cannot write ratings or incidents through REST either
	assert (
		rest.post("/api/resource/Engineer Rating", json={"incident": doc.name, "stars": 5}).status_code == 403
	)
	assert fresh("Incident", doc.name, "status").status == "Resolved"


def test_signed_link_opens_the_page_without_login(world, names, guest):
	doc = committed_incident(world, names, "Resolved")
	page = guest.get("/support/incident", t=token_for(doc.name))
	assert page.status_code == 200 and doc.subject in page.text
	assert 'name="no-referrer"' in page.text or 'content="no-referrer"' in page.text


def tampered_tokens(doc, other):
	key = signing_key()
	good = token_for(doc.name)
	payload, signature = good.split(".")
	contact = frappe.db.get_value("Incident", doc.name, "contact")
	flip = signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")
	return {
		"forged signature": f"{payload}.{flip}",
		"swapped payload": f"{token_for(other.name).split('.')[0]}.{signature}",
		"other key": signing.sign(b"not the site key" * 2, doc.name, contact, int(time.time()) + 3600),
		"expired": signing.sign(key, doc.name, contact, int(time.time()) - 1),
		"other contact": signing.sign(key, doc.name, "some-other-contact", int(time.time()) + 3600),
		"garbage": "'; DROP TABLE tabIncident; --",
	}


def test_forged_expired_and_swapped_links_are_refused(world, names, guest):
	doc = committed_incident(world, names, "Resolved")
	other = committed_incident(world, names, "Resolved", client="almatrade_client")
	for label, token in tampered_tokens(doc, other).items():
		page = guest.get("/support/incident", t=token, _lang="en")
		assert page.status_code == 403 and NO_ACCESS in page.text, label
		for action, extra in (("reopen", {"reason": "x"}), ("confirm", {}), ("rate", {"stars": 1})):
			assert guest.call(action, token=token, **extra).status_code == 403, (label, action)
	# a valid link cannot be pointed at another incident
	response = guest.call("confirm", token=token_for(doc.name), incident=other.name)
	assert response.status_code == 403
	page = guest.get("/support/incident", t=token_for(doc.name), name=other.name)
	assert page.status_code == 403
	assert fresh("Incident", other.name, "status").status == "Resolved"
	assert fresh("Incident", doc.name, "status").status == "Resolved"


def test_link_dies_when_the_incident_moves_to_another_contact(world, names, guest):
	doc = committed_incident(world, names, "In Progress")
	token = token_for(doc.name)
	frappe.db.set_value("Incident", doc.name, "contact", world["contacts"]["karmet_client2"])
	frappe.db.commit()
	assert guest.get("/support/incident", t=token).status_code == 403


# --- actions --------------------------------------------------------------------------------------


def received_messages(incident: str) -> list:
	frappe.db.rollback()
	return frappe.get_all(
		"Communication",
		filters={"reference_doctype": "Incident", "reference_name": incident, "sent_or_received": "Received"},
		fields=["name", "sender", "sender_full_name", "subject", "content"],
	)


def test_client_answers_the_engineer_from_the_portal_and_work_resumes(world, names, karmet):
	reset_message_limits()
	doc = committed_incident(world, names, "Awaiting Client")
	page = karmet.get("/support/incident", name=doc.name)
	assert 'data-method="write"' in page.text and "Инженер ждёт вашего ответа" in page.text
	assert doc.client_info_request and html.escape(doc.client_info_request) in page.text
	assert karmet.call("write", csrf=False, incident=doc.name, text="Без токена").status_code in (400, 403)
	assert karmet.call("write", incident=doc.name, text="  <b></b> ").status_code == 417
	assert not received_messages(doc.name)
	response = karmet.call(
		"write", incident=doc.name, text="<script>alert(1)</script>Папка \\\\srv\\buh, нужен доступ на запись"
	)
	assert response.status_code == 200, response.text
	after = fresh("Incident", doc.name, "status", "workflow_state")
	assert after.status == after.workflow_state == "In Progress"
	[message] = received_messages(doc.name)
	assert message.sender == world["users"]["karmet_client"] and doc.name in message.subject
	assert "нужен доступ на запись" in message.content and "<script>" not in message.content
	page = karmet.get("/support/incident", name=doc.name).text
	assert "нужен доступ на запись" in page and "Инженер ждёт вашего ответа" not in page
	# more details while in work: kept, the status stays
	assert karmet.call("write", incident=doc.name, text="И ещё: принтер HP M428").status_code == 200
	assert fresh("Incident", doc.name, "status").status == "In Progress"
	assert len(received_messages(doc.name)) == 2
	frappe.db.delete("Communication", {"reference_doctype": "Incident", "reference_name": doc.name})
	frappe.db.commit()


def test_writing_by_signed_link_but_not_to_a_finished_incident_nor_with_a_forged_link(world, names, guest):
	reset_message_limits()
	open_one = committed_incident(world, names, "In Progress")
	response = guest.call("write", token=token_for(open_one.name), text="Звоните после 14:00")
	assert response.status_code == 200, response.text
	[message] = received_messages(open_one.name)
	assert message.sender == open_one.contact_email
	resolved = committed_incident(world, names, "Resolved")
	page = guest.get("/support/incident", t=token_for(resolved.name)).text
	assert 'data-method="write"' not in page and 'data-method="reopen"' in page
	assert guest.call("write", token=token_for(resolved.name), text="Вопрос").status_code == 417
	forged = token_for(open_one.name)[:-3] + "abc"
	assert guest.call("write", token=forged, text="Привет").status_code == 403
	assert guest.call("write", incident=open_one.name, text="Без входа").status_code == 403
	assert not received_messages(resolved.name) and len(received_messages(open_one.name)) == 1
	frappe.db.delete("Communication", {"reference_doctype": "Incident", "reference_name": open_one.name})
	frappe.db.commit()


def test_portal_messages_are_rate_limited_per_ip(world, names, guest):
	reset_message_limits()
	doc = committed_incident(world, names, "In Progress")
	token = token_for(doc.name)
	frappe.db.rollback()
	codes = [
		guest.call(
			"write", token=token, text=f"Сообщение {i}", headers={"X-Forwarded-For": "10.9.9.9"}
		).status_code
		for i in range(21)
	]
	assert codes[:20] == [200] * 20 and codes[20] == 429
	frappe.db.delete("Communication", {"reference_doctype": "Incident", "reference_name": doc.name})
	frappe.db.commit()
	reset_message_limits()


def test_a_portal_message_reaches_the_incidents_assignee(world):
	"""As an e-mail reply does: Frappe forwards it to the incident's owner and assignees (in-process, so
	the Email Queue can be read; the test site mutes mail for the web server)."""
	from frappe.desk.form import assign_to

	from tests.harness.assignment_world import ensure_outgoing_email_account
	from tests.harness.states import bring_to
	from tests.harness.world import make_incident
	from xnet_helpdesk.portal import actions
	from xnet_helpdesk.portal.access import Access

	engineer = world["users"]["kar_engineer"]
	doc = bring_to(make_incident(world), "In Progress", engineer)
	assign_to.add({"assign_to": [engineer], "doctype": "Incident", "name": doc.name}, ignore_permissions=True)
	ensure_outgoing_email_account()
	muted, flagged = frappe.local.conf.get("mute_emails"), frappe.flags.mute_emails
	frappe.local.conf.mute_emails, frappe.flags.mute_emails = 0, False
	frappe.local.outgoing_email_account = {}
	try:
		actions.write(Access(doc.name, "token", doc.status, "signed"), "Принтер снова мигает")
	finally:
		frappe.local.conf.mute_emails, frappe.flags.mute_emails = muted, flagged
	message = frappe.get_all(
		"Communication",
		filters={"reference_name": doc.name, "sent_or_received": "Received"},
		pluck="name",
	)
	queued = frappe.get_all("Email Queue", filters={"communication": message[0]}, pluck="name")
	assert queued
	recipients = [row.recipient for row in frappe.get_doc("Email Queue", queued[0]).recipients]
	assert engineer in recipients and world["users"]["karmet_client"] not in recipients


def test_reopen_by_signed_link(world, names, guest):
	doc = committed_incident(world, names, "Resolved")
	token = token_for(doc.name)
	empty = guest.call("reopen", token=token, reason="  <b></b> ")
	assert empty.status_code == 417
	response = guest.call("reopen", token=token, reason="<script>alert(1)</script>Опять не печатает")
	assert response.status_code == 200, response.text
	after = fresh("Incident", doc.name, "status", "workflow_state", "last_reopen_reason", "reopen_count")
	assert after.status == after.workflow_state == "Reopened"
	assert after.last_reopen_reason == "alert(1)Опять не печатает" and after.reopen_count == 1
	# not resolved any more: a second reopen is refused
	assert guest.call("reopen", token=token, reason="ещё раз").status_code == 417


def test_reopen_window_is_enforced(world, names, karmet):
	doc = committed_incident(world, names, "Resolved")
	days = frappe.db.get_single_value("Helpdesk Settings", "reopen_window_days") or 7
	frappe.db.set_value(
		"Incident", doc.name, "resolved_on", frappe.utils.add_days(frappe.utils.now_datetime(), -days - 1)
	)
	frappe.db.commit()
	page = karmet.get("/support/incident", name=doc.name)
	assert 'data-method="reopen"' not in page.text and 'data-method="confirm"' in page.text
	response = karmet.call("reopen", incident=doc.name, reason="Не работает")
	assert response.status_code == 417
	assert fresh("Incident", doc.name, "status").status == "Resolved"


def test_confirm_needs_csrf_when_logged_in(world, names, karmet):
	doc = committed_incident(world, names, "Resolved")
	assert karmet.call("confirm", csrf=False, incident=doc.name).status_code in (400, 403)
	assert fresh("Incident", doc.name, "status").status == "Resolved"
	response = karmet.call("confirm", incident=doc.name)
	assert response.status_code == 200, response.text
	after = fresh("Incident", doc.name, "status", "closed_on")
	assert after.status == "Closed" and after.closed_on


def test_confirm_refused_unless_resolved(world, names, karmet):
	doc = committed_incident(world, names, "In Progress")
	assert karmet.call("confirm", incident=doc.name).status_code == 417
	assert fresh("Incident", doc.name, "status").status == "In Progress"


def test_representative_may_act_on_a_colleagues_incident(world, names, representative):
	doc = committed_incident(world, names, "Resolved", client="karmet_client2")
	assert representative.get("/support/incident", name=doc.name).status_code == 200


# --- rating ---------------------------------------------------------------------------------------


def test_one_click_rating_link_prefills_the_star_and_rates(world, names, guest):
	doc = committed_incident(world, names, "Resolved")
	from xnet_helpdesk.links.incident_links import portal_link

	link = portal_link(doc.name, stars=4)
	assert "stars=4" in link and "t=" in link
	page = guest.get("/support/incident", t=token_for(doc.name), stars="4")
	assert 'value="4" required checked' in page.text
	assert 'data-source="email"' in page.text
	# opening the link changes nothing: mail scanners follow links; the client submits
	assert not fresh("Engineer Rating", doc.name, "name")
	response = guest.call("rate", token=token_for(doc.name), stars="4", source="email")
	assert response.status_code == 200, response.text
	# stored before the answer (no worker runs here) and shown back to the client
	assert 'value="4" required checked' in guest.get("/support/incident", t=token_for(doc.name)).text
	rating = stored_rating(doc.name, "stars", "source", "engineer", "comment")
	assert rating.stars == 4 and rating.source == "E-mail Link" and rating.comment is None


def test_an_acknowledged_rating_is_in_the_database_before_the_answer(world, names, guest):
	"""No worker runs for the test site: what the 2xx acknowledged must already be committed, so a Redis
	restart right after the answer (it keeps nothing on disk) cannot lose it."""
	doc = committed_incident(world, names, "Resolved")
	response = guest.call("rate", token=token_for(doc.name), stars="2", comment="Долго")
	assert response.status_code == 200, response.text
	assert fresh("Engineer Rating", doc.name, "stars", "comment") == {"stars": 2, "comment": "Долго"}
	engineer = world["users"]["kar_engineer"]
	assert frappe.db.get_value("Support Engineer", engineer, "rating_count") == frappe.db.count(
		"Engineer Rating", {"engineer": engineer}
	)


def test_a_rating_left_waiting_in_redis_by_an_older_version_is_stored_by_the_patch(world, names):
	from xnet_helpdesk.patches import store_waiting_portal_ratings as patch
	from xnet_helpdesk.portal.actions import LEGACY_PENDING_KEY

	doc = committed_incident(world, names, "Resolved")
	key = frappe.cache.make_key(LEGACY_PENDING_KEY)
	waiting = {"stars": 4, "comment": None, "source": "Portal", "id": "x"}
	frappe.cache.execute_command("HSET", key, doc.name, frappe.as_json(waiting))
	patch.execute()
	assert fresh("Engineer Rating", doc.name, "stars").stars == 4
	assert not frappe.cache.execute_command("EXISTS", key)


def test_rating_is_changeable_until_closed_and_updates_the_engineer(world, names, karmet):
	doc = committed_incident(world, names, "Resolved")
	engineer = world["users"]["kar_engineer"]
	assert karmet.call("rate", incident=doc.name, stars="5", comment="Быстро").status_code == 200
	assert stored_rating(doc.name, "stars").stars == 5
	assert karmet.call("rate", incident=doc.name, stars="3", comment="Подумав").status_code == 200
	assert stored_rating(doc.name, "stars").stars == 3
	rows = frappe.get_all(
		"Engineer Rating", filters={"incident": doc.name}, fields=["stars", "comment", "source"]
	)
	assert rows == [{"stars": 3, "comment": "Подумав", "source": "Portal"}]
	frappe.db.rollback()
	expected = frappe.db.sql(
		"select avg(stars), count(*) from `tabEngineer Rating` where engineer=%s", engineer
	)[0]
	figures = frappe.db.get_value("Support Engineer", engineer, ["rating_average", "rating_count"])
	assert figures == (round(float(expected[0]), 2), expected[1])
	assert karmet.call("confirm", incident=doc.name).status_code == 200
	refused = karmet.call("rate", incident=doc.name, stars="1")
	assert refused.status_code == 417
	assert stored_rating(doc.name, "stars").stars == 3


def test_a_rating_sent_just_before_confirming_is_kept(world, names, guest):
	doc = committed_incident(world, names, "Resolved")
	token = token_for(doc.name)
	assert guest.call("rate", token=token, stars="5").status_code == 200
	assert guest.call("confirm", token=token).status_code == 200
	assert fresh("Incident", doc.name, "status").status == "Closed"
	assert fresh("Engineer Rating", doc.name, "stars").stars == 5


@pytest.mark.parametrize("stars", ["0", "6", "-1", "3.5", "five", "", "1e1"])
def test_bad_stars_are_refused(world, names, karmet, stars):
	doc = committed_incident(world, names, "Resolved")
	assert karmet.call("rate", incident=doc.name, stars=stars).status_code == 417
	assert not stored_rating(doc.name)


def test_rating_needs_a_resolved_incident(world, names, karmet):
	doc = committed_incident(world, names, "In Progress")
	assert karmet.call("rate", incident=doc.name, stars="5").status_code == 417


def test_comment_injection_is_stored_and_shown_as_plain_text(world, names, karmet, server):
	doc = committed_incident(world, names, "Resolved")
	attack = (
		'<img src=x onerror="alert(1)"><script>alert(2)</script>Хорошо {{ 7*7 }} <a href="javascript:x">y</a>'
	)
	assert karmet.call("rate", incident=doc.name, stars="2", comment=attack).status_code == 200
	stored = stored_rating(doc.name, "comment").comment
	assert "<" not in stored and "onerror" not in stored
	assert "Хорошо" in stored
	page = karmet.get("/support/incident", name=doc.name).text
	assert "<script>alert" not in page and "onerror=" not in page
	assert "Хорошо {{ 7*7 }}" in page  # shown as text, never evaluated as a template
	# staff read it through REST as stored plain text
	manager = api_client(server, world["users"]["manager"])
	assert "<" not in manager.get(f"/api/resource/Engineer Rating/{doc.name}").json()["data"]["comment"]


def test_timeline_shows_the_emails_with_the_client_but_no_internal_comments(world, names, karmet):
	doc = committed_incident(world, names, "In Progress")
	for sent_or_received, content in (
		("Received", "<p>Принтер в кабинете 12</p><script>alert(1)</script>"),
		("Sent", "<p>Инженер подъедет к 15:00</p>"),
	):
		frappe.get_doc(
			{
				"doctype": "Communication",
				"communication_type": "Communication",
				"communication_medium": "Email",
				"sent_or_received": sent_or_received,
				"subject": doc.subject,
				"content": content,
				"sender": world["users"]["karmet_client"],
				"reference_doctype": "Incident",
				"reference_name": doc.name,
			}
		).insert(ignore_permissions=True)
	doc.add_comment("Comment", "Внутренняя заметка: клиент сложный")
	frappe.db.commit()
	page = karmet.get("/support/incident", name=doc.name).text
	assert "Принтер в кабинете 12" in page and "Инженер подъедет к 15:00" in page
	assert "<script>alert(1)" not in page
	assert "Внутренняя заметка" not in page
	frappe.db.delete("Communication", {"reference_doctype": "Incident", "reference_name": doc.name})
	frappe.db.commit()
