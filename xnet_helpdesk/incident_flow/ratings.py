"""Plain rules of the engineers' ratings (no Frappe imports): the leaderboard's average."""


def bayesian_average(total_stars: float, count: int, prior_mean: float, prior_weight: float) -> float:
	"""The average pulled towards the prior by `prior_weight` imaginary ratings at `prior_mean`.

	One 5-star review (5 + 4.2*5)/(1+5) = 4.33 ranks below forty reviews averaging 4.6, as it should.
	"""
	if count < 0 or prior_weight < 0:
		raise ValueError("count and prior weight cannot be negative")
	if count + prior_weight == 0:
		return 0.0
	return (prior_mean * prior_weight + total_stars) / (prior_weight + count)
