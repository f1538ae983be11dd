"""When a burst of new incidents is a possible outage: the arithmetic and the decision, without Frappe.

A burst is several new incidents, not linked to a global problem, within a short window that share one
thing: their service center, their client company, their category, or a word of their subjects ("нет
интернета", "не работает интернет", "интернет пропал"). Each new incident is looked at once, when it is
registered (`decide`): it joins an open alert it matches, or — where nothing of its kind was raised or
dismissed within the window — raises one when the incidents sharing something with it reach the count.
One incident raises at most one alert: the service center first, then the company, the category and the
words, so one outage in one center is one alert, not four. `replay` runs the same decisions over a
history (how the defaults were chosen on the demo's).
"""

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

CENTER, COMPANY, CATEGORY, WORDS = "Service Center", "Client Company", "Category", "Subject Words"
KINDS = (CENTER, COMPANY, CATEGORY, WORDS)


@dataclass(frozen=True)
class Threshold:
	count: int
	window_minutes: int

	@property
	def enabled(self) -> bool:
		return self.count > 0 and self.window_minutes > 0


def threshold_for(settings_count, settings_window, center_count=None, center_window=None) -> Threshold:
	"""A service center's own count and window where it has them (0 or none: the settings')."""
	return Threshold(
		count=int(center_count or settings_count or 0),
		window_minutes=int(center_window or settings_window or 0),
	)


def is_burst(recent: int, threshold: Threshold) -> bool:
	"""`recent` new, unlinked incidents sharing something within the window reach the threshold."""
	return threshold.enabled and recent >= threshold.count


# --- what incidents share -----------------------------------------------------------------------------------

# words every second subject has, which say nothing about what is broken (ru, kk, en)
_STOP_WORDS = """
не нет работает работают работать работа перестал перестала перестало перестали проблема проблемы
проблемой ошибка ошибки ошибкой помогите помочь пожалуйста срочно просьба прошу вопрос нужно нужна нужен
можно после через когда только очень сегодня утром вечером опять снова тоже также этот этого эта это
который которая есть было были будет нету сломался сломалась сломалось клиент клиента инцидент обращение
заявка здравствуйте добрый день спасибо всех всем весь вся всё все наш наша наши нашем офис офисе
компьютер компьютера компьютере пользователь пользователя сотрудник сотрудника сотрудников новый новая
новому новых настроить установить подключить невозможно может могут пишет
жұмыс істемейді жоқ көмектесіңіз өтінеміз қате мәселе бүгін керек
not working work works problem error please help issue with from this that have does cannot since
the and for new after unable
"""


def _stem(word: str) -> str:
	"""A crude stem, so the forms of one word meet ("интернета", "интернетом" -> "интерн"): trailing vowels
	and soft signs dropped, then at most six letters."""
	stem = word.rstrip("аеёиоуыэюяйьъіұүәөaeiouy")
	return (stem if len(stem) >= 3 else word)[:6]


_STOPS = frozenset(_stem(w) for w in _STOP_WORDS.split())
_TOKEN = re.compile(r"\w+", re.UNICODE)


def subject_words(subject: str | None) -> dict[str, str]:
	"""The subject's telling words: stem -> the word as first written (lower case, an acronym or a code as
	written). A word counts from
	four letters; shorter ones only as acronyms (VPN, МФУ) or with a digit (1С, 550)."""
	found: dict[str, str] = {}
	text = unicodedata.normalize("NFKC", subject or "")
	for token in _TOKEN.findall(text):
		if token.isdigit() and len(token) < 3:
			continue
		lowered = token.lower().replace("ё", "е")
		has_digit = any(c.isdigit() for c in token)
		acronym = len(token) == 3 and token.isupper()
		if len(token) < 4 and not (has_digit and len(token) >= 2) and not acronym:
			continue
		stem = lowered if (has_digit or len(token) < 4) else _stem(lowered)
		if stem in _STOPS:
			continue
		# as people read it: lower case, but an acronym or code as written (VPN, 1С)
		found.setdefault(stem, token if token.isupper() or has_digit else lowered)
	return found


