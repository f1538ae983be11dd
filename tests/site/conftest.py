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
