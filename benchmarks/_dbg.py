import frappe
from _site import connect

connect("xnet-test.localhost")
from tests.harness.assignment_world import ensure_outgoing_email_account

ensure_outgoing_email_account()
from xnet_helpdesk.outages import chunk_mail

b = chunk_mail.ChunkQueueBuilder(
	recipients=["Клиент Тест <client@example.kz>"],
	sender=None,
	subject="Инцидент INC-2026-00001 решён: очень длинная тема письма, чтобы она точно переносилась на несколько строк",
	message="<p>Здравствуйте, Айгуль!</p><p>Ваш инцидент решён.</p>",
	reference_doctype="Incident",
	reference_name="INC-1",
	attachments=[],
	cc=[],
	bcc=[],
	expose_recipients="header",
	communication="c1",
	print_letterhead=False,
)
d = b.as_dict(include_recipients=False)
print(d["message"][:3000])
print("....", len(d["message"]))
print(d["message"][-1500:])
frappe.db.rollback()
