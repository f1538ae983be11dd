"""Frappe's Email Queue, sending with subjects that keep their spaces (outgoing/header_folding.py)."""

from frappe.email.doctype.email_queue.email_queue import EmailQueue


class XnetEmailQueue(EmailQueue):
	def send(self, smtp_server_instance=None):
		from xnet_helpdesk.outgoing import header_folding

		header_folding.install()
		return super().send(smtp_server_instance=smtp_server_instance)
