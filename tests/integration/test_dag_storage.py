"""The publication mirrored to a storage root through fsspec (an in-memory object store here;
`s3://...` takes the same path through s3fs)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline import steps
from pipeline.errors import RekonError
from pipeline.layout import Layout
from pipeline.storage import is_local

PERIOD = "2026-10"


def _publication(data: Path, files: dict[str, str]) -> None:
    folder = Layout(data, PERIOD).published
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text)
    (folder / "manifest.json").write_text(json.dumps({"period": PERIOD, "outputs": sorted(files)}))


def test_a_publication_is_mirrored_manifest_last_and_stale_files_removed(tmp_path: Path) -> None:
    import fsspec

    root = f"memory://rekon-test-{tmp_path.name}"
    _publication(tmp_path, {"findings.csv": "a\n1\n", "workers.csv": "b\n", "old.csv": "x\n"})
    first = steps.mirror_publication(PERIOD, tmp_path, root)
    assert first["files"] == 4 and first["url"] == f"{root}/published/{PERIOD}"

    # The next publication of the period has no old.csv: the mirror drops it too.
    (Layout(tmp_path, PERIOD).published / "old.csv").unlink()
    _publication(tmp_path, {"findings.csv": "a\n2\n", "workers.csv": "b\n"})
    second = steps.mirror_publication(PERIOD, tmp_path, root)
    assert second["removed"] == 1

    fs = fsspec.filesystem("memory")
    base = f"/rekon-test-{tmp_path.name}/published/{PERIOD}"
    assert sorted(p.rsplit("/", 1)[-1] for p in fs.find(base)) == [
        "findings.csv",
        "manifest.json",
        "workers.csv",
    ]
    assert fs.cat(f"{base}/findings.csv") == b"a\n2\n"


def test_a_local_root_and_a_missing_publication(tmp_path: Path) -> None:
    assert is_local("/srv/rekon") and is_local("file:///srv/rekon") and not is_local("s3://bucket/rekon")
    _publication(tmp_path / "data", {"findings.csv": "a\n"})
    steps.mirror_publication(PERIOD, tmp_path / "data", str(tmp_path / "mirror"))
    assert (tmp_path / "mirror" / "published" / PERIOD / "manifest.json").is_file()
    with pytest.raises(RekonError, match="no publication"):
        steps.mirror_publication("2026-09", tmp_path / "data", str(tmp_path / "mirror"))
