"""Fairness analysis: per-group prediction quality (fairlearn), provider exposure in top-K lists,
the rank of the first artist of a focus group, and aggregation over seeds.

``exposure`` and ``provider`` work on generic tidy tables (user, item, score, rank; item -> group), so
every ranking stage can reuse them; ``kkbox`` wires them to the KKBox predictions, ``ranking`` to the
top-K lists of every ranking dataset with artist demographics (Last.fm, Yambda).
"""
