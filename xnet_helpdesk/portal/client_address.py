"""Who the client is, by address, for the per-IP limits (pure: no Frappe).

Frappe takes the first X-Forwarded-For entry from anyone, so a client that rotates the header gets a fresh
limit with every request. Here the header counts only when the socket peer is one of our proxies, and then
its hops are read from the right: each trusted proxy appends the address it saw, so the first hop from the
right that is not one of ours is the client; whatever the client wrote itself stands to the left of it.
"""

import ipaddress

# bench's nginx proxies to gunicorn on 127.0.0.1: loopback is the proxy unless the site says otherwise
DEFAULT_PROXIES = ("127.0.0.0/8", "::1/128")
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_proxies(value) -> tuple[list[Network], list[str]]:
	"""The trusted proxies from site config (a list of addresses or CIDRs, or one string of them separated
	by commas or spaces; absent: loopback), and the entries that are not addresses."""
	if value is None:
		entries = list(DEFAULT_PROXIES)
	elif isinstance(value, str):
		entries = value.replace(",", " ").split()
	elif isinstance(value, list | tuple):
		entries = [str(entry).strip() for entry in value]
	else:
		return [], [repr(value)]
	networks, wrong = [], []
	for entry in entries:
		try:
			networks.append(ipaddress.ip_network(entry, strict=False))
		except ValueError:
			wrong.append(entry)
	return networks, wrong


def parse_address(text: str | None) -> Address | None:
	"""An address as proxies write it ("1.2.3.4", "1.2.3.4:5678", "[2001:db8::1]:443", "2001:db8::1"),
	IPv4-mapped IPv6 as IPv4; None when it is not an address."""
	text = (text or "").strip()
	if text.startswith("["):
		text = text[1:].split("]", 1)[0]
	elif text.count(":") == 1:
		text = text.split(":", 1)[0]
	try:
		address = ipaddress.ip_address(text)
	except ValueError:
		return None
	if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
		return address.ipv4_mapped
	return address


def is_trusted(address: Address, proxies: list[Network]) -> bool:
	return any(address.version == network.version and address in network for network in proxies)


def client_address(peer: str | None, forwarded_for: str | None, proxies: list[Network]) -> str:
	"""The client's address: the socket peer, or, when the peer is a trusted proxy, the rightmost
	X-Forwarded-For hop that is not a trusted proxy. A peer without an address (a Unix socket) is local."""
	candidate = parse_address(peer) if peer else ipaddress.ip_address("127.0.0.1")
	if candidate is None:
		return str(peer).strip()
	if not is_trusted(candidate, proxies):
		return str(candidate)
	for hop in reversed((forwarded_for or "").split(",")):
		if not hop.strip():
			continue
		address = parse_address(hop)
		if address is None:
			# not written by a proxy of ours: stop at the last hop we can vouch for
			break
		candidate = address
		if not is_trusted(address, proxies):
			break
	return str(candidate)
