"""Business-hours arithmetic of service-center calendars and the SLA clocks built on it (no site)."""

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from xnet_helpdesk.business_hours.schedule import WEEKDAYS, Calendar, Shift
from xnet_helpdesk.sla.clock import (
	AT_RISK,
	BREACHED,
	MET,
	ON_TRACK,
	PAUSED,
	Targets,
	Timeline,
	close_pause,
	evaluate,
	worst,
)

ALMATY = ZoneInfo("Asia/Almaty")
QYZYLORDA = ZoneInfo("Asia/Qyzylorda")
OFFICE = tuple(Shift(day, time(9), time(18)) for day in WEEKDAYS[:5])
# 2026-01-05 is a Monday


def at(day, hour, minute=0, zone=ALMATY, year=2026, month=1):
	return datetime(year, month, day, hour, minute, tzinfo=zone)


def office(holidays=(), zone="Asia/Almaty"):
	return Calendar(OFFICE, frozenset(holidays), zone)


def test_minutes_inside_one_working_day():
	cal = office()
	assert cal.add_business_minutes(at(5, 10), 60) == at(6 - 1, 11)
	assert cal.business_minutes_between(at(5, 10), at(5, 11, 30)) == 90


def test_deadline_rolls_over_the_evening_and_the_weekend():
	cal = office()
	# Friday 17:00 + 2h: one hour on Friday, the next on Monday 09:00-10:00
	assert cal.add_business_minutes(at(9, 17), 120) == at(12, 10)
	assert cal.business_minutes_between(at(9, 17), at(12, 10)) == 120


def test_start_outside_hours_begins_at_the_next_opening():
	cal = office()
	assert cal.add_business_minutes(at(10, 12), 30) == at(12, 9, 30)  # Saturday noon -> Monday
	assert cal.add_business_minutes(at(5, 7), 30) == at(5, 9, 30)  # Monday before opening
	assert cal.next_opening(at(10, 12)) == at(12, 9)
	assert cal.next_opening(at(5, 10)) == at(5, 10)


def test_zero_minutes_is_the_start_itself():
	assert office().add_business_minutes(at(10, 12), 0) == at(10, 12)


def test_holiday_closes_the_whole_day():
	cal = office(holidays=[date(2026, 1, 7)])  # Wednesday, Orthodox Christmas in Kazakhstan
	assert not cal.is_open_at(at(7, 12))
	# Tuesday 17:00 + 2h: Tuesday 1h, Wednesday skipped, Thursday 09:00-10:00
	assert cal.add_business_minutes(at(6, 17), 120) == at(8, 10)
	assert cal.business_minutes_between(at(6, 9), at(9, 9)) == 2 * 540


def test_consecutive_holidays_and_a_weekend():
	holidays = [date(2026, 1, 1), date(2026, 1, 2)]  # New Year Thursday-Friday
	cal = office(holidays=holidays)
	assert cal.add_business_minutes(at(31, 17, month=12, year=2025), 90) == at(5, 9, 30)


def test_night_shift_crossing_midnight():
	night = Calendar((Shift("Friday", time(22), time(6)),), frozenset(), "Asia/Almaty")
	assert night.is_open_at(at(9, 23))
	assert night.is_open_at(at(10, 5, 59))
	assert not night.is_open_at(at(10, 6))
	assert not night.is_open_at(at(9, 21, 59))
	assert night.business_minutes_between(at(9, 0), at(11, 0)) == 8 * 60
	# Friday 23:00 + 6h -> 05:00 Saturday, past midnight
	assert night.add_business_minutes(at(9, 23), 360) == at(10, 5)


def test_sunday_night_shift_wraps_into_monday():
	cal = Calendar((Shift("Sunday", time(20), time(2)),), frozenset(), "Asia/Almaty")
	assert cal.is_open_at(at(12, 1))  # Monday 01:00
	assert cal.add_business_minutes(at(11, 23), 120) == at(12, 1)


def test_holiday_cuts_the_part_of_a_night_shift_that_falls_on_it():
	cal = Calendar((Shift("Friday", time(22), time(6)),), frozenset({date(2026, 1, 10)}), "Asia/Almaty")
	assert cal.is_open_at(at(9, 23))
	assert not cal.is_open_at(at(10, 1))
	assert cal.business_minutes_between(at(9, 0), at(11, 0)) == 120


