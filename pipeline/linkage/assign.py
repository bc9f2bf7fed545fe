"""One-to-one: within an employer, a participant is the match of at most one payroll worker
(CONTRACT.md section 5), chosen by the best assignment, not by row order."""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment

# A decision SAMA outweighs any score: that pair is assigned whatever else competes for it.
DECIDED_WEIGHT = 1e6
FORBIDDEN = 1e12


def one_to_one(
    group: np.ndarray, worker: np.ndarray, candidate: np.ndarray, weight: np.ndarray
) -> np.ndarray:
    """Which of the eligible pairs are kept: per `group` (employer), the set of pairs in which
    each worker and each candidate appears at most once and whose total weight is largest
    (scipy's linear_sum_assignment, where a worker may also stay unassigned). `weight` is
    non-negative: the match probability, or DECIDED_WEIGHT for a decision SAMA. Arrays are
    parallel, one element per pair. The choice
    depends only on the pairs' values: the pairs are sorted by (group, worker, candidate) first,
    so the order they come in changes nothing."""
    n = len(group)
    kept = np.zeros(n, dtype=bool)
    if n == 0:
        return kept
    order = np.lexsort((candidate, worker, group))
    g, w, c, x = group[order], worker[order], candidate[order], weight[order]
    # groups where a worker or a candidate has two eligible pairs: the only ones to solve
    by_candidate = np.lexsort((c, g))
    twice = np.zeros(n, dtype=bool)
    twice[1:] |= (g[1:] == g[:-1]) & (w[1:] == w[:-1])
    same_c = (g[by_candidate][1:] == g[by_candidate][:-1]) & (c[by_candidate][1:] == c[by_candidate][:-1])
    twice[by_candidate[1:][same_c]] = True
    contested = np.isin(g, np.unique(g[twice]))
    kept[order[~contested]] = True
    starts = np.flatnonzero(contested & np.r_[True, g[1:] != g[:-1]])
    for start in starts:
        end = start + int(np.searchsorted(g[start:], g[start], side="right"))
        rows, row_of = np.unique(w[start:end], return_inverse=True)
        cols, col_of = np.unique(c[start:end], return_inverse=True)
        # a pair that is not eligible costs more than leaving its worker unassigned (the columns
        # past the candidates, cost 0), so it is never chosen
        cost = np.full((len(rows), len(cols) + len(rows)), FORBIDDEN)
        cost[:, len(cols) :] = 0.0
        cost[row_of, col_of] = -x[start:end]
        chosen_rows, chosen_cols = linear_sum_assignment(cost)
        chosen = np.zeros(cost.shape, dtype=bool)
        chosen[chosen_rows, chosen_cols] = True
        chosen &= cost < 0
        kept[order[start:end]] = chosen[row_of, col_of]
    return kept
