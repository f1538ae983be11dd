// The Desk's "now" in Kazakhstan's real time: the server packs the site's and the user's time zones from its
// own tzdata (business_hours/desk_clock.py), replacing moment-timezone's older rules (Frappe 15: 2023c).
(function () {
	const zones = window.frappe && frappe.boot && frappe.boot.xnet_moment_zones;
	if (zones && zones.length && window.moment && moment.tz) {
		moment.tz.add(zones);
	}
})();
