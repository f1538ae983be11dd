"""Bench commands of the app: `bench --site SITE xnet-helpdesk-demo`."""

import click
from frappe.commands import get_site, pass_context


@click.command("xnet-helpdesk-demo")
@pass_context
def xnet_helpdesk_demo(context):
	"""Load the XNet Helpdesk demo (service centers, staff, clients, a month of incidents). Safe to rerun."""
	import frappe

	from xnet_helpdesk.demo.loader import format_summary, load_demo

	site = get_site(context)
	frappe.init(site=site)
	frappe.connect()
	try:
		summary = load_demo()
	finally:
		frappe.destroy()
	click.echo(format_summary(summary))


commands = [xnet_helpdesk_demo]
