"""The public outage board (/support/status) over real HTTP: a guest sees the active problems an admin made
public, per service center, with the planned time and the latest update, and nothing about clients; the
page is cached per language and a change shows at the next request."""

from datetime import timedelta

import frappe
import pytest
from frappe.utils import now_datetime

from tests.site.portal_helpers import cleanup, committed_incident


@pytest.fixture
def problems(world):
	made, incidents = [], []

	def make(title, public=1, centers=("TEST Karaganda",), companies=(), **values):
		doc = frappe.get_doc(
			{
				"doctype": "Global Problem",
				"title": title,
				"public": public,
				"description": values.pop("description", "<p>Повреждение магистрального кабеля</p>"),
				"started_on": now_datetime() - timedelta(hours=1),
				"planned_resolution_time": (now_datetime() + timedelta(hours=3)).replace(second=0),
				"affected_service_centers": [{"service_center": c} for c in centers],
				"affected_client_companies": [{"client_company": c} for c in companies],
				**values,
			}
		).insert()
		frappe.db.commit()
		made.append(doc.name)
		return doc

	yield make, incidents
	cleanup(incidents)
	for name in made:
		frappe.db.delete("Global Problem Update", {"global_problem": name})
		frappe.delete_doc("Global Problem", name, force=True)
	frappe.db.commit()
	# the jobs their commits queued (no worker takes the test site's): a deleted problem's number is used
	# again, and Frappe would skip a later test's job of the same id as already queued
	from tests.harness.bench import drop_queued_jobs
	from xnet_helpdesk.outages.board import clear_board_cache

	drop_queued_jobs(frappe.local.site)
	clear_board_cache()


def test_a_guest_sees_public_active_problems_per_center_and_no_client(world, guest, problems):
	make, incidents = problems
	shown = make("TEST Нет связи в Караганде", companies=("TEST KarMet",))
	make("TEST Внутренний сбой биллинга", public=0)
	make("TEST Сбой DNS", centers=(), status="Resolved", resolution="<p>Починили</p>")
	everywhere = make("TEST Сбой почты у всех", centers=())
	incident = committed_incident(world, incidents, "In Progress", global_problem=shown.name)
	frappe.get_doc(
		{"doctype": "Global Problem Update", "global_problem": shown.name, "message": "Бригада выехала"}
	).insert()
	frappe.db.commit()

	page = guest.get("/support/status", _lang="ru")
	assert page.status_code == 200
	text = page.text
	assert "TEST Нет связи в Караганде" in text and "TEST Сбой почты у всех" in text
	assert "TEST Karaganda" in text and "Все сервисные центры" in text
	assert "Бригада выехала" in text  # the latest update
	assert "Повреждение магистрального кабеля" in text
	assert text.index("Все сервисные центры") < text.index("TEST Karaganda")
	# what a guest cannot see: problems not public or resolved, the clients, their incidents
	assert "TEST Внутренний сбой биллинга" not in text and "TEST Сбой DNS" not in text
	for secret in ("TEST KarMet", incident.name, incident.contact_name, world["users"]["karmet_client"]):
		assert secret not in text, secret
	assert everywhere.name not in text and shown.name not in text  # no internal numbers either


def test_the_board_is_cached_and_a_change_shows_at_the_next_request(world, guest, problems):
	make, _incidents = problems
	problem = make("TEST Авария на подстанции")
	guest.get("/support/status")
	cached = guest.get("/support/status")
	assert cached.headers.get("X-From-Cache") == "True"
	assert "TEST Авария на подстанции" in cached.text

	frappe.get_doc(
		{
			"doctype": "Global Problem Update",
			"global_problem": problem.name,
			"message": "Подстанция запущена частично",
		}
	).insert()
	frappe.db.commit()
	assert "Подстанция запущена частично" in guest.get("/support/status").text

	problem.reload()
	problem.update({"status": "Resolved", "resolution": "<p>Работает</p>"})
	problem.save()
	frappe.db.commit()
	assert "TEST Авария на подстанции" not in guest.get("/support/status").text


def test_the_lookup_page_names_the_outages_before_the_client_calls(world, guest, problems):
	"""A client who opens /support to check an incident sees the known outages first, with a link to the
	board (every portal page links it); the lookup page is cached too and follows the board's changes."""
	make, _incidents = problems
	problem = make("TEST Нет интернета в бизнес-центре")
	make("TEST Тихий внутренний сбой", public=0)
	guest.get("/support", _lang="ru")
	page = guest.get("/support", _lang="ru")
	assert page.headers.get("X-From-Cache") == "True"
	assert "Сейчас известны сбои" in page.text and "TEST Нет интернета в бизнес-центре" in page.text
	assert "TEST Karaganda" in page.text and 'href="/support/status"' in page.text
	assert "TEST Тихий внутренний сбой" not in page.text and problem.name not in page.text

	problem.reload()
	problem.update({"status": "Resolved", "resolution": "<p>Работает</p>"})
	problem.save()
	frappe.db.commit()
	after = guest.get("/support", _lang="ru").text
	assert "TEST Нет интернета в бизнес-центре" not in after
	assert 'href="/support/status"' in after  # the board stays one click away, empty or not
