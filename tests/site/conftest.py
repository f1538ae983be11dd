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
	is deleted, with their ratings (a portal rating still pending included), when the module ends."""
	from tests.site.portal_helpers import cleanup

	names = []
	yield names
	cleanup(names)


@pytest.fixture(scope="module")
def names(committed):
	"""The portal tests' name for the committed incidents."""
	return committed


# --- portal sessions over real HTTP ------------------------------------------------------------------


@pytest.fixture(scope="module")
def guest(server):
	from tests.site.portal_helpers import Browser

	return Browser(server)


@pytest.fixture(scope="module")
def karmet(server, world):
	from tests.site.portal_helpers import Browser

	return Browser(server, world["users"]["karmet_client"])


@pytest.fixture(scope="module")
def colleague(server, world):
	from tests.site.portal_helpers import Browser

	return Browser(server, world["users"]["karmet_client2"])


@pytest.fixture(scope="module")
def representative(server, world):
	from tests.site.portal_helpers import Browser

	return Browser(server, world["users"]["karmet_rep"])
