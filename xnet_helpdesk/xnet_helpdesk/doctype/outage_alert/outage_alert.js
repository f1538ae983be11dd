frappe.ui.form.on("Outage Alert", {
	refresh(frm) {
		if (frm.doc.status !== "Open") return;
		frm.add_custom_button(__("Create Global Problem"), () =>
			frappe
				.call("xnet_helpdesk.outages.detector.create_problem", { alert: frm.doc.name })
				.then((r) => frappe.set_route("Form", "Global Problem", r.message))
		).addClass("btn-primary");
		frm.add_custom_button(__("False Alarm"), () =>
			frappe
				.call("xnet_helpdesk.outages.detector.dismiss", { alert: frm.doc.name })
				.then(() => frm.reload_doc())
		);
	},
});