def test_split_day_with_a_lunch_break():
	shifts = (Shift("Monday", time(9), time(13)), Shift("Monday", time(14), time(18)))
	cal = Calendar(shifts, frozenset(), "Asia/Almaty")
	assert cal.add_business_minutes(at(5, 12), 120) == at(5, 15)
	assert cal.business_minutes_between(at(5, 12), at(5, 15)) == 120


def test_time_zones_almaty_and_qyzylorda_differed_by_an_hour_in_2023():
	# until March 2024 Almaty was UTC+6 and Qyzylorda UTC+5: 09:00 opened an hour apart in absolute time
	monday_utc = datetime(2023, 1, 2, 3, 30, tzinfo=timezone.utc)
	almaty = Calendar(OFFICE, frozenset(), "Asia/Almaty")
	qyzylorda = Calendar(OFFICE, frozenset(), "Asia/Qyzylorda")
	assert almaty.is_open_at(monday_utc)  # 09:30 in Almaty
	assert not qyzylorda.is_open_at(monday_utc)  # 08:30 in Qyzylorda
	assert qyzylorda.next_opening(monday_utc) == datetime(2023, 1, 2, 4, 0, tzinfo=timezone.utc)
	assert almaty.add_business_minutes(monday_utc, 60).astimezone(timezone.utc) == datetime(
		2023, 1, 2, 4, 30, tzinfo=timezone.utc
	)


def test_since_2024_both_cities_share_utc_plus_five():
	moment = datetime(2026, 1, 5, 4, 0, tzinfo=timezone.utc)  # 09:00 local in both
	for zone in ("Asia/Almaty", "Asia/Qyzylorda"):
		assert Calendar(OFFICE, frozenset(), zone).is_open_at(moment)
		assert not Calendar(OFFICE, frozenset(), zone).is_open_at(moment - timedelta(minutes=1))


def test_calendar_in_another_zone_answers_in_the_callers_zone():
	cal = office(zone="Asia/Qyzylorda")
	start = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)  # 14:00 local
	end = cal.add_business_minutes(start, 300)
	assert end.tzinfo is timezone.utc
	assert end == datetime(2026, 1, 6, 5, 0, tzinfo=timezone.utc)  # 4h Monday, 1h Tuesday from 09:00 (+5)


def test_no_working_hours_means_around_the_clock_but_holidays_still_close():
	cal = Calendar((), frozenset({date(2026, 1, 7)}), "Asia/Almaty")
	assert cal.is_open_at(at(10, 3))
	assert cal.add_business_minutes(at(6, 23), 120) == at(8, 1)


def test_naive_datetimes_are_refused():
	with pytest.raises(ValueError):
		office().add_business_minutes(datetime(2026, 1, 5, 10), 10)


def test_long_targets_cross_many_weeks():
	cal = office()
	# 10 working days of 9h
	assert cal.add_business_minutes(at(5, 9), 10 * 540) == at(16, 18)
	assert cal.business_minutes_between(at(5, 9), at(19, 9)) == 10 * 540


# --- SLA clocks -------------------------------------------------------------------------------------------

TARGETS = Targets(response_minutes=60, resolution_minutes=8 * 60, at_risk_share=0.25)


def test_fresh_incident_is_on_track_with_business_hour_deadlines():
	state = evaluate(office(), TARGETS, Timeline(registered_on=at(9, 17)), now=at(9, 17, 5))
	assert state.response_by == at(9, 18)  # the last business hour of Friday
	assert state.resolution_by == at(12, 16)  # 1h on Friday, 7h on Monday
	assert state.agreement_status == ON_TRACK
	assert state.next_check_on == at(9, 17, 45)  # response at risk when 15 of 60 minutes remain


def test_response_at_risk_then_breached():
	tl = Timeline(registered_on=at(5, 10))
	assert evaluate(office(), TARGETS, tl, now=at(5, 10, 50)).agreement_status == AT_RISK
	state = evaluate(office(), TARGETS, tl, now=at(5, 11))
	assert state.response_status == BREACHED
	assert state.agreement_status == BREACHED
	assert state.next_check_on is None  # a breach is final


def test_weekend_does_not_breach():
	tl = Timeline(registered_on=at(9, 17, 30))
	# 30 minutes are used on Friday; the clock stands still until Monday 09:00
	assert evaluate(office(), TARGETS, tl, now=at(11, 23)).agreement_status == ON_TRACK
	assert evaluate(office(), TARGETS, tl, now=at(12, 9, 20)).agreement_status == AT_RISK
	assert evaluate(office(), TARGETS, tl, now=at(12, 9, 31)).agreement_status == BREACHED


