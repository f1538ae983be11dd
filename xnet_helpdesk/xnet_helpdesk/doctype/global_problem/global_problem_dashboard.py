from frappe import _


def get_data():
	return {
		"fieldname": "global_problem",
		"transactions": [
			{"label": _("Incidents"), "items": ["Incident"]},
			{"label": _("Updates"), "items": ["Global Problem Update"]},
		],
	}
