"""A publish that is killed, or that runs out of disk, leaves the previous publication or the new
one in force, the restricted files with it, never a mix and never a half-written file.

Publication A is in force; the warehouse holds run B (a worker renamed). The publish of B runs
in a child process that kills itself (SIGKILL) right after the n-th file it exports or the n-th
rename it makes; the files then found at the documented paths must all be A's or all be B's."""

from __future__ import annotations

import errno
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.errors import RekonError
from pipeline.layout import Layout
from tests import scenario as s
from tests.integration.test_safe_publication import rewrite

# Files that tell one publication from the other (a worker's name differs), restricted included.
FINGERPRINT = ("published/findings.csv", "published/workers.csv", "restricted/workers_full.csv")
PUBLICATION = ("published", "restricted", "publications")


def _run(landing: Path, data: Path) -> None:
    assert main(["run", "--period", s.PERIOD, "--landing", str(landing), "--data", str(data)]) == 0


def fingerprint(data: Path) -> dict[str, bytes | None]:
    """The fingerprint files as the documented paths show them, and the published file names."""
    found: dict[str, bytes | None] = {}
    for name in FINGERPRINT:
        kind, file = name.split("/")
        path = data / kind / s.PERIOD / file
        found[name] = path.read_bytes() if path.is_file() else None
    folder = data / "published" / s.PERIOD
    found["names"] = "\n".join(sorted(p.name for p in folder.iterdir())).encode() if folder.is_dir() else None
    return found


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict, dict]:
    """Data folders after run A and after run B, with their fingerprints."""
    root = tmp_path_factory.mktemp("faults")
    landing = root / "landing"
    s.build_base_delivery(landing)
    _run(landing, root / "a")
    rewrite(landing / s.PERIOD / "payroll/a_payroll.csv", "nama", "Rina Marlina", "Rina Marlina Putri")
    _run(landing, root / "b")
    a, b = fingerprint(root / "a"), fingerprint(root / "b")
    assert a["published/workers.csv"] != b["published/workers.csv"]
    assert a["restricted/workers_full.csv"] != b["restricted/workers_full.csv"]
    return root / "a", root / "b", a, b


def a_in_force_b_in_the_warehouse(runs, target: Path) -> Path:
    a, b, _, _ = runs
    shutil.copytree(b, target, symlinks=True)
    for name in PUBLICATION:
        shutil.rmtree(target / name, ignore_errors=True)
        if (a / name).exists():
            shutil.copytree(a / name, target / name, symlinks=True)
    return target


CHILD = textwrap.dedent(
    """
    import os, signal, sys
    import pipeline.publish.run as run
    from pipeline import steps

    data, period, kind, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    seen = {"copy": 0, "rename": 0}

    def step(what):
        seen[what] += 1
        if what == kind and seen[what] == n:
            os.kill(os.getpid(), signal.SIGKILL)

    class Watched:
        def __init__(self, con):
            self._con = con
        def __getattr__(self, name):
            return getattr(self._con, name)
        def execute(self, sql, *args, **kwargs):
            result = self._con.execute(sql, *args, **kwargs)
            if sql.lstrip().lower().startswith("copy"):
                step("copy")
            return result

    connect = run.connect
    run.connect = lambda *a, **k: Watched(connect(*a, **k))
    for name in ("rename", "replace"):
        def renamed(*a, _real=getattr(os, name), **k):
            result = _real(*a, **k)
            step("rename")
            return result
        setattr(os, name, renamed)
    steps.publish(period, data)
    """
)

# After the first export, the last published table, each restricted file; after each rename
# (the workbook's, then the switch and whatever follows it).
KILL_POINTS = [("copy", 1), ("copy", 10), ("copy", 11), ("copy", 12)] + [("rename", n) for n in range(1, 6)]


@pytest.mark.parametrize("kind,n", KILL_POINTS)
def test_a_kill_during_publish_leaves_old_or_new_never_a_mix(runs, tmp_path: Path, kind: str, n: int) -> None:
    _, _, old, new = runs
    data = a_in_force_b_in_the_warehouse(runs, tmp_path / "data")
    assert fingerprint(data) == old
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(data), s.PERIOD, kind, str(n)],
        env=env,
        capture_output=True,
        text=True,
    )
    assert child.returncode in (0, -signal.SIGKILL), child.stderr
    after = fingerprint(data)
    assert after in (old, new), {k: (after[k] == old[k], after[k] == new[k]) for k in after}
    # the next publish puts B in force and leaves nothing of the killed one behind
    from pipeline import steps

    steps.publish(s.PERIOD, data)
    assert fingerprint(data) == new
    hidden = [p.name for p in (data / "published").iterdir() if p.name.startswith(".")]
    assert hidden == []


def test_a_full_disk_during_publish_leaves_the_previous_publication(
    runs,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The workbook runs out of space half-way through: a clear error, publication A in force,
    and no file of B left where a reader or the next publish could take it for published."""
    import pipeline.publish.run as run
    from pipeline import steps

    _, _, old, _ = runs
    data = a_in_force_b_in_the_warehouse(runs, tmp_path / "data")

    def full_disk(con, folder: Path, period: str) -> Path:
        (folder / f"kepatuhan_{period}.xlsx").write_bytes(b"PK\x03\x04 half")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(folder))

    monkeypatch.setattr(run, "write_workbook", full_disk)
    with pytest.raises(RekonError) as stopped:
        steps.publish(s.PERIOD, data)
    assert "No space left on device" in str(stopped.value) and "\n" not in str(stopped.value)
    assert fingerprint(data) == old
    left = [
        p
        for p in data.rglob("*")
        if p.name == f"kepatuhan_{s.PERIOD}.xlsx" and p.read_bytes().endswith(b"half")
    ]
    assert left == []


def test_a_real_full_disk_leaves_the_previous_publication(runs, tmp_path: Path) -> None:
    """The same on a small tmpfs, filled up (needs the right to mount one)."""
    from pipeline import steps

    _, _, old, _ = runs
    disk = tmp_path / "disk"
    disk.mkdir()
    a, b = runs[0], runs[1]
    needed = sum(p.stat().st_size for folder in (a, b) for p in folder.rglob("*") if p.is_file())
    size = f"size={needed // 2**20 + 16}m"
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", size, "tmpfs", str(disk)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip("cannot mount a tmpfs here: " + mounted.stderr.decode().strip())
    try:
        data = a_in_force_b_in_the_warehouse(runs, disk / "data")
        assert fingerprint(data) == old
        free = shutil.disk_usage(disk).free
        # leave 48 kB: less than the new publication needs
        with open(disk / "filler", "wb") as filler:
            filler.write(b"\0" * (free - 48 * 1024))
        with pytest.raises(RekonError) as stopped:
            steps.publish(s.PERIOD, data)
        assert "No space left on device" in str(stopped.value)
        (disk / "filler").unlink()
        assert fingerprint(data) == old
        assert Layout(data, s.PERIOD).published.is_dir()
    finally:
        subprocess.run(["umount", "--lazy", str(disk)], check=True)