@dataclass(frozen=True)
class Seen:
	"""A new incident as the detector sees it."""

	name: str
	registered_on: datetime
	service_center: str | None = None
	client_company: str | None = None
	category: str | None = None
	subject: str = ""

	@property
	def words(self) -> dict[str, str]:
		return subject_words(self.subject)


def keys_of(incident: Seen, kinds: Iterable[str] = KINDS) -> list[tuple[str, str]]:
	"""What the incident may share with others, in the order alerts are chosen."""
	kinds = set(kinds) | {CENTER}
	keys = []
	if incident.service_center:
		keys.append((CENTER, incident.service_center))
	if COMPANY in kinds and incident.client_company:
		keys.append((COMPANY, incident.client_company))
	if CATEGORY in kinds and incident.category:
		keys.append((CATEGORY, incident.category))
	if WORDS in kinds:
		keys.extend((WORDS, stem) for stem in incident.words)
	return keys


def shares(incident: Seen, kind: str, key: str) -> bool:
	if kind == CENTER:
		return incident.service_center == key
	if kind == COMPANY:
		return incident.client_company == key
	if kind == CATEGORY:
		return incident.category == key
	return key in incident.words


@dataclass(frozen=True)
class Known:
	"""An alert raised within the window (Open, or Dismissed: a false alarm stays quiet)."""

	name: str
	kind: str
	key: str
	status: str


@dataclass(frozen=True)
class Decision:
	join: str | None = None  # the open alert the incident joins
	kind: str | None = None  # or the alert to raise: what the incidents share ...
	key: str | None = None
	label: str | None = None  # ... as people read it (the word as written)
	members: list[Seen] = field(default_factory=list)


def decide(
	new: Seen, recent: list[Seen], alerts: list[Known], limit: Threshold, kinds=KINDS
) -> Decision | None:
	"""What a new incident does: join an open alert it matches, raise one, or nothing. `recent`: the new,
	open, unlinked incidents within the window (the new one among them); `alerts`: those raised within it."""
	if not limit.enabled:
		return None
	keys = keys_of(new, kinds)
	for kind, key in keys:
		for alert in alerts:
			if alert.status == "Open" and (alert.kind, alert.key) == (kind, key):
				return Decision(join=alert.name)
	quiet = {(alert.kind, alert.key) for alert in alerts}
	for kind, key in keys:
		if (kind, key) in quiet:
			continue
		members = [incident for incident in recent if shares(incident, kind, key)]
		if is_burst(len(members), limit):
			# the word as the burst wrote it, its shortest form (most often the plain one: «интернет»)
			forms = [m.words[key] for m in members if key in m.words] or [key]
			label = min(forms, key=len) if kind == WORDS else key
			return Decision(kind=kind, key=key, label=label, members=members)
	return None


def replay(
	history: Iterable[Seen], limit_of: Callable[[Seen], Threshold], kinds=KINDS
) -> list[tuple[Decision, datetime]]:
	"""The alerts the detector would have raised over a history (incidents not linked to a problem), with
	when: each incident decided on as it was registered, an alert open for its window."""
	raised: list[tuple[Decision, datetime, Threshold]] = []
	seen: list[Seen] = []
	for incident in sorted(history, key=lambda i: i.registered_on):
		limit = limit_of(incident)
		since = incident.registered_on - timedelta(minutes=limit.window_minutes)
		seen.append(incident)
		recent = [i for i in seen if i.registered_on >= since]
		alerts = [
			Known(str(n), d.kind, d.key, "Open") for n, (d, at, _limit) in enumerate(raised) if at >= since
		]
		decision = decide(incident, recent, alerts, limit, kinds)
		if decision and not decision.join:
			raised.append((decision, incident.registered_on, limit))
	return [(decision, at) for decision, at, _limit in raised]
