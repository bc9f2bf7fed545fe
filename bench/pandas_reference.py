"""A straightforward pandas implementation of the PWBD and PDS_TK rules, for benchmarks only.

It reads the same validated (silver) Parquet files as the DuckDB models and computes the same
lists (category, employer_key, workers_affected), so `run_bench.py` can time the two side by
side and check that they agree. It is not part of the product.
"""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd

ZERO_NPWP = "0000000000000000"


def _read(work: Path, slug: str, columns: list[str]) -> pd.DataFrame:
    path = work / "silver" / f"{slug}.parquet"
    return pd.read_parquet(path, columns=columns) if path.exists() else pd.DataFrame(columns=columns)


def _name_key(names: pd.Series) -> pd.Series:
    upper = names.str.upper().str.replace(r"[^\w\s]|[\d_]", "", regex=True)
    return upper.str.replace(r"\s+", " ", regex=True).str.strip()


def components(edges: pd.DataFrame) -> pd.DataFrame:
    """Connected components by repeated min-label propagation (node -> component)."""
    both = pd.concat([edges, edges.rename(columns={"a": "b", "b": "a"})], ignore_index=True).drop_duplicates()
    labels = pd.DataFrame({"node": pd.unique(both[["a", "b"]].values.ravel())})
    labels["component"] = labels["node"]
    while True:
        joined = both.merge(labels, left_on="b", right_on="node")[["a", "component"]]
        best = joined.groupby("a", as_index=False)["component"].min().rename(columns={"a": "node"})
        merged = labels.merge(best, on="node", suffixes=("", "_new"))
        merged["component"] = merged[["component", "component_new"]].min(axis=1)
        changed = (
            merged["component"] != labels.set_index("node").loc[merged["node"], "component"].values
        ).sum()
        labels = merged[["node", "component"]]
        if changed == 0:
            return labels


def pwbd_pds_tk(work: Path, period: str) -> pd.DataFrame:
    start, end = pd.Timestamp(f"{period}-01"), pd.Timestamp(f"{period}-01") + pd.offsets.MonthEnd(0)
    employers = _read(work, "registry__employers", ["npp", "nib", "npwp", "status"])
    participants = _read(work, "registry__participants", ["nik", "full_name", "birth_date", "npp", "status"])
    payroll = _read(
        work,
        "payroll",
        ["employer_nib", "employer_npwp", "nik", "full_name", "birth_date", "period", "_file", "_row_number"],
    )
    permits = _read(work, "permits__business", ["nib", "npwp", "declared_workers", "status"])
    contracts = _read(
        work,
        "permits__construction",
        ["contractor_nib", "contractor_npwp", "start_on", "end_on", "declared_workers"],
    )
    for frame, column in (
        (employers, "npwp"),
        (payroll, "employer_npwp"),
        (permits, "npwp"),
        (contracts, "contractor_npwp"),
    ):
        frame.loc[frame[column] == ZERO_NPWP, column] = None

    def node(prefix: str, values: pd.Series) -> pd.Series:
        return (prefix + values).where(values.notna())

    pay_id = node("NIB:", payroll.employer_nib).fillna(node("NPWP:", payroll.employer_npwp))
    con_id = node("NIB:", contracts.contractor_nib).fillna(node("NPWP:", contracts.contractor_npwp))
    edge_parts = [
        pd.DataFrame({"a": node("NPP:", employers.npp), "b": node("NPP:", employers.npp)}),
        pd.DataFrame({"a": node("NPP:", employers.npp), "b": node("NIB:", employers.nib)}),
        pd.DataFrame({"a": node("NPP:", employers.npp), "b": node("NPWP:", employers.npwp)}),
        pd.DataFrame(
            {
                "a": node("NIB:", permits.nib),
                "b": node("NPWP:", permits.npwp).fillna(node("NIB:", permits.nib)),
            }
        ),
        pd.DataFrame({"a": pay_id, "b": node("NPWP:", payroll.employer_npwp).fillna(pay_id)}),
        pd.DataFrame({"a": con_id, "b": node("NPWP:", contracts.contractor_npwp).fillna(con_id)}),
    ]
    edges = pd.concat(edge_parts, ignore_index=True).dropna().drop_duplicates()
    labels = components(edges).set_index("node")["component"]

    nodes = labels.reset_index()
    nodes["kind"], nodes["value"] = (
        nodes["node"].str.split(":", n=1).str[0],
        nodes["node"].str.split(":", n=1).str[1],
    )
    keys = nodes.pivot_table(index="component", columns="kind", values="value", aggfunc="min")
    keys["employer_key"] = keys.get("NIB").fillna(keys.get("NPWP")).fillna(keys.get("NPP"))

    employers["component"] = labels.reindex("NPP:" + employers.npp).values
    registered = set(employers.loc[employers.status == "AKTIF", "component"])

    payroll["component"] = labels.reindex(pay_id).values
    payroll["period"] = payroll["period"].fillna(period)
    current = payroll[payroll.period == period].sort_values(["_file", "_row_number"])
    current = current.drop_duplicates(["component", "nik"])
    current["name_key"] = _name_key(current.full_name)

    active = participants[participants.status == "AKTIF"].copy()
    active["component"] = labels.reindex("NPP:" + active.npp).values
    active = active.dropna(subset=["component"])
    active["name_key"] = _name_key(active.full_name)
    by_nik = current.merge(
        active[["component", "nik"]].drop_duplicates(),
        on=["component", "nik"],
        how="left",
        indicator="by_nik",
    )
    by_name = current.merge(
        active[["component", "name_key", "birth_date"]].dropna().drop_duplicates(),
        on=["component", "name_key", "birth_date"],
        how="left",
        indicator="by_name",
    )
    current["registered"] = (by_nik["by_nik"].values == "both") | (by_name["by_name"].values == "both")
    unregistered = current[~current.registered].groupby("component")["nik"].nunique()
    has_payroll = set(current.component)

    permits["component"] = labels.reindex("NIB:" + permits.nib).values
    active_permits = permits[permits.status.fillna("AKTIF") == "AKTIF"]
    declared = active_permits.groupby("component")["declared_workers"].sum()
    needs = set(active_permits.loc[active_permits.declared_workers >= 1, "component"])
    contracts["component"] = labels.reindex(con_id).values
    live = contracts[(contracts.start_on <= end.date()) & (contracts.end_on >= start.date())]
    contractor_declared = live.groupby("component")["declared_workers"].sum()

    rows = []
    for component in (needs | has_payroll | set(live.component)) - registered:
        if component in has_payroll:
            workers = int(unregistered.get(component, 0))
        else:
            workers = int(declared.get(component, contractor_declared.get(component, 0)) or 0)
        rows.append(("PWBD", keys.at[component, "employer_key"], workers))
    for component, workers in unregistered.items():
        if component in registered:
            rows.append(("PDS_TK", keys.at[component, "employer_key"], int(workers)))
    return pd.DataFrame(rows, columns=["category", "employer_key", "workers_affected"]).sort_values(
        ["category", "employer_key"], ignore_index=True
    )


if __name__ == "__main__":
    import sys

    started = time.perf_counter()
    result = pwbd_pds_tk(Path(sys.argv[1]), sys.argv[2])
    print(result.groupby("category").size().to_dict(), f"{time.perf_counter() - started:.1f} s")
