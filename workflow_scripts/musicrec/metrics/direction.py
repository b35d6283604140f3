"""Which way is better for each metric name the workflow writes (``[<target set>/]<family>[@K]``)."""

from __future__ import annotations

# Lower is better: errors and known negatives that reach the lists.
LOWER_IS_BETTER = ("log_loss", "dislike_fpr")
# Descriptive, not a quality: catalogue coverage (a random list covers most) and the share of targets no model
# can hit (the same for every model).
DESCRIPTIVE = ("coverage", "oov_target_share")


def family(metric: str) -> str:
    """``ndcg`` of ``listen_plus/ndcg@10``; ``auc`` of ``auc``."""
    return metric.rsplit("/", 1)[-1].split("@", 1)[0]


def better(metric: str) -> str | None:
    """"higher", "lower", or None for a descriptive metric that has no better direction."""
    name = family(metric)
    if name in DESCRIPTIVE:
        return None
    return "lower" if name in LOWER_IS_BETTER else "higher"
