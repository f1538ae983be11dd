frappe.ui.form.on("Support Engineer", {
	refresh(frm) {
		const is_manager = ["Service Center Manager", "Helpdesk Manager", "System Manager"].some((role) =>
			frappe.user.has_role(role)
		);
		if (frm.is_new() || !is_manager || !frm.doc.is_active) return;
		frm.add_custom_button(__("Off Duty and Reassign"), () => {
			frappe.confirm(
				__("Mark {0} off duty and hand their open incidents to the nearest free engineers?", [
					frm.doc.full_name || frm.doc.user,
				]),
				() => frm.call("go_off_duty").then(() => frm.reload_doc())
			);
		});
	},
});
