"""The client's address for the per-IP limits: X-Forwarded-For counts only from trusted proxies."""

import ipaddress

from hypothesis import given, settings
from hypothesis import strategies as st

from xnet_helpdesk.portal.client_address import client_address, parse_address, parse_proxies

LOOPBACK, _ = parse_proxies(None)
NGINX_HOSTS, _ = parse_proxies(["10.0.0.0/24", "2001:db8::/64"])


def test_untrusted_peer_is_the_client_whatever_the_header_says():
	assert client_address("203.0.113.7", "1.2.3.4", LOOPBACK) == "203.0.113.7"
	assert client_address("203.0.113.7", None, LOOPBACK) == "203.0.113.7"


def test_trusted_proxy_gives_the_rightmost_untrusted_hop():
	# the client wrote "6.6.6.6" itself; nginx appended the address it saw
	assert client_address("127.0.0.1", "6.6.6.6, 198.51.100.9", LOOPBACK) == "198.51.100.9"
	# a chain of our own proxies: the load balancer 10.0.0.2 saw the client, the web host's nginx saw 10.0.0.2
	assert client_address("10.0.0.5", "6.6.6.6, 198.51.100.9, 10.0.0.2", NGINX_HOSTS) == "198.51.100.9"


def test_trusted_proxy_without_header_is_itself():
	assert client_address("127.0.0.1", "", LOOPBACK) == "127.0.0.1"
	assert client_address("10.0.0.5", "10.0.0.2", NGINX_HOSTS) == "10.0.0.2"


def test_garbage_hop_stops_at_the_last_address_vouched_for():
	assert client_address("127.0.0.1", "<script>, 198.51.100.9", LOOPBACK) == "198.51.100.9"
	assert client_address("127.0.0.1", "198.51.100.9, not-an-ip", LOOPBACK) == "127.0.0.1"


def test_no_proxies_configured_trusts_nobody():
	none, _ = parse_proxies([])
	assert client_address("127.0.0.1", "198.51.100.9", none) == "127.0.0.1"


def test_config_forms_and_wrong_entries():
	networks, wrong = parse_proxies("10.0.0.0/8, 192.168.1.1 bogus")
	assert networks == [ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("192.168.1.1/32")]
	assert wrong == ["bogus"]
	assert parse_proxies(42) == ([], ["42"])


def test_addresses_as_proxies_write_them():
	assert str(parse_address("198.51.100.9:5678")) == "198.51.100.9"
	assert str(parse_address("[2001:db8::1]:443")) == "2001:db8::1"
	assert str(parse_address("2001:db8::1")) == "2001:db8::1"
	assert str(parse_address("::ffff:198.51.100.9")) == "198.51.100.9"
	assert parse_address("unknown") is None and parse_address("") is None


def test_unix_socket_peer_is_local():
	assert client_address("", "198.51.100.9", LOOPBACK) == "198.51.100.9"
	none, _ = parse_proxies([])
	assert client_address(None, "198.51.100.9", none) == "127.0.0.1"


@settings(max_examples=100, derandomize=True, deadline=None)
@given(header=st.text(max_size=300), peer=st.ip_addresses())
def test_rotating_the_header_never_changes_an_untrusted_peer(header, peer):
	peer = str(peer)
	if any(ipaddress.ip_address(peer) in network for network in NGINX_HOSTS if network.version == 4):
		return
	assert client_address(peer, header, NGINX_HOSTS) == str(parse_address(peer))


@settings(max_examples=100, derandomize=True, deadline=None)
@given(prefix=st.text(max_size=200), client=st.ip_addresses(v=4))
def test_what_the_client_writes_left_of_nginx_never_counts(prefix, client):
	if client in ipaddress.ip_network("127.0.0.0/8"):
		return
	assert client_address("127.0.0.1", f"{prefix}, {client}", LOOPBACK) == str(client)
