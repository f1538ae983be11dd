"""The e-mail texts the app ships (Email Templates, created once; admins edit them in the Desk)."""

LANGUAGES = ("ru", "kk", "en")

# the description is quoted, not copied: a plain-text excerpt (mail_templates._context), with a link to the
# whole text when it was cut
OLD_DESCRIPTION = '{{ doc.description or "" }}'
_DESCRIPTION = {
	"ru": '{{ description_excerpt }}{% if description_cut and more_link %} <a href="{{ more_link }}">'
	"Полный текст</a>{% endif %}",
	"kk": '{{ description_excerpt }}{% if description_cut and more_link %} <a href="{{ more_link }}">'
	"Толық мәтін</a>{% endif %}",
	"en": '{{ description_excerpt }}{% if description_cut and more_link %} <a href="{{ more_link }}">'
	"Full text</a>{% endif %}",
}

_SUMMARY = {
	"ru": """<table cellpadding="4">
<tr><td><b>Номер</b></td><td>{{ doc.name }}</td></tr>
<tr><td><b>Тема</b></td><td>{{ doc.subject }}</td></tr>
<tr><td><b>Описание</b></td><td>"""
	+ _DESCRIPTION["ru"]
	+ """</td></tr>
<tr><td><b>Канал</b></td><td>{{ _(doc.channel, "ru") }}</td></tr>
<tr><td><b>Контакт</b></td><td>{{ doc.contact_name or "" }} {{ doc.contact_phone or "" }} {{ doc.contact_email or "" }}</td></tr>
</table>""",
	"kk": """<table cellpadding="4">
<tr><td><b>Нөмірі</b></td><td>{{ doc.name }}</td></tr>
<tr><td><b>Тақырыбы</b></td><td>{{ doc.subject }}</td></tr>
<tr><td><b>Сипаттамасы</b></td><td>"""
	+ _DESCRIPTION["kk"]
	+ """</td></tr>
<tr><td><b>Арна</b></td><td>{{ _(doc.channel, "kk") }}</td></tr>
<tr><td><b>Байланыс</b></td><td>{{ doc.contact_name or "" }} {{ doc.contact_phone or "" }} {{ doc.contact_email or "" }}</td></tr>
</table>""",
	"en": """<table cellpadding="4">
<tr><td><b>Number</b></td><td>{{ doc.name }}</td></tr>
<tr><td><b>Subject</b></td><td>{{ doc.subject }}</td></tr>
<tr><td><b>Description</b></td><td>"""
	+ _DESCRIPTION["en"]
	+ """</td></tr>
<tr><td><b>Channel</b></td><td>{{ doc.channel }}</td></tr>
<tr><td><b>Contact</b></td><td>{{ doc.contact_name or "" }} {{ doc.contact_phone or "" }} {{ doc.contact_email or "" }}</td></tr>
</table>""",
}

# what the engineer asked for (typed in the Desk, so escaped; its line breaks kept)
_INFO_REQUEST = (
	'<blockquote style="border-left:3px solid #1f5fa8;margin:8px 0;padding:4px 12px">'
	"{{ (doc.client_info_request or '') | e | replace('\\n', '<br>') }}</blockquote>"
)

_LINK = {
	"ru": '{% if incident_link %}<p><a href="{{ incident_link }}">Открыть обращение на портале</a></p>{% endif %}',
	"kk": '{% if incident_link %}<p><a href="{{ incident_link }}">Өтінішті порталда ашу</a></p>{% endif %}',
	"en": '{% if incident_link %}<p><a href="{{ incident_link }}">Open the incident on the portal</a></p>{% endif %}',
}

_ETA = {
	"ru": "{% if doc.global_problem and doc.planned_resolution_time %}<p>Обращение связано с глобальной "
	"проблемой. Планируемый срок решения: <b>{{ frappe.format(doc.planned_resolution_time, 'Datetime') }}</b>."
	"</p>{% endif %}",
	"kk": "{% if doc.global_problem and doc.planned_resolution_time %}<p>Өтініш жаһандық мәселеге "
	"байланысты. Шешудің жоспарланған мерзімі: <b>{{ frappe.format(doc.planned_resolution_time, 'Datetime') }}"
	"</b>.</p>{% endif %}",
	"en": "{% if doc.global_problem and doc.planned_resolution_time %}<p>This incident is part of a known "
	"outage. Planned resolution time: <b>{{ frappe.format(doc.planned_resolution_time, 'Datetime') }}</b>.</p>"
	"{% endif %}",
}

