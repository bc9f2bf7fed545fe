"""One run per period at a time, whether `rekon run` or an Airflow DAG run.

`rekon run` is one process: it holds an exclusive `flock` on `work/<period>/.lock` for its whole
run (`pipeline.runner.period_lock`). An Airflow run is many processes, possibly on many
machines, with gaps between its tasks, so no process can hold a lock for it. It *claims* the
period instead: `work/<period>/.claim` names the run that owns the period, written under the same
`flock` so that claiming and a CLI run's start exclude each other. Then:

- a CLI run stops at once when the period is claimed (or another CLI run holds the lock);
- an Airflow run waits (its `claim_period` sensor) while a CLI run holds the lock or another
  live DAG run holds the claim, and takes over a claim whose run is no longer queued or running;
- an Airflow run also waits while the month before its period is being published (a live run
  claims it, or an active DAG run of that month has yet to claim it), so that a backfill's months
  are published oldest first and each one's history reads the previous month's new publication;
- every task of the run checks, before it touches the period's files, that its run still owns
  the claim, so a run that lost it (someone removed it by hand) cannot interleave with another;
- the run's teardown task releases the claim, whether the run succeeded or not.

The lock and the claim live on the data volume every worker mounts; `flock` on a network
filesystem is only as good as that filesystem's locking (NFSv4 is fine).
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipeline.errors import RekonError
from pipeline.layout import Layout


class PeriodBusy(RekonError):
    """Another run works on this period."""


def lock_file(layout: Layout) -> Path:
    return layout.work / ".lock"


def claim_file(layout: Layout) -> Path:
    return layout.work / ".claim"


@contextmanager
def exclusive(layout: Layout) -> Iterator[None]:
    """The period's `flock`, taken without waiting: PeriodBusy when a `rekon run` holds it."""
    layout.work.mkdir(parents=True, exist_ok=True)
    with lock_file(layout).open("w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise PeriodBusy(
                f"another run of {layout.period} is in progress on {layout.data} (`rekon run`)"
            ) from None
        yield


def read_claim(layout: Layout) -> dict[str, Any] | None:
    try:
        return json.loads(claim_file(layout).read_text())
    except FileNotFoundError:
        return None


def _write_claim(layout: Layout, owner: str) -> None:
    path = claim_file(layout)
    fresh = path.with_name(f".claim.{os.getpid()}")
    fresh.write_text(json.dumps({"owner": owner, "since": datetime.now(UTC).isoformat(timespec="seconds")}))
    fresh.replace(path)


def refuse_if_claimed(layout: Layout) -> None:
    """For `rekon run` (under the lock): stop at once when a DAG run owns the period."""
    claim = read_claim(layout)
    if claim is not None:
        raise PeriodBusy(
            f"{layout.period} on {layout.data} is claimed by {claim['owner']} since {claim['since']}; "
            f"if that run is no longer active, remove {claim_file(layout)}"
        )


def try_claim(layout: Layout, owner: str, is_stale: Callable[[str], bool] = lambda _: False) -> str | None:
    """Claim the period for `owner`. None when `owner` holds it now (again, after a clear and
    rerun of the same run); else who holds it (a CLI run, or another live owner) and why."""
    try:
        with exclusive(layout):
            current = read_claim(layout)
            if current is not None and current["owner"] != owner and not is_stale(current["owner"]):
                return f"claimed by {current['owner']} since {current['since']}"
            _write_claim(layout, owner)
            return None
    except PeriodBusy as busy:
        return str(busy)


def previous_in_progress(
    layout: Layout,
    is_stale: Callable[[str], bool] = lambda _: False,
    previous_run: Callable[[str], str | None] = lambda _: None,
) -> str | None:
    """Why the period must wait for the month before it, or None. A live owner of the previous
    month's claim is publishing it; `previous_run(period)` names an active DAG run of that month
    that has not claimed it yet (a backfill's earlier run, still queued)."""
    before = layout.previous()
    current = read_claim(before)
    if current is not None and not is_stale(current["owner"]):
        return f"waiting for {before.period} to be published first: claimed by {current['owner']}"
    active = previous_run(before.period)
    return f"waiting for {before.period} to be published first: {active}" if active else None


def check_claim(layout: Layout, owner: str) -> None:
    """Before a task touches the period's files: its run must still own the period."""
    current = read_claim(layout)
    if current is None or current["owner"] != owner:
        held = f"held by {current['owner']}" if current else "not held by anyone"
        raise PeriodBusy(f"{owner} does not own {layout.period} on {layout.data} (the claim is {held})")


def release(layout: Layout, owner: str) -> bool:
    """Drop `owner`'s claim; True when it held one. Another owner's claim is left alone."""
    try:
        with exclusive(layout):
            current = read_claim(layout)
            if current is None or current["owner"] != owner:
                return False
            claim_file(layout).unlink()
            return True
    except PeriodBusy:
        # A CLI run holds the lock, so this owner's claim cannot exist (the CLI refuses to start
        # on a claimed period): nothing to release.
        return False
