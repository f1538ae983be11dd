// The list shows the canonical status with the colour of the workflow state that sets it, so an admin
// who recolours or renames a state in the Workflow sees the list follow.

frappe.provide("xnet_helpdesk.incident");

// Workflow State style -> indicator colour, as frappe.get_indicator maps them ("Inverse" is "black" there,
// which has no indicator style; darkgrey is what it is meant to look like)
xnet_helpdesk.incident.STYLE_COLOURS = {
	Primary: "blue",
	Info: "light-blue",
	Success: "green",
	Warning: "orange",
	Danger: "red",
	Inverse: "darkgrey",
};

// the shipped workflow's styles (setup/workflow_definition.py STATES), used until the workflow is loaded
xnet_helpdesk.incident.DEFAULT_STYLES = {
	Registered: "Warning",
	Assigned: "Info",
	"In Progress": "Primary",
	"Awaiting Client": "Warning",
	Resolved: "Success",
	Reopened: "Danger",
	Closed: "Inverse",
	Cancelled: "Inverse",
};

xnet_helpdesk.incident.status_colour = function (status) {
	const workflow = frappe.workflow.workflows["Incident"];
	let style = null;
	if (workflow && workflow.states) {
		const row =
			workflow.states.find(
				(d) => d.update_field === "status" && d.update_value === status
			) || workflow.states.find((d) => d.state === status);
		const state = row && locals["Workflow State"] && locals["Workflow State"][row.state];
		style = state && state.style;
	}
	style = style || xnet_helpdesk.incident.DEFAULT_STYLES[status];
	return xnet_helpdesk.incident.STYLE_COLOURS[style] || "gray";
};

frappe.listview_settings["Incident"] = {
	add_fields: ["status", "workflow_state", "engineer", "service_center", "priority"],
	get_indicator(doc) {
		if (!doc.status) return;
		return [
			__(doc.status),
			xnet_helpdesk.incident.status_colour(doc.status),
			"status,=," + doc.status,
		];
	},
};
