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
