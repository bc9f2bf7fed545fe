"""Faults of the machine, not of the data: a full disk or an unwritable data folder stops the run
with exit status 2, one line naming the problem, no traceback, and the previous publication as
it was. The data folder is a small tmpfs in a private mount namespace (`unshare`), so nothing
outside the test sees it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from tests import scenario as s
from tests.hostile.conftest import REPO, Case

_SCRIPT = """
set -e
mount -t tmpfs -o size={size} tmpfs "$DATA"
cp -a "$SRC"/published "$SRC"/restricted "$SRC"/publications "$DATA"/
{after_copy}
cd "$DATA"/published/{period} && find . -type f | sort | xargs sha256sum > "$OUT"/before
set +e
cd "$REPO"
PYTHONPATH="$REPO" "$PYTHON" -m pipeline.cli run --period {period} --landing "$LANDING" --data "$DATA" \\
    >"$OUT"/stdout 2>"$OUT"/stderr
echo $? > "$OUT"/code
cd "$DATA"/published/{period} && find . -type f | sort | xargs sha256sum > "$OUT"/after
"""


def _run_on_small_disk(case: Case, tmp_path: Path, size: str, after_copy: str = "") -> dict[str, str]:
    out, data = tmp_path / "out", tmp_path / "mounted"
    out.mkdir()
    data.mkdir()
    env = {
        "DATA": str(data),
        "SRC": str(case.data),
        "OUT": str(out),
        "REPO": str(REPO),
        "PYTHON": sys.executable,
        "LANDING": str(case.landing),
        "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
    }
    script = _SCRIPT.format(size=size, period=s.PERIOD, after_copy=after_copy)
    done = subprocess.run(["unshare", "-rm", "sh", "-c", script], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return {p.name: p.read_text() for p in out.iterdir()}


def _one_line(result: dict[str, str], *words: str) -> None:
    assert result["code"].strip() == "2", result["stderr"][-3000:]
    assert "Traceback" not in result["stderr"] + result["stdout"]
    lines = [line for line in result["stderr"].splitlines() if line.startswith("rekon:")]
    assert len(lines) == 1, result["stderr"][-3000:]
    for word in words:
        assert word in lines[0], lines[0]
    assert result["before"] == result["after"]  # the previous publication, byte for byte


def test_full_disk_stops_with_one_line_and_keeps_the_publication(case: Case, tmp_path: Path) -> None:
    _one_line(_run_on_small_disk(case, tmp_path, "8m"), "No space left on device")


def test_unwritable_data_folder_stops_with_one_line(case: Case, tmp_path: Path) -> None:
    result = _run_on_small_disk(case, tmp_path, "64m", after_copy='mount -o remount,ro "$DATA"')
    _one_line(result, "Read-only file system")


def test_debug_shows_the_traceback(case: Case) -> None:
    shutil.rmtree(case.delivery / "registry")
    base = [sys.executable, "-m", "pipeline.cli"]
    args = ["run", "--period", s.PERIOD, "--landing", str(case.landing), "--data", str(case.data)]
    quiet = subprocess.run(base + args, capture_output=True, text=True, cwd=REPO)
    loud = subprocess.run([*base, "--debug", *args], capture_output=True, text=True, cwd=REPO)
    assert (quiet.returncode, loud.returncode) == (2, 2)
    assert "Traceback" not in quiet.stderr and "Traceback" in loud.stderr
