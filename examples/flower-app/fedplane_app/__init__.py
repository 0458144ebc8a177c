"""A tiny Flower app for fedplane: logistic regression in NumPy on synthetic, seeded data."""
