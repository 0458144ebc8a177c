"""A small Flower app for fedplane: logistic regression in NumPy on scikit-learn's bundled breast-cancer data."""
