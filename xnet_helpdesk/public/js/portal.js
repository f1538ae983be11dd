(function () {
	"use strict";
	var root = document.documentElement;
	document.querySelectorAll(".langs a").forEach(function (link) {
		link.addEventListener("click", function () {
			document.cookie = "preferred_language=" + link.dataset.lang + "; path=/; max-age=31536000; SameSite=Lax";
		});
	});

	function serverMessage(body) {
		try {
			var list = JSON.parse(body._server_messages || "[]");
			if (list.length) {
				// several problems come as lines joined by <br>: each stays a line (.msg keeps them). An inert
				// document (DOMParser) turns the HTML into text without loading anything a message might hold
				var html = JSON.parse(list[list.length - 1]).message.replace(/<br\s*\/?>/gi, "\n");
				return new DOMParser().parseFromString(html, "text/html").body.textContent;
			}
		} catch (e) { /* fall through to the generic message */ }
		return "";
	}

	function show(box, text, ok) {
		box.hidden = false;
		box.className = "msg " + (ok ? "ok" : "err");
		box.textContent = text;
	}

	function post(method, data) {
		data.append("_lang", root.lang);
		var headers = { Accept: "application/json" };
		if (window.frappe.csrf_token && window.frappe.csrf_token !== "None") {
			headers["X-Frappe-CSRF-Token"] = window.frappe.csrf_token;
		}
		return fetch("/api/method/xnet_helpdesk.portal.api." + method, {
			method: "POST", body: data, headers: headers, credentials: "same-origin",
		}).then(function (response) {
			return response.json().catch(function () { return {}; }).then(function (body) {
				return { ok: response.ok, status: response.status, body: body };
			});
		});
	}

	function renderLookup(target, result, texts) {
		target.textContent = "";
		var card = document.createElement("div");
		card.className = "card";
		var head = document.createElement("h2");
		head.textContent = result.number + " ";
		var badge = document.createElement("span");
		badge.className = "status";
		badge.textContent = result.status_label;
		head.appendChild(badge);
		card.appendChild(head);
		var list = document.createElement("dl");
		[[texts.engineer, result.engineer], [texts.planned, result.planned_resolution_time]].forEach(function (pair) {
			if (!pair[1]) return;
			var dt = document.createElement("dt"); dt.textContent = pair[0];
			var dd = document.createElement("dd"); dd.textContent = pair[1];
			list.appendChild(dt); list.appendChild(dd);
		});
		card.appendChild(list);
		var steps = document.createElement("ul");
		steps.className = "timeline";
		result.steps.forEach(function (step) {
			var li = document.createElement("li");
			var time = document.createElement("time"); time.textContent = step.on;
			li.appendChild(time);
			li.appendChild(document.createTextNode(step.label));
			steps.appendChild(li);
		});
		card.appendChild(steps);
		target.appendChild(card);
	}

	// what the server would refuse anyway, told before a long upload: too many or too large files
	function fileProblem(form, texts) {
		var input = form.querySelector("input[type=file]");
		if (!input || !input.files) return "";
		var most = Number(form.dataset.maxFiles || 0);
		var limit = Number(form.dataset.maxBytes || 0);
		var total = 0;
		if (most && input.files.length > most) return texts.too_many_files;
		for (var i = 0; i < input.files.length; i++) {
			if (limit && input.files[i].size > limit) {
				return texts.too_large.replace("{0}", input.files[i].name).replace("{1}", String(Math.floor(limit / 1048576)));
			}
			total += input.files[i].size;
		}
		if (Number(form.dataset.maxTotal || 0) && total > Number(form.dataset.maxTotal)) return texts.too_large_total;
		return "";
	}

	document.querySelectorAll("form[data-method]").forEach(function (form) {
		form.addEventListener("submit", function (event) {
			event.preventDefault();
			var box = form.querySelector(".msg");
			var button = form.querySelector("button[type=submit]");
			var texts = JSON.parse(form.dataset.texts || "{}");
			var data = new FormData(form);
			var page = document.querySelector("[data-incident]");
			if (page) {
				if (page.dataset.token) data.append("token", page.dataset.token);
				else data.append("incident", page.dataset.incident);
				if (page.dataset.source) data.append("source", page.dataset.source);
			}
			var registering = form.dataset.method === "register";
			if (registering) {
				var problem = fileProblem(form, texts);
				if (problem) return show(box, problem, false);
				show(box, texts.sending, true);
			}
			button.disabled = true;
			post(form.dataset.method, data).then(function (reply) {
				if (registering && reply.ok) {
					// the confirmation is a page of its own: a reload never registers the incident twice
					window.location.assign("/support/new?registered=" + encodeURIComponent(reply.body.message.name));
					return;
				}
				button.disabled = false;
				if (reply.status === 429) return show(box, texts.too_many, false);
				if (reply.status === 413) return show(box, texts.too_large_total, false);
				if (!reply.ok) return show(box, serverMessage(reply.body) || texts.failed, false);
				if (form.dataset.method === "lookup") {
					var result = reply.body.message;
					var target = document.getElementById("result");
					if (!result.found) { target.textContent = ""; return show(box, result.message, false); }
					box.hidden = true;
					return renderLookup(target, result, texts);
				}
				show(box, texts.done, true);
				window.setTimeout(function () { window.location.reload(); }, 600);
			}, function () {
				button.disabled = false;
				show(box, texts.failed, false);
			});
		});
	});
})();
