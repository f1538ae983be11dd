"""Signed portal links and the portal's plain rules, without a site."""

import base64
import time
from datetime import datetime, timedelta

import pytest

from xnet_helpdesk.incident_flow import ratings
from xnet_helpdesk.links import signing
from xnet_helpdesk.portal import rules

KEY = signing.derive_key("site-secret")
NOW = 1_800_000_000


def token(incident="INC-2026-00001", contact="Иван Петров-KarMet", expires=NOW + 3600, key=KEY):
	return signing.sign(key, incident, contact, expires)


def test_round_trip():
	claims = signing.verify(KEY, token(), NOW)
	assert claims == signing.Claims("INC-2026-00001", "Иван Петров-KarMet", NOW + 3600)


def test_expired_token_is_refused():
	with pytest.raises(signing.InvalidToken, match="expired"):
		signing.verify(KEY, token(expires=NOW - 1), NOW)


def test_other_sites_key_is_refused():
	with pytest.raises(signing.InvalidToken):
		signing.verify(signing.derive_key("another-site"), token(), NOW)


@pytest.mark.parametrize("position", [0, 5, 20, -3, -1])
def test_any_changed_character_breaks_the_token(position):
	good = token()
	index = position % len(good)
	flipped = good[:index] + ("A" if good[index] != "A" else "B") + good[index + 1 :]
	with pytest.raises(signing.InvalidToken):
		signing.verify(KEY, flipped, NOW)


def test_only_the_canonical_spelling_of_the_last_character_verifies():
	good = token()
	variants = {good[:-1] + ch for ch in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"}
	accepted = [v for v in variants if _verifies(v)]
	assert accepted == [good]


def _verifies(candidate):
	try:
		signing.verify(KEY, candidate, NOW)
		return True
	except signing.InvalidToken:
		return False


def test_swapped_payload_and_signature_are_refused():
	first, second = token("INC-2026-00001"), token("INC-2026-00002")
	swapped = first.split(".")[0] + "." + second.split(".")[1]
	with pytest.raises(signing.InvalidToken):
		signing.verify(KEY, swapped, NOW)


def test_payload_cannot_be_extended_with_a_later_expiry():
	_payload, signature = token().split(".")
	claims = "INC-2026-00001\nИван Петров-KarMet\n9999999999".encode()
	forged = base64.urlsafe_b64encode(claims).rstrip(b"=").decode()
	with pytest.raises(signing.InvalidToken):
		signing.verify(KEY, f"{forged}.{signature}", NOW)


@pytest.mark.parametrize("bad", ["", "abc", "a.b.c", "...", "%%%.%%%", "x" * 700, None, 42])
def test_malformed_tokens_are_refused(bad):
	with pytest.raises(signing.InvalidToken):
		signing.verify(KEY, bad, NOW)


def test_sign_refuses_newlines_and_empty_values():
	for incident, contact in (("", "c"), ("i", ""), ("a\nb", "c"), ("i", "c\n1")):
		with pytest.raises(ValueError):
			signing.sign(KEY, incident, contact, NOW)
	with pytest.raises(ValueError):
		signing.derive_key("")


def test_expiry_is_whole_days_and_at_least_one():
	assert signing.expiry(NOW, 30) == NOW + 30 * 86400
	assert signing.expiry(NOW, 0) == NOW + 86400


def test_verify_is_fast():
	good = token()
	start = time.perf_counter()
	for _ in range(2000):
		signing.verify(KEY, good, NOW)
	assert time.perf_counter() - start < 1.0


def test_reopen_window():
	resolved = datetime(2026, 11, 20, 12, 0)
	assert rules.within_reopen_window(resolved, resolved + timedelta(days=7), 7)
	assert not rules.within_reopen_window(resolved, resolved + timedelta(days=7, seconds=1), 7)
	assert rules.within_reopen_window(resolved, resolved + timedelta(days=400), 0)
	assert not rules.within_reopen_window(None, resolved, 7)


def test_bayesian_average_keeps_one_review_from_topping_the_board():
	single_five = ratings.bayesian_average(5, 1, prior_mean=4.2, prior_weight=5)
	steady = ratings.bayesian_average(4.6 * 40, 40, prior_mean=4.2, prior_weight=5)
	assert round(single_five, 2) == 4.33
	assert steady > single_five
	assert ratings.bayesian_average(0, 0, 4.0, 5) == 4.0
	assert ratings.bayesian_average(0, 0, 4.0, 0) == 0.0
	assert ratings.bayesian_average(10, 2, 3.0, 0) == 5.0
	with pytest.raises(ValueError):
		ratings.bayesian_average(1, -1, 3, 5)


def test_first_name_and_incident_number_cleaning():
	assert rules.first_name("Айгерим Сапарова") == "Айгерим"
	assert rules.first_name(None) == ""
	assert rules.clean_incident_number(" inc-2026-00001 ") == "INC-2026-00001"
	assert rules.clean_incident_number("INC'; DROP--%") == "INCDROP--"
	assert len(rules.clean_incident_number("9" * 100)) == 40