_STARS = {
	"ru": "{% if rating_links %}<p>Оцените работу инженера: {% for stars, link in rating_links.items() %}"
	'<a href="{{ link }}">{{ "★" * stars }}</a> {% endfor %}</p>{% endif %}',
	"kk": "{% if rating_links %}<p>Инженердің жұмысын бағалаңыз: {% for stars, link in rating_links.items() %}"
	'<a href="{{ link }}">{{ "★" * stars }}</a> {% endfor %}</p>{% endif %}',
	"en": "{% if rating_links %}<p>Rate the engineer's work: {% for stars, link in rating_links.items() %}"
	'<a href="{{ link }}">{{ "★" * stars }}</a> {% endfor %}</p>{% endif %}',
}

TEMPLATES = {
	("Incident Registered", "ru"): (
		"Инцидент {{ doc.name }} зарегистрирован: {{ doc.subject }}",
		"<p>Здравствуйте{% if doc.contact_name %}, {{ doc.contact_name }}{% endif %}!</p>"
		"<p>Мы зарегистрировали ваше обращение. Проверьте, правильно ли мы его поняли:</p>"
		+ _SUMMARY["ru"]
		+ _ETA["ru"]
		+ "<p>Если что-то записано неверно, ответьте на это письмо или позвоните нам ({{ support_phones }}) "
		"и назовите номер <b>{{ doc.name }}</b>.</p>" + _LINK["ru"],
	),
	("Incident Registered", "kk"): (
		"{{ doc.name }} инциденті тіркелді: {{ doc.subject }}",
		"<p>Сәлеметсіз бе{% if doc.contact_name %}, {{ doc.contact_name }}{% endif %}!</p>"
		"<p>Өтінішіңіз тіркелді. Біз оны дұрыс түсінгенімізді тексеріңіз:</p>"
		+ _SUMMARY["kk"]
		+ _ETA["kk"]
		+ "<p>Қате болса, осы хатқа жауап беріңіз немесе бізге қоңырау шалып ({{ support_phones }}), "
		"<b>{{ doc.name }}</b> нөмірін айтыңыз.</p>" + _LINK["kk"],
	),
	("Incident Registered", "en"): (
		"Incident {{ doc.name }} registered: {{ doc.subject }}",
		"<p>Hello{% if doc.contact_name %} {{ doc.contact_name }}{% endif %},</p>"
		"<p>We have registered your request. Please check that we understood it correctly:</p>"
		+ _SUMMARY["en"]
		+ _ETA["en"]
		+ "<p>If anything is wrong, reply to this e-mail or call us ({{ support_phones }}) quoting "
		"<b>{{ doc.name }}</b>.</p>" + _LINK["en"],
	),
	("Incident Taken Into Work", "ru"): (
		"Инцидент {{ doc.name }} взят в работу",
		"<p>Инженер <b>{{ doc.engineer_name or doc.engineer }}</b> взял ваше обращение «{{ doc.subject }}» в работу. "
		"Он свяжется с вами по телефону {{ doc.contact_phone or '' }} или по почте, чтобы уточнить детали, "
		"или решит вопрос удалённо.</p>" + _LINK["ru"],
	),
	("Incident Taken Into Work", "kk"): (
		"{{ doc.name }} инциденті жұмысқа алынды",
		"<p><b>{{ doc.engineer_name or doc.engineer }}</b> инженері «{{ doc.subject }}» өтінішіңізді жұмысқа алды. "
		"Ол мәліметтерді нақтылау үшін сізбен {{ doc.contact_phone or '' }} телефоны немесе пошта арқылы "
		"хабарласады не мәселені қашықтан шешеді.</p>" + _LINK["kk"],
	),
	("Incident Taken Into Work", "en"): (
		"Incident {{ doc.name }} taken into work",
		"<p>Engineer <b>{{ doc.engineer_name or doc.engineer }}</b> has taken your request “{{ doc.subject }}” "
		"into work and will contact you by phone {{ doc.contact_phone or '' }} or e-mail to clarify the details, "
		"or resolve it remotely.</p>" + _LINK["en"],
	),
	("Incident Awaiting Client", "ru"): (
		"Инцидент {{ doc.name }}: нужна ваша информация",
		"<p>Чтобы продолжить работу над обращением «{{ doc.subject }}», инженеру "
		"{{ doc.engineer_name or '' }} нужно от вас:</p>" + _INFO_REQUEST + "<p>Ответьте на это письмо или "
		"напишите на портале — работа продолжится автоматически.</p>" + _LINK["ru"],
	),
	("Incident Awaiting Client", "kk"): (
		"{{ doc.name }} инциденті: сізден ақпарат қажет",
		"<p>«{{ doc.subject }}» өтініші бойынша жұмысты жалғастыру үшін {{ doc.engineer_name or '' }} "
		"инженеріне сізден қажет:</p>" + _INFO_REQUEST + "<p>Осы хатқа жауап беріңіз немесе порталда "
		"жазыңыз — жұмыс автоматты түрде жалғасады.</p>" + _LINK["kk"],
	),
	("Incident Awaiting Client", "en"): (
		"Incident {{ doc.name }}: we need your input",
		"<p>To continue with “{{ doc.subject }}”, engineer {{ doc.engineer_name or '' }} needs from you:</p>"
		+ _INFO_REQUEST
		+ "<p>Reply to this e-mail or write on the portal and the work resumes automatically.</p>"
		+ _LINK["en"],
	),
	("Incident Resolved", "ru"): (
		"Инцидент {{ doc.name }} решён",
		"<p>Ваше обращение «{{ doc.subject }}» решено.</p><p><b>Решение:</b></p>{{ doc.resolution_details or '' }}"
		+ _STARS["ru"]
		+ "<p>Не удовлетворены решением? Ответьте на это письмо или позвоните нам ({{ support_phones }}), "
		"назовите номер <b>{{ doc.name }}</b> и расскажите, что не так.</p>" + _LINK["ru"],
	),
	("Incident Resolved", "kk"): (
		"{{ doc.name }} инциденті шешілді",
		"<p>«{{ doc.subject }}» өтінішіңіз шешілді.</p><p><b>Шешім:</b></p>{{ doc.resolution_details or '' }}"
		+ _STARS["kk"]
		+ "<p>Шешімге көңіліңіз толмаса, осы хатқа жауап беріңіз немесе бізге қоңырау шалып "
		"({{ support_phones }}), <b>{{ doc.name }}</b> нөмірін айтыңыз.</p>" + _LINK["kk"],
	),
	("Incident Resolved", "en"): (
		"Incident {{ doc.name }} resolved",
		"<p>Your request “{{ doc.subject }}” has been resolved.</p><p><b>Resolution:</b></p>"
		"{{ doc.resolution_details or '' }}"
		+ _STARS["en"]
		+ "<p>Not satisfied? Reply to this e-mail or call us ({{ support_phones }}) quoting "
		"<b>{{ doc.name }}</b> and tell us what is wrong.</p>" + _LINK["en"],
	),
	("Incident Reopened", "ru"): (
		"Инцидент {{ doc.name }} открыт повторно",
		"<p>Обращение «{{ doc.subject }}» открыто повторно. Причина: {{ doc.last_reopen_reason or '' }}</p>"
		"<p>Инженер продолжит работу над ним.</p>" + _LINK["ru"],
	),
	("Incident Reopened", "kk"): (
		"{{ doc.name }} инциденті қайта ашылды",
		"<p>«{{ doc.subject }}» өтініші қайта ашылды. Себебі: {{ doc.last_reopen_reason or '' }}</p>"
		"<p>Инженер жұмысты жалғастырады.</p>" + _LINK["kk"],
	),
	("Incident Reopened", "en"): (
		"Incident {{ doc.name }} reopened",
		"<p>“{{ doc.subject }}” has been reopened. Reason: {{ doc.last_reopen_reason or '' }}</p>"
		"<p>The engineer will continue working on it.</p>" + _LINK["en"],
	),
	("Incident Closed", "ru"): (
		"Инцидент {{ doc.name }} закрыт",
		"<p>Обращение «{{ doc.subject }}» закрыто. Спасибо, что обратились к нам!</p>"
		"<p>Если проблема вернётся, напишите нам или позвоните ({{ support_phones }}) — мы зарегистрируем "
		"новое обращение со ссылкой на это.</p>",
	),
	("Incident Closed", "kk"): (
		"{{ doc.name }} инциденті жабылды",
		"<p>«{{ doc.subject }}» өтініші жабылды. Бізге жүгінгеніңізге рахмет!</p>"
		"<p>Мәселе қайталанса, бізге жазыңыз немесе қоңырау шалыңыз ({{ support_phones }}).</p>",
	),
	("Incident Closed", "en"): (
		"Incident {{ doc.name }} closed",
		"<p>“{{ doc.subject }}” is closed. Thank you for contacting us!</p>"
		"<p>If the problem comes back, write or call us ({{ support_phones }}) and we will open a follow-up.</p>",
	),
	("Incident Assigned to Engineer", "ru"): (
		"Вам назначен инцидент {{ doc.name }}: {{ doc.subject }}",
		"<p>Вам назначен инцидент <b>{{ doc.name }}</b> ({{ _(doc.priority, 'ru') }}).</p>"
		+ _SUMMARY["ru"]
		+ '<p><a href="{{ frappe.utils.get_url_to_form(doc.doctype, doc.name) }}">Открыть в Desk</a></p>',
	),
	("Incident Assigned to Engineer", "kk"): (
		"Сізге {{ doc.name }} инциденті тағайындалды: {{ doc.subject }}",
		"<p>Сізге <b>{{ doc.name }}</b> инциденті тағайындалды.</p>"
		+ _SUMMARY["kk"]
		+ '<p><a href="{{ frappe.utils.get_url_to_form(doc.doctype, doc.name) }}">Desk-те ашу</a></p>',
	),
	("Incident Assigned to Engineer", "en"): (
		"Incident {{ doc.name }} assigned to you: {{ doc.subject }}",
		"<p>Incident <b>{{ doc.name }}</b> ({{ doc.priority }}) is assigned to you.</p>"
		+ _SUMMARY["en"]
		+ '<p><a href="{{ frappe.utils.get_url_to_form(doc.doctype, doc.name) }}">Open in the Desk</a></p>',
	),
	("Incident Reopened for Engineer", "ru"): (
		"Клиент открыл повторно инцидент {{ doc.name }}",
		"<p>Клиент не удовлетворён решением инцидента <b>{{ doc.name }}</b> «{{ doc.subject }}».</p>"
		"<p>Причина: {{ doc.last_reopen_reason or '' }}</p>"
		'<p><a href="{{ frappe.utils.get_url_to_form(doc.doctype, doc.name) }}">Открыть в Desk</a></p>',
	),
	("Incident Reopened for Engineer", "kk"): (
		"Клиент {{ doc.name }} инцидентін қайта ашты",
		"<p>Клиент <b>{{ doc.name }}</b> «{{ doc.subject }}» инцидентінің шешіміне көңілі толмады.</p>"
		"<p>Себебі: {{ doc.last_reopen_reason or '' }}</p>"
		'<p><a href="{{ frappe.utils.get_url_to_form(doc.doctype, doc.name) }}">Desk-те ашу</a></p>',
	),
	("Incident Reopened for Engineer", "en"): (
		"The client reopened incident {{ doc.name }}",
		"<p>The client is not satisfied with the resolution of <b>{{ doc.name }}</b> “{{ doc.subject }}”.</p>"
		"<p>Reason: {{ doc.last_reopen_reason or '' }}</p>"
		'<p><a href="{{ frappe.utils.get_url_to_form(doc.doctype, doc.name) }}">Open in the Desk</a></p>',
	),
}

