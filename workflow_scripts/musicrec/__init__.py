"""musicrec: the library behind the workflow (datasets, features, models, metrics, fairness, reports)."""
