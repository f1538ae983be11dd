from frappe.email.doctype.email_account.email_account import EmailAccount

from xnet_helpdesk.intake.email_intake import IncidentInboundMail


class SupportEmailAccount(EmailAccount):
	"""Mail for incidents is handled by IncidentInboundMail; every other account works as in Frappe."""

	def get_inbound_mails(self):
		mails = super().get_inbound_mails()
		return [
			IncidentInboundMail(mail.raw_message, self, mail.uid, mail.seen_status, mail.append_to)
			if (mail.append_to or self.append_to) == "Incident"
			else mail
			for mail in mails
		]