_STATUS_IS = 'doc.status == "{0}"'

NOTIFICATIONS = [
	{
		"name": "Incident Registered: client",
		"event": "Incident Registered",
		"trigger": "New",
		"condition": "doc.contact_email",
		"to_field": "contact_email",
	},
	{
		"name": "Incident Taken Into Work: client",
		"event": "Incident Taken Into Work",
		"trigger": "Value Change",
		"value_changed": "status",
		"condition": 'doc.contact_email and doc.status == "In Progress" and doc.previous_status in '
		'("Registered", "Assigned", "Reopened")',
		"to_field": "contact_email",
	},
	{
		"name": "Incident Awaiting Client: client",
		"event": "Incident Awaiting Client",
		"trigger": "Value Change",
		"value_changed": "status",
		"condition": "doc.contact_email and " + _STATUS_IS.format("Awaiting Client"),
		"to_field": "contact_email",
	},
	{
		"name": "Incident Resolved: client",
		"event": "Incident Resolved",
		"trigger": "Value Change",
		"value_changed": "status",
		"condition": "doc.contact_email and " + _STATUS_IS.format("Resolved"),
		"to_field": "contact_email",
	},
	{
		"name": "Incident Reopened: client",
		"event": "Incident Reopened",
		"trigger": "Value Change",
		"value_changed": "status",
		"condition": "doc.contact_email and " + _STATUS_IS.format("Reopened"),
		"to_field": "contact_email",
	},
	{
		"name": "Incident Closed: client",
		"event": "Incident Closed",
		"trigger": "Value Change",
		"value_changed": "status",
		"condition": "doc.contact_email and " + _STATUS_IS.format("Closed"),
		"to_field": "contact_email",
	},
	{
		"name": "Incident Assigned: engineer",
		"event": "Incident Assigned to Engineer",
		"trigger": "Value Change",
		"value_changed": "engineer",
		"condition": "doc.engineer",
		"to_field": "engineer",
		"recipient": "engineer",
	},
	{
		"name": "Incident Reopened: engineer",
		"event": "Incident Reopened for Engineer",
		"trigger": "Value Change",
		"value_changed": "status",
		"condition": "doc.engineer and " + _STATUS_IS.format("Reopened"),
		"to_field": "engineer",
		"recipient": "engineer",
	},
]
