frappe.query_reports["Engineer Leaderboard"] = {
	filters: [
		{
			fieldname: "service_center",
			label: __("Service Center"),
			fieldtype: "Link",
			options: "Service Center",
		},
		{
			fieldname: "from_date",
			label: __("From Date"),
			fieldtype: "Date",
			default: frappe.datetime.add_days(frappe.datetime.get_today(), -90),
		},
		{
			fieldname: "to_date",
			label: __("To Date"),
			fieldtype: "Date",
			default: frappe.datetime.get_today(),
		},
	],
};
