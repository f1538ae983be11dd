frappe.listview_settings["Directory Sync Log"] = {
	get_indicator(doc) {
		const colour = { Success: "green", Failed: "red", Running: "blue" }[doc.status] || "gray";
		return [__(doc.status), colour, `status,=,${doc.status}`];
	},
};