def test_response_met_when_taken_into_work_in_time_and_remains_met():
	tl = Timeline(registered_on=at(5, 10), accepted_on=at(5, 10, 30))
	state = evaluate(office(), TARGETS, tl, now=at(5, 12))
	assert state.response_status == MET
	assert state.resolution_status == ON_TRACK
	assert state.agreement_status == ON_TRACK


def test_late_response_stays_breached_after_resolution():
	tl = Timeline(registered_on=at(5, 10), accepted_on=at(5, 12), resolved_on=at(5, 13))
	assert evaluate(office(), TARGETS, tl, now=at(5, 14)).agreement_status == BREACHED


def test_resolution_met():
	tl = Timeline(registered_on=at(5, 10), accepted_on=at(5, 10, 10), resolved_on=at(5, 17))
	assert evaluate(office(), TARGETS, tl, now=at(8, 10)).agreement_status == MET


def test_awaiting_client_pauses_across_days_and_pushes_the_deadline():
	cal = office()
	# registered Monday 10:00, taken 10:10, waiting for the client from 12:00 Monday to 11:00 Wednesday
	tl = Timeline(registered_on=at(5, 10), accepted_on=at(5, 10, 10), paused_since=at(5, 12))
	paused = evaluate(cal, TARGETS, tl, now=at(6, 17))
	assert paused.agreement_status == PAUSED
	assert paused.next_check_on is None
	resumed = close_pause(cal, tl, now=at(7, 11))
	assert resumed.paused_minutes == 6 * 60 + 9 * 60 + 2 * 60  # Mon 12-18, all Tuesday, Wed 9-11
	state = evaluate(cal, TARGETS, resumed, now=at(7, 11))
	# 8h target from Mon 10:00 = Tue 09:00 originally (+17h paused) -> Wed 17:00... computed in business time
	assert state.resolution_by == cal.add_business_minutes(at(5, 10), 8 * 60 + 17 * 60)
	assert state.resolution_by == at(7, 17)
	assert state.agreement_status == ON_TRACK


def test_pause_over_a_weekend_and_holiday_counts_only_business_minutes():
	cal = office(holidays=[date(2026, 1, 12)])
	tl = Timeline(registered_on=at(9, 10), accepted_on=at(9, 10), paused_since=at(9, 17))
	assert close_pause(cal, tl, now=at(13, 10)).paused_minutes == 60 + 60


def test_reopening_resumes_resolution_where_it_stopped():
	cal = office()
	# resolved Monday 14:00 after 4 business hours; client reopens Tuesday 10:00
	tl = Timeline(registered_on=at(5, 10), accepted_on=at(5, 10, 5), paused_since=at(5, 14))
	assert evaluate(cal, TARGETS, tl, now=at(5, 15)).agreement_status == PAUSED
	reopened = close_pause(cal, tl, now=at(6, 10))
	state = evaluate(cal, TARGETS, reopened, now=at(6, 10))
	# 4 of the 8 hours are left: due Tuesday 14:00
	assert state.resolution_by == at(6, 14)
	assert evaluate(cal, TARGETS, reopened, now=at(6, 13, 30)).agreement_status == AT_RISK
	assert evaluate(cal, TARGETS, reopened, now=at(6, 14, 1)).agreement_status == BREACHED


def test_a_pause_that_starts_after_the_deadline_keeps_the_breach():
	tl = Timeline(registered_on=at(5, 9), accepted_on=at(5, 9, 5), paused_since=at(6, 12))
	assert evaluate(office(), TARGETS, tl, now=at(6, 13)).agreement_status == BREACHED


def test_worst_status_wins():
	assert worst(MET, ON_TRACK) == ON_TRACK
	assert worst(MET, PAUSED) == PAUSED
	assert worst(AT_RISK, BREACHED) == BREACHED


def test_a_kept_deadline_comes_back_in_the_asking_time_zone():
	"""The deadlines are kept per calendar (each save asks again): the same instant asked in two zones is
	answered in each one's own zone, the same moment."""
	calendar = office()
	in_almaty = at(5, 17)
	in_utc = in_almaty.astimezone(timezone.utc)
	first, second = calendar.add_business_minutes(in_almaty, 120), calendar.add_business_minutes(in_utc, 120)
	assert first == second == at(6, 10)
	assert first.tzinfo is ALMATY and second.tzinfo is timezone.utc
