from xnet_helpdesk.outages.burst import Threshold, is_burst, threshold_for


def test_a_center_overrides_the_settings_and_zero_means_the_settings():
	assert threshold_for(5, 15) == Threshold(5, 15)
	assert threshold_for(5, 15, 3, None) == Threshold(3, 15)
	assert threshold_for(5, 15, 0, 30) == Threshold(5, 30)
	assert threshold_for(None, None) == Threshold(0, 0)


def test_a_burst_reaches_the_count_and_zero_turns_it_off():
	assert not is_burst(4, Threshold(5, 15))
	assert is_burst(5, Threshold(5, 15))
	assert not is_burst(50, Threshold(0, 15))
	assert not is_burst(50, Threshold(5, 0))


# --- what incidents share, and the decision ---------------------------------------------------------------

from datetime import datetime, timedelta

from xnet_helpdesk.outages.burst import (
	CATEGORY,
	CENTER,
	COMPANY,
	WORDS,
	Known,
	Seen,
	decide,
	keys_of,
	replay,
	subject_words,
)

T0 = datetime(2026, 12, 2, 10, 0)


def seen(n, minutes=0, center="Караганда", company=None, category=None, subject=""):
	return Seen(f"INC-{n}", T0 + timedelta(minutes=minutes), center, company, category, subject)


def test_subject_words_meet_across_word_forms_and_skip_what_says_nothing():
	assert set(subject_words("Нет интернета во всём офисе")) == set(subject_words("Не работает интернет"))
	assert "интерн" in subject_words("Пропал интернетом")
	assert set(subject_words("Не приходит почта")) & set(subject_words("Почты нет с утра"))
	# short words only as acronyms or with digits; generic words never
	assert {"vpn", "1с", "550"} <= set(subject_words("VPN и 1С: ошибка 550"))
	assert not subject_words("Не работает, помогите срочно пожалуйста!")
	assert not subject_words("Жұмыс істемейді, көмектесіңіз") and not subject_words(
		"Not working, please help"
	)
	assert subject_words("Интернет") == {"интерн": "интернет"}  # the word as written, for people
	assert subject_words("Не работает VPN") == {"vpn": "VPN"}
	assert set(subject_words("ИНТЕРНЕТ")) == set(subject_words("интернетом"))  # capitals are no acronym


def test_one_incident_raises_at_most_one_alert_the_center_first():
	limit = Threshold(3, 15)
	recent = [seen(i, i, company="ТОО Кармет", subject="Нет интернета") for i in range(3)]
	decision = decide(recent[-1], recent, [], limit)
	assert (decision.kind, decision.key, len(decision.members)) == (CENTER, "Караганда", 3)


def test_a_company_burst_across_centers():
	limit = Threshold(3, 15)
	recent = [
		seen(1, 0, "Караганда", "ТОО Кармет", subject="Сканер не сканирует"),
		seen(2, 1, "Алматы", "ТОО Кармет", subject="Не открывается 1С"),
		seen(3, 2, "Астана", "ТОО Кармет", subject="Нет звука на звонках"),
	]
	decision = decide(recent[-1], recent, [], limit)
	assert (decision.kind, decision.key) == (COMPANY, "ТОО Кармет")


def test_a_category_burst_and_a_word_burst():
	limit = Threshold(3, 15)
	by_category = [seen(i, i, f"C{i}", f"Co{i}", "Почта", subject=f"Тема {i}") for i in range(3)]
	assert decide(by_category[-1], by_category, [], limit).kind == CATEGORY
	by_word = [
		seen(1, 0, "C1", "A", subject="Нет интернета во всём офисе"),
		seen(2, 1, "C2", "B", subject="Пропал интернет у диспетчеров"),
		seen(3, 2, "C3", "C", subject="Медленный интернет"),
	]
	decision = decide(by_word[-1], by_word, [], limit)
	assert (decision.kind, decision.key, decision.label) == (WORDS, "интерн", "интернет")


def test_a_miss_joins_and_quiet_false_alarms():
	limit = Threshold(3, 15)
	different = [
		seen(1, 0, "C1", "A", "Почта", "Принтер замяло"),
		seen(2, 1, "C2", "B", "Сеть", "Ноутбук не включается"),
		seen(3, 2, "C3", "C", "1С", "Нужен доступ к папке"),
	]
	assert decide(different[-1], different, [], limit) is None  # three incidents, nothing shared: no burst
	two = [seen(1, 0, subject="Нет интернета"), seen(2, 1, subject="Нет интернета")]
	assert decide(two[-1], two, [], limit) is None  # below the count
	three = [*two, seen(3, 2, subject="Нет интернета")]
	assert decide(three[-1], three, [Known("OA-1", CENTER, "Караганда", "Open")], limit).join == "OA-1"
	# a dismissed center burst stays quiet for its window; the shared word is another matter
	decision = decide(three[-1], three, [Known("OA-1", CENTER, "Караганда", "Dismissed")], limit)
	assert (decision.kind, decision.key) == (WORDS, "интерн")
	assert decide(three[-1], three, [Known("OA-1", CENTER, "Караганда", "Open")], Threshold(0, 15)) is None


def test_kinds_can_be_turned_off_but_not_the_center():
	incident = seen(1, company="A", category="Сеть", subject="Нет интернета")
	assert [k for k, _ in keys_of(incident, kinds=())] == [CENTER]
	assert [k for k, _ in keys_of(incident)] == [CENTER, COMPANY, CATEGORY, WORDS]


def test_replay_raises_once_per_burst_within_its_window():
	history = [seen(i, i * 2, subject="Нет интернета") for i in range(6)]  # 6 in 10 minutes
	history += [seen(10 + i, 60 + i * 2, subject="Нет интернета") for i in range(3)]  # again an hour later
	raised = replay(history, lambda _incident: Threshold(3, 15))
	assert [(d.kind, at) for d, at in raised] == [
		(CENTER, T0 + timedelta(minutes=4)),
		(CENTER, T0 + timedelta(minutes=64)),
	]
