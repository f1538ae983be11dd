// The caller card: a phone system's call reaches only the operators concerned (telephony/routing.py) as a
// realtime message; a ringing call shows a card, the answered one opens it for the one who took it.
(function () {
	if (!window.frappe || !frappe.realtime) return;
	const dialogs = {};
	const esc = (value) => frappe.utils.escape_html(value == null ? "" : String(value));

	function incident_link(row) {
		return `<a href="/app/incident/${encodeURIComponent(row.name)}">${esc(row.name)}</a> ${esc(row.subject)}
			<span class="text-muted">(${esc(__(row.status))})</span>`;
	}

	function caller_html(caller, index) {
		const incidents = (caller.open_incidents || []).map((row) => `<li>${incident_link(row)}</li>`).join("");
		return `<div class="xnet-caller" data-contact="${esc(caller.contact)}">
			<div><b>${esc(caller.full_name || caller.contact)}</b>
				${caller.client_company ? ` · ${esc(caller.client_company)}` : ""}
				${caller.service_center ? ` · ${esc(caller.service_center)}` : ""}</div>
			<div class="text-muted small">${esc(caller.phone || "")} ${esc(caller.email || "")}</div>
			<div class="small">${__("Open incidents")}: ${incidents ? `<ul>${incidents}</ul>` : __("none")}</div>
			<button class="btn btn-xs btn-default xnet-register-for" data-index="${index}">
				${__("Register incident")}</button>
		</div>`;
	}

	function problems_html(problems) {
		if (!problems.length) return "";
		const rows = problems
			.map((p) => {
				const planned = p.planned_resolution_time
					? frappe.datetime.str_to_user(p.planned_resolution_time)
					: __("not set yet");
				return `<li><a href="/app/global-problem/${encodeURIComponent(p.name)}">${esc(p.title)}</a>
					— ${__("planned resolution")}: <b class="xnet-planned">${esc(planned)}</b></li>`;
			})
			.join("");
		return `<div class="alert alert-warning xnet-problems"><b>${__("Active global problems: tell the caller")}</b>
			<ul>${rows}</ul></div>`;
	}

	function card_html(card) {
		const who = card.callers.length
			? card.callers.map(caller_html).join("<hr>")
			: card.engineer
			? `<div><b>${esc(card.engineer.full_name)}</b> · ${__("engineer")} · ${esc(card.engineer.service_center)}</div>`
			: `<div class="xnet-unknown"><b>${__("Unknown caller")}</b></div>`;
		const several = card.callers.length > 1 ? `<div class="text-muted">${__("Several contacts have this number")}</div>` : "";
		return `<div class="xnet-call-card" data-call="${esc(card.call)}">
			<div class="h5 xnet-number">${esc(card.number_display)}</div>
			<div class="text-muted">${card.service_center ? esc(card.service_center) : ""}
				${card.client_company ? ` · ${esc(card.client_company)}` : ""}
				${card.queue ? ` · ${__("queue")} ${esc(card.queue)}` : ""}</div>
			${problems_html(card.problems)}${several}${who}
		</div>`;
	}

	function register(card, caller) {
		const values = Object.assign({}, card.prefill);
		if (caller) {
			values.contact = caller.contact;
			if (caller.client_company) values.client_company = caller.client_company;
			delete values.contact_phone;
		}
		Object.values(dialogs).forEach((d) => d.hide());
		// the full form, not the quick entry; the values set on the new document itself, since route
		// options skip no-copy fields such as the call
		frappe.model.with_doctype("Incident", () => {
			const doc = frappe.model.get_new_doc("Incident");
			Object.assign(doc, values);
			frappe.set_route("Form", "Incident", doc.name);
		});
	}

	function show(card, answered) {
		const old = dialogs[card.call];
		if (old) old.hide();
		const dialog = new frappe.ui.Dialog({
			title: answered ? __("Call in progress") : __("Incoming call"),
			fields: [{ fieldtype: "HTML", fieldname: "card" }],
			primary_action_label: __("Register incident"),
			primary_action: () => register(card, card.callers.length === 1 ? card.callers[0] : null),
		});
		dialog.fields_dict.card.$wrapper.html(card_html(card));
		dialog.$wrapper.addClass("xnet-call-dialog").attr("data-call", card.call);
		dialog.$wrapper.find(".xnet-register-for").on("click", (e) => {
			register(card, card.callers[Number($(e.currentTarget).attr("data-index"))]);
		});
		dialog.onhide = () => delete dialogs[card.call];
		dialogs[card.call] = dialog;
		dialog.show();
		window.xnet_last_call_card = { card: card, shown_at: Date.now() };
	}

	// the realtime socket exists once the Desk has started (frappe.realtime.on drops listeners before)
	$(document).on("app_ready", () => {
		frappe.realtime.on("xnet_call_ringing", (card) => show(card, false));
		frappe.realtime.on("xnet_call_answered", (card) => show(card, true));
		frappe.realtime.on("xnet_call_ended", (message) => {
			const dialog = dialogs[message.call];
			if (dialog) dialog.hide();
		});
	});
})();
