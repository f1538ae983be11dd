import pytest

from tests.harness import bench
from tests.harness.http import Server


@pytest.fixture(scope="session")
def server(site):
	"""The test site served over real HTTP (frappe's own web server, single process)."""
	process = Server(bench.site_name())
	yield process
	process.stop()


@pytest.fixture(scope="session")
def world(site):
	from tests.harness.world import build

	return build()


@pytest.fixture(scope="module")
def committed():
	"""Incidents another process (the web server, the browser) must see are committed; this list of them
	is deleted, with their ratings, when the module ends."""
	import frappe

	names = []
	yield names
	frappe.db.rollback()
	for name in names:
		frappe.delete_doc("Engineer Rating", name, force=True, ignore_missing=True)
		frappe.delete_doc("Incident", name, force=True, ignore_missing=True)
	frappe.db.commit()
