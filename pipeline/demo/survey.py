"""The labour-force survey file and the coverage it implies (contract section 7)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.demo import refdata as ref
from pipeline.demo.model import Context, rng_for

COVERAGE_COLUMNS = [
    "level",
    "region_code",
    "region_name",
    "formal_workers",
    "registered_workers",
    "coverage_pct",
]


def surveyed_regencies(ctx: Context) -> list[str]:
    kalteng = [r for r in ctx.regions.regencies if r.startswith("62.")]
    return sorted(kalteng + list(ref.SURVEY_EXTRA_REGENCIES))


def build_survey(ctx: Context, registered: dict[str, pd.Series]) -> pd.DataFrame:
    """Formal-worker estimates near the registered counts (coverage 30-75 %), split by sector,
    nudged so that no coverage percentage sits exactly on a rounding half."""
    rng = rng_for(ctx.seed, 10**6)
    last = registered[ctx.window.periods[-1]]
    rows = []
    for code in surveyed_regencies(ctx):
        count = int(last.get(code, 0))
        formal = int(round(count / rng.uniform(0.3, 0.75))) if count else int(rng.integers(2_000, 20_000))
        formal = max(formal, 30)
        sectors = np.sort(rng.choice(list(ref.SECTORS), int(rng.integers(5, 10)), replace=False))
        split = rng.multinomial(formal - len(sectors), rng.dirichlet(np.ones(len(sectors)))) + 1
        for sector, value in zip(sectors, split, strict=True):
            rows.append(
                {
                    "regency_code": code,
                    "sector": str(sector),
                    "formal_workers": int(value),
                    "informal_workers": int(value * rng.uniform(0.6, 1.6)),
                    "survey_round": ref.SURVEY_ROUND,
                    "bad": None,
                }
            )
    survey = pd.DataFrame(rows)
    _avoid_rounding_ties(survey, registered)
    return _with_bad_rows(survey, rng)


def _with_bad_rows(survey: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    bad = pd.DataFrame(
        [
            {
                "regency_code": "62.71",
                "sector": "Z",
                "formal_workers": 1500,
                "informal_workers": 900,
                "survey_round": ref.SURVEY_ROUND,
                "bad": "invalid_code",
            },
            {
                "regency_code": ref.UNKNOWN_REGENCY,
                "sector": "C",
                "formal_workers": 800,
                "informal_workers": 300,
                "survey_round": ref.SURVEY_ROUND,
                "bad": "invalid_code",
            },
        ]
    )
    at = sorted(rng.choice(len(survey), 2, replace=False))
    parts = [
        survey.iloc[: at[0]],
        bad.iloc[[0]],
        survey.iloc[at[0] : at[1]],
        bad.iloc[[1]],
        survey.iloc[at[1] :],
    ]
    return pd.concat(parts, ignore_index=True)


def _is_tie(registered: np.ndarray, formal: np.ndarray) -> np.ndarray:
    """100 x registered / formal exactly halfway between two tenths."""
    return (2000 * registered) % (2 * formal) == formal


def _avoid_rounding_ties(survey: pd.DataFrame, registered: dict[str, pd.Series]) -> None:
    for _ in range(1000):
        tied = set()
        for counts in registered.values():
            regency, province = _totals(survey, counts)
            for level in (regency, province):
                hit = level.index[_is_tie(level.registered.to_numpy(), level.formal.to_numpy())]
                tied.update(
                    hit
                    if level is regency
                    else [survey.regency_code[survey.regency_code.str[:2] == p].iloc[0] for p in hit]
                )
        if not tied:
            return
        for code in tied:
            survey.loc[survey.index[survey.regency_code == code][0], "formal_workers"] += 1
    raise AssertionError("could not avoid a coverage rounding tie")


def _totals(survey: pd.DataFrame, counts: pd.Series) -> tuple[pd.DataFrame, pd.DataFrame]:
    ok = survey.loc[survey.bad.isna()] if "bad" in survey else survey
    regency = ok.groupby("regency_code").formal_workers.sum().rename("formal").to_frame()
    regency["registered"] = counts.reindex(regency.index).fillna(0).astype(np.int64)
    province = regency.groupby(regency.index.str[:2]).sum()
    return regency, province


def coverage(ctx: Context, survey: pd.DataFrame, counts: pd.Series) -> pd.DataFrame:
    regency, province = _totals(survey, counts)
    rows = []
    for level, frame in (("province", province), ("regency", regency)):
        for code, row in frame.sort_index().iterrows():
            formal, reg = int(row.formal), int(row.registered)
            tenths = (2000 * reg + formal) // (2 * formal)  # half up, and never a tie
            rows.append(
                {
                    "level": level,
                    "region_code": code,
                    "region_name": ctx.regions.names.get(code, ""),
                    "formal_workers": formal,
                    "registered_workers": reg,
                    "coverage_pct": f"{tenths / 10:.1f}",
                }
            )
    return pd.DataFrame(rows, columns=COVERAGE_COLUMNS)
