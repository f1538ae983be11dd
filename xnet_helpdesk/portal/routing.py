"""A short way through Frappe's website router for the portal's own pages.

Frappe resolves every website path by building its werkzeug route map (dynamic routes of every
web form and generator doctype) several times per request, then asks each renderer in turn; for a
cached page that routing is most of the cost. The portal's fixed paths skip it: they are known
www/ pages, rendered by Frappe's own TemplatePage. Every other path goes through Frappe unchanged.
"""

import frappe
import werkzeug.routing.exceptions
from frappe.website import path_resolver
from frappe.website.page_renderers.template_page import TemplatePage
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

PORTAL_PATHS = frozenset({"support", "support/my", "support/new", "support/incident", "support/status"})
# pages that are the same for every guest, answered from Frappe's page cache at the front door
CACHED_PATHS = frozenset({"support", "support/status"})


def resolve_path(path: str) -> str:
	"""The website_path_resolver hook: the portal's paths as they are, anything else as Frappe does it."""
	if path in PORTAL_PATHS:
		return path
	try:
		return path_resolver.resolve_path(path)
	except werkzeug.routing.exceptions.RequestRedirect as redirect:
		# what Frappe's PathResolver does itself when no resolver hook is set
		frappe.flags.redirect_location = redirect.new_url
		raise frappe.Redirect(redirect.code)


class PortalPage(TemplatePage):
	"""Frappe's TemplatePage, tried first and only for the portal's paths (no file lookups for others)."""

	def __init__(self, path, http_status_code=None):
		if path in PORTAL_PATHS:
			super().__init__(path, http_status_code)
		else:
			self.path = path
			self.template_path = ""

	def can_render(self):
		return self.path in PORTAL_PATHS and bool(self.template_path)


def serve_cached_lookup_page():
	"""before_request hook: a guest's GET /support (or the outage board) is answered from Frappe's own page
	cache at once.

	The lookup page is the same for every guest (per language) and Frappe caches it after the first
	render (TemplatePage, key "website_page"/"support"); what remains per request is Frappe's website
	routing. Answering here skips only that: the session and language are already resolved, nothing is
	written, and a miss (first request, another language, developer mode) falls through to Frappe.
	"""
	request = frappe.request
	path = request.path.strip("/")
	if (
		request.method != "GET"
		or path not in CACHED_PATHS
		or request.query_string
		or frappe.session.user != "Guest"
	):
		return
	cached = frappe.cache.hget("website_page", path) or {}
	html = cached.get(frappe.local.lang)
	if not html:
		return
	response = Response(html, content_type="text/html; charset=utf-8")
	response.headers["X-From-Cache"] = "True"
	response.headers["Cache-Control"] = "no-cache"
	# frappe.app returns an HTTPException's response as it is
	raise HTTPException(response=response)
