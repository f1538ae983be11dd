"""The Desk keeps the real time: its moment-timezone data (Frappe 15 ships 2023c) is replaced, for the
site's and the user's time zones, by the server's tzdata (public/js/desk_clock.js adds them at load)."""

import frappe

from xnet_helpdesk.business_hours.moment_zones import pack

CACHE_KEY = "xnet_moment_zone"


def packed_zone(name: str) -> str | None:
	def build():
		try:
			return pack(name)
		except Exception:  # an unknown zone name: the Desk keeps what it has
			return None

	return frappe.cache.hget(CACHE_KEY, name, build)


def extend_bootinfo(bootinfo):
	zones = {(bootinfo.get("time_zone") or {}).get(key) for key in ("system", "user")}
	zones.add((bootinfo.get("sysdefaults") or {}).get("time_zone"))
	bootinfo.xnet_moment_zones = [
		packed for packed in map(packed_zone, sorted(filter(None, zones))) if packed
	]
