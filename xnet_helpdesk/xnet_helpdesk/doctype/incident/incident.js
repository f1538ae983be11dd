// Incident form: UX only. Every rule here is also enforced on the server (incident.py, the Workflow);
// the form asks for what a transition needs before the server would refuse it, and shows the operator
// the caller's other open incidents so a repeated call is not registered twice.

frappe.provide("xnet_helpdesk.incident");

xnet_helpdesk.incident.OPEN_STATUSES = [
	"Registered",
	"Assigned",
	"In Progress",
	"Awaiting Client",
	"Reopened",
];

// target status -> the input the server requires for it; `always`: asked on every such transition
xnet_helpdesk.incident.TRANSITION_INPUTS = {
	Reopened: {
		fieldname: "reopen_reason",
		fieldtype: "Small Text",
		title: __("Why is the incident reopened?"),
		always: true,
	},
	Resolved: {
		fieldname: "resolution_details",
		fieldtype: "Text Editor",
		title: __("How was the incident resolved?"),
		always: false,
	},
	"Awaiting Client": {
		fieldname: "client_info_request",
		fieldtype: "Small Text",
		title: __("What does the engineer need from the client?"),
		always: true,
	},
	Cancelled: {
		fieldname: "cancellation_reason",
		fieldtype: "Small Text",
		title: __("Why is the incident cancelled?"),
		always: true,
	},
};

frappe.ui.form.on("Incident", {
	refresh(frm) {
		xnet_helpdesk.incident.show_callers_open_incidents(frm);
		xnet_helpdesk.incident.show_active_problems(frm);
		xnet_helpdesk.incident.show_pending_assignment(frm);
		xnet_helpdesk.incident.show_possible_outage(frm);
	},

	contact(frm) {
		xnet_helpdesk.incident.show_callers_open_incidents(frm);
	},

	client_company(frm) {
		xnet_helpdesk.incident.show_active_problems(frm);
		xnet_helpdesk.incident.show_possible_outage(frm);
	},

	service_center(frm) {
		xnet_helpdesk.incident.show_active_problems(frm);
		xnet_helpdesk.incident.show_possible_outage(frm);
	},

	category(frm) {
		xnet_helpdesk.incident.show_possible_outage(frm);
	},

	subject(frm) {
		xnet_helpdesk.incident.show_possible_outage(frm);
	},

	before_workflow_action(frm) {
		return xnet_helpdesk.incident.ask_transition_input(frm);
	},
});

// --- assignment in the background ------------------------------------------------------------------

xnet_helpdesk.incident.show_pending_assignment = function (frm) {
	if (!frm.doc.assignment_pending_since || frm.doc.engineer) return;
	frm.dashboard.set_headline(__("Choosing the nearest free engineer…"), "blue");
	// the job saves the incident within seconds; Frappe reloads an unchanged open form on its own,
	// this is the fallback when realtime updates do not reach the browser
	setTimeout(() => {
		if (!frm.is_dirty() && frm.doc.assignment_pending_since) frm.reload_doc();
	}, 5000);
};

// --- workflow actions -------------------------------------------------------------------------------

xnet_helpdesk.incident.target_status = async function (frm, action) {
	const transitions = await frappe.workflow.get_transitions(frm.doc);
	const transition =
		transitions.find((d) => d.action === action && frappe.user_roles.includes(d.allowed)) ||
		transitions.find((d) => d.action === action);
	if (!transition) return null;
	// a state sets its status through "update field"; admins may rename states, never statuses
	const workflow = frappe.workflow.workflows[frm.doctype] || {};
	const state = (workflow.states || []).find((d) => d.state === transition.next_state);
	if (state && state.update_field === "status" && state.update_value) {
		return state.update_value;
	}
	return transition.next_state;
};

xnet_helpdesk.incident.has_text = function (value) {
	return Boolean(value && strip_html(String(value)).trim());
};

// Resolves when the action may go on; stays pending when the user closes the dialog or the save fails
// (the action must not run then: frappe's workflow runs it only after this promise resolves).
xnet_helpdesk.incident.ask_transition_input = async function (frm) {
	const target = await xnet_helpdesk.incident.target_status(frm, frm.selected_workflow_action);
	const input = xnet_helpdesk.incident.TRANSITION_INPUTS[target];
	if (!input) return;
	if (!input.always && xnet_helpdesk.incident.has_text(frm.doc[input.fieldname])) return;

	// frappe froze the page for the action; the dialog needs it unfrozen
	frappe.dom.unfreeze();
	const value = await xnet_helpdesk.incident.prompt_for(frm, input);
	if (value === null) return new Promise(() => {});

	// the workflow action reloads the incident from the database: the input must be saved first
	await frm.set_value(input.fieldname, value);
	await frm.save();
	if (frm.is_dirty()) return new Promise(() => {});
	frappe.dom.freeze();
};

xnet_helpdesk.incident.prompt_for = function (frm, input) {
	return new Promise((resolve) => {
		let answered = false;
		const dialog = new frappe.ui.Dialog({
			title: input.title,
			fields: [
				{
					fieldname: "value",
					fieldtype: input.fieldtype,
					label: __(frappe.meta.get_label(frm.doctype, input.fieldname)),
					reqd: 1,
					default: input.always ? frm.doc[input.fieldname] || "" : "",
				},
			],
			primary_action_label: __(frm.selected_workflow_action),
			primary_action(values) {
				if (!xnet_helpdesk.incident.has_text(values.value)) {
					frappe.msgprint(__("Please fill in {0}", [dialog.fields_dict.value.df.label]));
					return;
				}
				answered = true;
				dialog.hide();
				resolve(values.value);
			},
		});
		dialog.onhide = () => {
			if (!answered) resolve(null);
		};
		dialog.show();
	});
};

