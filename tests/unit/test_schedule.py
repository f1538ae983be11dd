from datetime import time, timedelta

from xnet_helpdesk.business_hours.schedule import (
	Shift,
	is_valid_time_zone,
	overlapping_shifts,
	to_time,
	valid_coordinates,
)


def test_shift_crossing_midnight_splits_at_week_end():
	assert Shift("Sunday", time(22), time(6)).week_minutes() == [(6 * 1440 + 22 * 60, 7 * 1440), (0, 360)]
	assert Shift("Monday", time(9), time(18)).week_minutes() == [(540, 1080)]


def test_overlaps_are_found_within_a_day_and_across_midnight():
	morning = Shift("Monday", time(9), time(13))
	afternoon = Shift("Monday", time(14), time(18))
	assert overlapping_shifts([morning, afternoon]) == []
	lunch_clash = Shift("Monday", time(12), time(15))
	assert len(overlapping_shifts([morning, afternoon, lunch_clash])) == 2
	night = Shift("Sunday", time(22), time(6))
	early_monday = Shift("Monday", time(5), time(8))
	assert overlapping_shifts([night, early_monday]) == [(night, early_monday)]


def test_times_from_the_database_and_forms():
	assert to_time(timedelta(hours=9, minutes=30)) == time(9, 30)
	assert to_time("18:00") == time(18, 0)
	assert to_time("08:15:30") == time(8, 15, 30)


def test_time_zones_and_coordinates():
	assert is_valid_time_zone("Asia/Almaty") and is_valid_time_zone("Asia/Qyzylorda")
	assert not is_valid_time_zone("Asia/Karaganda") and not is_valid_time_zone("")
	assert valid_coordinates(49.806406, 73.085485)
	assert valid_coordinates(None, None)
	assert not valid_coordinates(91, 0) and not valid_coordinates(0, 181) and not valid_coordinates("x", 1)
