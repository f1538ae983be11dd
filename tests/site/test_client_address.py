"""The portal's per-IP limits over real HTTP: X-Forwarded-For counts only when the socket peer is a trusted
proxy (`xnet_trusted_proxies` in site config); a client that rotates the header gains nothing."""

import json

import pytest

from tests.harness import bench
from tests.site.portal_helpers import reset_rate_limits

LIMIT = 3


def set_config(**values):
	"""Write the site config the server reads on every request; None removes a key."""
	path = bench.site_config_path(bench.site_name())
	config = json.loads(path.read_text())
	for key, value in values.items():
		if value is None:
			config.pop(key, None)
		else:
			config[key] = value
	path.write_text(json.dumps(config, indent=1, sort_keys=True))


@pytest.fixture
def small_lookup_limit():
	before = bench.read_site_config(bench.site_name())
	set_config(xnet_portal_lookups_per_ip=LIMIT)
	reset_rate_limits()
	yield
	set_config(
		xnet_portal_lookups_per_ip=before.get("xnet_portal_lookups_per_ip"),
		xnet_trusted_proxies=before.get("xnet_trusted_proxies"),
	)
	reset_rate_limits()


def lookups(guest, forwarded_for: list[str]) -> list[int]:
	# a different number each time: only the per-IP limit can stop these
	return [
		guest.call(
			"lookup", headers={"X-Forwarded-For": ip}, number=f"INC-2000-{i:05d}", contact="a@b.kz"
		).status_code
		for i, ip in enumerate(forwarded_for)
	]


def test_rotating_the_header_from_an_untrusted_peer_does_not_bypass_the_limit(guest, small_lookup_limit):
	# the test server's peer is 127.0.0.1; here only another network's proxies are trusted
	set_config(xnet_trusted_proxies=["10.200.0.0/16"])
	codes = lookups(guest, [f"198.51.100.{i}" for i in range(LIMIT + 2)])
	assert codes == [200] * LIMIT + [429, 429]


def test_no_proxies_at_all_uses_the_socket_address(guest, small_lookup_limit):
	set_config(xnet_trusted_proxies=[])
	codes = lookups(guest, [f"198.51.100.{i}, 127.0.0.1" for i in range(LIMIT + 1)])
	assert codes == [200] * LIMIT + [429]


def test_a_configured_proxy_is_believed(guest, small_lookup_limit):
	set_config(xnet_trusted_proxies="127.0.0.1/32, 10.200.0.0/16")
	# every forwarded client has a limit of its own ...
	assert lookups(guest, [f"198.51.100.{i}" for i in range(LIMIT + 2)]) == [200] * (LIMIT + 2)
	# ... counted on the rightmost address our proxies did not write: what the client puts to its left
	# (a proxy appends) changes nothing, and neither does a chain through our own second proxy
	codes = lookups(guest, [f"6.6.6.{i}, 203.0.113.5, 10.200.0.7" for i in range(LIMIT + 1)])
	assert codes == [200] * LIMIT + [429]


def test_loopback_is_the_proxy_when_nothing_is_configured(guest, small_lookup_limit):
	"""bench's nginx proxies to gunicorn on 127.0.0.1 and sets X-Forwarded-For to the client's address."""
	set_config(xnet_trusted_proxies=None)
	assert lookups(guest, [f"198.51.100.{i}" for i in range(LIMIT + 1)]) == [200] * (LIMIT + 1)
	assert lookups(guest, ["203.0.113.9"] * (LIMIT + 1)) == [200] * LIMIT + [429]