// --- the caller's open incidents ----------------------------------------------------------------

xnet_helpdesk.incident.show_callers_open_incidents = function (frm) {
	const contact = frm.doc.contact;
	frm.__xnet_caller = contact;
	if (!contact) {
		xnet_helpdesk.incident.set_caller_intro(frm, null);
		return;
	}
	frappe.db
		.get_list("Incident", {
			filters: [
				["contact", "=", contact],
				["status", "in", xnet_helpdesk.incident.OPEN_STATUSES],
				["name", "!=", frm.doc.name],
			],
			fields: ["name", "subject", "status", "registered_on"],
			order_by: "registered_on desc",
			limit: 20,
		})
		.then((rows) => {
			// the operator may have picked another caller meanwhile
			if (frm.__xnet_caller !== contact || frm.doc.contact !== contact) return;
			xnet_helpdesk.incident.set_caller_intro(
				frm,
				rows.length ? xnet_helpdesk.incident.caller_intro_html(rows) : null
			);
		});
};

xnet_helpdesk.incident.caller_intro_html = function (rows) {
	const shown = rows.slice(0, 5);
	const items = shown
		.map((row) => {
			const href = `/app/incident/${encodeURIComponent(row.name)}`;
			const name = frappe.utils.escape_html(row.name);
			const subject = frappe.utils.escape_html(row.subject || "");
			const when = row.registered_on
				? ` · ${frappe.datetime.str_to_user(row.registered_on)}`
				: "";
			return `<li><a href="${href}">${name}</a>: ${subject} (${__(row.status)}${when})</li>`;
		})
		.join("");
	const more =
		rows.length > shown.length
			? `<div>${__("and {0} more", [rows.length - shown.length])}</div>`
			: "";
	return `<div class="xnet-caller-incidents">
		<b>${__("Open incidents of this caller: {0}", [rows.length])}</b>
		<ul class="mb-0">${items}</ul>${more}
	</div>`;
};

xnet_helpdesk.incident.set_caller_intro = function (frm, html) {
	const $message = frm.layout && frm.layout.message;
	if (!$message) return;
	// remove only our own block: other scripts may have put a message there too
	$message.find(".xnet-caller-incidents").parent().remove();
	if (!$message.children().not(".close-message").length) {
		frm.layout.show_message();
	}
	if (html) {
		frm.set_intro(html, "orange");
	}
};

// --- known outages: the operator tells the caller the planned resolution time and links the problem ----

xnet_helpdesk.incident.show_active_problems = function (frm) {
	frm.dashboard.clear_headline();
	const open = !frm.doc.status || xnet_helpdesk.incident.OPEN_STATUSES.includes(frm.doc.status);
	if (!open || frm.doc.global_problem || !(frm.doc.client_company || frm.doc.service_center)) return;
	const asked = [frm.doc.client_company, frm.doc.service_center].join("|");
	frm.__xnet_problems_for = asked;
	frappe
		.xcall("xnet_helpdesk.intake.phone.active_problems", {
			client_company: frm.doc.client_company || null,
			service_center: frm.doc.service_center || null,
		})
		.then((problems) => {
			if (frm.__xnet_problems_for !== asked || !problems.length || frm.doc.global_problem) return;
			const items = problems
				.map((p) => {
					const eta = p.planned_resolution_time
						? __("planned resolution: {0}", [
								frappe.datetime.str_to_user(p.planned_resolution_time),
						  ])
						: __("no planned resolution time yet");
					return `<div class="mb-1"><b>${frappe.utils.escape_html(p.title)}</b> — ${eta}
						<button class="btn btn-xs btn-default ml-2 xnet-link-problem"
							data-problem="${frappe.utils.escape_html(p.name)}">${__("Link to this incident")}</button></div>`;
				})
				.join("");
			frm.dashboard.set_headline_alert(
				`<div>${__("Known global problem affecting this client:")}</div>${items}`,
				"orange"
			);
			frm.dashboard.$wrapper.find(".xnet-link-problem").on("click", (e) => {
				frm.set_value("global_problem", $(e.currentTarget).attr("data-problem"));
				frm.dashboard.clear_headline();
			});
		});
};

// --- a burst of incidents (one center, company, category or subject word): perhaps one outage -------------
// (outages/detector.py). Asked again when what the incident shares changes; an older answer is dropped.

xnet_helpdesk.incident.show_possible_outage = function (frm) {
	if (!frm.is_new() || frm.doc.global_problem) return;
	const asked = {
		service_center: frm.doc.service_center || null,
		client_company: frm.doc.client_company || null,
		category: frm.doc.category || null,
		subject: frm.doc.subject || null,
	};
	if (!Object.values(asked).some(Boolean)) return;
	const key = JSON.stringify(asked);
	frm.__xnet_outage_asked = key;
	frappe.xcall("xnet_helpdesk.outages.detector.suggestion", asked).then((found) => {
		if (frm.__xnet_outage_asked !== key) return;
		const $message = frm.layout && frm.layout.message;
		// only our own block: the caller's open incidents share the message area
		if ($message) $message.find(".xnet-possible-outage").parent().remove();
		if (!found || frm.doc.global_problem) return;
		frm.set_intro(
			`<div class="xnet-possible-outage">${frappe.utils.escape_html(found.message)} —
			<a href="/app/outage-alert/${encodeURIComponent(found.alert)}">${__("Open the alert")}</a></div>`,
			"orange"
		);
	});
};
