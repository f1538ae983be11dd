"""The caller card in a real Desk: headless Chromium logged in as a Karaganda operator, Frappe's realtime
server (node socketio.js) started for the test site, a phone system's newCall posted over HTTP. The card
appears in the operator's open Desk; *Register incident* opens the Incident form prefilled. Skipped, with
the reason, where Playwright, Chromium or node is missing."""

import os
import shutil
import socket
import subprocess
import time

import frappe
import pytest

from tests.harness import bench, chromium
from tests.harness.http import Server
from tests.harness.world import PASSWORD
from tests.site import telephony_helpers as t


def _free_port() -> int:
	with socket.socket() as sock:
		sock.bind(("127.0.0.1", 0))
		return sock.getsockname()[1]


@pytest.fixture(scope="module")
def realtime_desk(site, world):
	"""A web server in dev-server mode (the Desk then connects to socketio on the site's socketio_port)
	and Frappe's socketio server on that port, both for the test site only."""
	from frappe.installer import update_site_config

	node = shutil.which("node")
	if not node:
		pytest.skip("node is not installed")
	port = _free_port()
	previous = frappe.get_file_json(frappe.get_site_path("site_config.json")).get("socketio_port")
	update_site_config("socketio_port", port)
	env = {**os.environ, "FRAPPE_SITE": frappe.local.site, "FRAPPE_SOCKETIO_PORT": str(port)}
	realtime = subprocess.Popen(
		[node, "apps/frappe/socketio.js"],
		cwd=bench.bench_path(),
		env=env,
		stdout=subprocess.DEVNULL,
		stderr=subprocess.DEVNULL,
	)
	old_dev = os.environ.get("DEV_SERVER")
	os.environ["DEV_SERVER"] = "1"
	try:
		web = Server(frappe.local.site)
	finally:
		if old_dev is None:
			os.environ.pop("DEV_SERVER", None)
		else:
			os.environ["DEV_SERVER"] = old_dev
	_wait_for_port(port)
	yield web
	web.stop()
	realtime.terminate()
	realtime.wait(10)
	update_site_config("socketio_port", previous or "None")


def _wait_for_port(port):
	deadline = time.monotonic() + 30
	while time.monotonic() < deadline:
		with socket.socket() as sock:
			if sock.connect_ex(("127.0.0.1", port)) == 0:
				return
		time.sleep(0.2)
	pytest.fail("Frappe's socketio server did not start")


@pytest.fixture(scope="module")
def browser():
	with chromium.launched() as launched:
		yield launched


@pytest.fixture(scope="module")
def cti(world, realtime_desk):
	built = t.build(world)
	t.cleanup_calls()
	yield built
	t.cleanup_calls()


def desk_of(browser, server, user):
	context = browser.new_context(viewport={"width": 1400, "height": 1000})
	page = context.new_page()
	response = page.request.post(server.base + "/api/method/login", form={"usr": user, "pwd": PASSWORD})
	assert response.ok, response.text()
	page.goto(server.base + "/app/incident")
	page.wait_for_function("() => window.frappe && frappe.boot && frappe.boot.user")
	page.wait_for_function("() => frappe.realtime.socket && frappe.realtime.socket.connected", timeout=30000)
	# the Desk listens for the caller card (public/js/call_popup.js, app_include_js)
	assert page.evaluate("() => frappe.realtime.socket.listeners('xnet_call_ringing').length") == 1
	return context, page


def test_a_new_call_pops_up_the_card_and_registers_the_incident(browser, realtime_desk, cti):
	operator, _ = desk_of(browser, realtime_desk, cti["users"]["cti_kar_op"])
	other, other_page = desk_of(browser, realtime_desk, cti["users"]["cti_alm_op"])
	try:
		page = operator.pages[0]
		cid = t.call_id()
		response = t.new_call(realtime_desk, cid, caller="8 701 555 01 01")
		assert response.status_code == 200, response.text
		card = page.locator(".xnet-call-dialog .xnet-call-card")
		card.wait_for(state="visible", timeout=15000)
		text = card.inner_text()
		assert "+7 701 555 0101" in text
		assert "CTI Known Caller" in text and "TEST KarMet" in text and "TEST Karaganda" in text
		# the other city's operator's Desk shows nothing
		assert other_page.locator(".xnet-call-dialog").count() == 0
		page.locator(".xnet-call-dialog .btn-primary").click()
		page.wait_for_function("() => window.cur_frm && cur_frm.doctype === 'Incident' && cur_frm.is_new()")
		values = page.evaluate(
			"() => ({channel: cur_frm.doc.channel, contact: cur_frm.doc.contact, company: cur_frm.doc.client_company,"
			" center: cur_frm.doc.service_center, call: cur_frm.doc.call})"
		)
		call = t.stored(cid)
		assert values == {
			"channel": "Phone",
			"contact": cti["contacts"]["known"],
			"company": "TEST KarMet",
			"center": "TEST Karaganda",
			"call": call.name,
		}
	finally:
		operator.close()
		other.close()


def test_an_unknown_caller_opens_the_form_with_the_number(browser, realtime_desk, cti):
	context, page = desk_of(browser, realtime_desk, cti["users"]["cti_kar_op"])
	try:
		t.new_call(realtime_desk, t.call_id(), caller="8 777 555 01 99")
		card = page.locator(".xnet-call-dialog .xnet-call-card")
		card.wait_for(state="visible", timeout=15000)
		assert page.locator(".xnet-call-dialog .xnet-unknown").count() == 1
		page.locator(".xnet-call-dialog .btn-primary").click()
		page.wait_for_function("() => window.cur_frm && cur_frm.doctype === 'Incident' && cur_frm.is_new()")
		assert page.evaluate("() => cur_frm.doc.contact_phone") == t.UNKNOWN
		assert not page.evaluate("() => cur_frm.doc.contact")
	finally:
		context.close()
