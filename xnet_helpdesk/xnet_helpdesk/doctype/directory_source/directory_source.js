// Directory Source form: Test connection, Preview and Sync now call the server (directory_source.py);
// choosing a directory type fills the attribute map with that directory's defaults.

frappe.provide("xnet_helpdesk.directory");

xnet_helpdesk.directory.PRESETS = {
	"Active Directory": {
		id: "objectGUID",
		username: "sAMAccountName",
		principal_name: "userPrincipalName",
		display_name: "displayName",
		first_name: "givenName",
		last_name: "sn",
		email: "mail",
		phone: "telephoneNumber, otherTelephone",
		mobile: "mobile, otherMobile",
		department: "department",
		title: "title",
		account_control: "userAccountControl",
		filter: "(&(objectCategory=person)(objectClass=user))",
	},
	OpenLDAP: {
		id: "entryUUID",
		username: "uid",
		principal_name: "",
		display_name: "cn",
		first_name: "givenName",
		last_name: "sn",
		email: "mail",
		phone: "telephoneNumber",
		mobile: "mobile",
		department: "ou",
		title: "title",
		account_control: "",
		filter: "(objectClass=inetOrgPerson)",
	},
};

frappe.ui.form.on("Directory Source", {
	refresh(frm) {
		if (frm.is_new()) return;
		if (["SCIM Push", "On-site Agent"].includes(frm.doc.feed)) {
			frm.add_custom_button(__("Generate SCIM Token"), () => xnet_helpdesk.directory.scim_token(frm));
			if (frm.doc.feed === "On-site Agent") xnet_helpdesk.directory.agent_status(frm);
			return;
		}
		const group = __("Directory");
		frm.add_custom_button(__("Test Connection"), () => xnet_helpdesk.directory.test(frm), group);
		frm.add_custom_button(__("Preview"), () => xnet_helpdesk.directory.preview(frm), group);
		if (frm.doc.enabled) {
			frm.add_custom_button(__("Sync Now"), () => xnet_helpdesk.directory.sync_now(frm));
		}
		if (frm.doc.last_sync_status === "Failed" && frm.doc.last_sync_message) {
			frm.dashboard.set_headline_alert(
				frappe.utils.escape_html(frm.doc.last_sync_message),
				"red"
			);
		}
	},

	directory_type(frm) {
		const preset = xnet_helpdesk.directory.PRESETS[frm.doc.directory_type];
		if (!preset) return;
		const apply = () => {
			Object.entries(preset).forEach(([key, value]) => {
				frm.set_value(key === "filter" ? "user_filter" : `map_${key}`, value);
			});
		};
		if (frm.is_new()) {
			apply();
		} else {
			frappe.confirm(
				__("Replace the attribute map and the user filter with the defaults of {0}?", [
					__(frm.doc.directory_type),
				]),
				apply
			);
		}
	},
});

xnet_helpdesk.directory.test = function (frm) {
	frm.call({
		method: "test_connection",
		doc: frm.doc,
		freeze: true,
		freeze_message: __("Connecting to the directory..."),
	}).then((r) => {
		if (r.message) frappe.msgprint({ message: r.message, title: __("Connection OK"), indicator: "green" });
	});
};

xnet_helpdesk.directory.preview = function (frm) {
	const dialog = new frappe.ui.Dialog({
		title: __("Preview"),
		size: "extra-large",
		fields: [
			{ fieldname: "search", fieldtype: "Data", label: __("Search by name, login or e-mail") },
			{ fieldname: "column_break", fieldtype: "Column Break" },
			{ fieldname: "limit", fieldtype: "Int", label: __("Entries"), default: 20 },
			{ fieldname: "section", fieldtype: "Section Break" },
			{ fieldname: "result", fieldtype: "HTML" },
		],
		primary_action_label: __("Show"),
		primary_action(values) {
			frm.call({
				method: "preview",
				doc: frm.doc,
				args: { limit: values.limit || 20, search: values.search || null },
				freeze: true,
				freeze_message: __("Reading the directory..."),
			}).then((r) => {
				dialog.fields_dict.result.$wrapper.html(xnet_helpdesk.directory.preview_table(r.message || []));
			});
		},
	});
	dialog.show();
	dialog.primary_action(dialog.get_values());
};

xnet_helpdesk.directory.preview_table = function (rows) {
	if (!rows.length) return `<p class="text-muted">${__("No entries match.")}</p>`;
	const esc = frappe.utils.escape_html;
	const columns = [
		["action", __("Action")],
		["name", __("Name")],
		["username", __("Login")],
		["email", __("E-mail")],
		["phones", __("Phones")],
		["department", __("Department")],
		["title", __("Job Title")],
		["note", __("Note")],
	];
	const head = columns.map(([, label]) => `<th>${esc(label)}</th>`).join("");
	const body = rows
		.map((row) => {
			const cells = columns.map(([key]) => `<td>${esc(String(row[key] || ""))}</td>`).join("");
			const title = esc(row.dn || "");
			return `<tr title="${title}" class="${row.disabled ? "text-muted" : ""}">${cells}</tr>`;
		})
		.join("");
	return `<div class="table-responsive"><table class="table table-bordered table-sm">
		<thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></div>`;
};

xnet_helpdesk.directory.sync_now = function (frm) {
	const run = () =>
		frm.call({ method: "sync_now", doc: frm.doc }).then((r) => {
			if (r.message) frappe.show_alert({ message: r.message, indicator: "blue" }, 8);
			frm.reload_doc();
		});
	if (frm.is_dirty()) {
		frm.save().then(run);
	} else {
		run();
	}
};

// the agent's state at a glance: silent (red), its last pass failed (orange), else when it was last heard
xnet_helpdesk.directory.agent_status = function (frm) {
	const seen = frm.doc.agent_last_heartbeat;
	if (!seen) {
		frm.dashboard.set_headline_alert(__("No heartbeat from the directory agent yet."), "orange");
		return;
	}
	const minutes = (Date.now() - frappe.datetime.str_to_obj(seen).getTime()) / 60000;
	const interval = frm.doc.agent_expected_interval || 0;
	if (interval && minutes > interval) {
		frm.dashboard.set_headline_alert(
			__("The directory agent has been silent since {0}.", [frappe.datetime.str_to_user(seen)]),
			"red"
		);
	} else if (frm.doc.agent_last_batch_result === "Failed") {
		frm.dashboard.set_headline_alert(
			frappe.utils.escape_html(frm.doc.agent_last_batch || __("The agent's last pass failed.")),
			"orange"
		);
	} else {
		frm.dashboard.set_headline_alert(
			__("Directory agent {0} last heard {1}.", [
				frappe.utils.escape_html(frm.doc.agent_id || ""),
				frappe.datetime.comment_when(seen),
			]),
			"green"
		);
	}
};

xnet_helpdesk.directory.scim_token = (frm) => {
	frappe.confirm(__("A new token replaces the current one at once. Generate it?"), () =>
		frm.call("generate_scim_token").then((r) => {
			frm.reload_doc();
			frappe.msgprint({
				title: __("SCIM Token"),
				message:
					`<p>${__("Copy the token now: it is shown only once.")}</p>` +
					`<p>${__("Tenant URL")}: <code>${frappe.utils.escape_html(r.message.url)}</code></p>` +
					`<p>${__("Secret Token")}: <code>${frappe.utils.escape_html(r.message.token)}</code></p>`,
			});
		})
	);
};
