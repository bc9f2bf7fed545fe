"""A period's publication and restricted files switch together (pipeline/publish/generation.py):
the documented paths are links through one pointer, unfinished generations are removed, and a
data folder from before generations is adopted whole."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from pipeline.layout import Layout
from pipeline.publish import generation

PERIOD = "2026-10"


def write(folder: Path, name: str, text: str) -> None:
    (folder / name).write_text(text)


def shown(data: Path) -> tuple[str, str]:
    return (
        (data / "published" / PERIOD / "findings.csv").read_text(),
        (data / "restricted" / PERIOD / "workers_full.csv").read_text(),
    )


def publish(layout: Layout, text: str) -> Path:
    generation.recover(layout)
    new = generation.begin(layout)
    write(new / "published", "findings.csv", text)
    write(new / "restricted", "workers_full.csv", text)
    generation.commit(layout, new)
    return new


def test_both_paths_show_the_generation_in_force(tmp_path: Path) -> None:
    layout = Layout(tmp_path, PERIOD)
    first = publish(layout, "a")
    assert shown(tmp_path) == ("a", "a")
    second = publish(layout, "b")
    assert shown(tmp_path) == ("b", "b")
    assert not first.exists() and second.exists()
    assert os.readlink(tmp_path / "published" / PERIOD) == f"../publications/{PERIOD}/current/published"


def test_an_unfinished_generation_is_never_shown_and_is_removed(tmp_path: Path) -> None:
    layout = Layout(tmp_path, PERIOD)
    publish(layout, "a")
    unfinished = generation.begin(layout)
    write(unfinished / "published", "findings.csv", "half")
    assert shown(tmp_path) == ("a", "a")
    generation.recover(layout)
    assert not unfinished.exists() and shown(tmp_path) == ("a", "a")


def test_a_publication_from_before_generations_is_adopted_whole(tmp_path: Path) -> None:
    layout = Layout(tmp_path, PERIOD)
    for kind, name in (("published", "findings.csv"), ("restricted", "workers_full.csv")):
        (tmp_path / kind / PERIOD).mkdir(parents=True)
        write(tmp_path / kind / PERIOD, name, "old")
    generation.recover(layout)
    assert (tmp_path / "published" / PERIOD).is_symlink() and shown(tmp_path) == ("old", "old")
    publish(layout, "new")
    assert shown(tmp_path) == ("new", "new")


def test_an_adoption_cut_short_is_finished_by_the_next_recover(tmp_path: Path) -> None:
    """Killed after the published folder moved and before the restricted one did."""
    layout = Layout(tmp_path, PERIOD)
    legacy = tmp_path / "publications" / PERIOD / generation.LEGACY
    legacy.mkdir(parents=True)
    (legacy / "published").mkdir()
    write(legacy / "published", "findings.csv", "old")
    (tmp_path / "restricted" / PERIOD).mkdir(parents=True)
    write(tmp_path / "restricted" / PERIOD, "workers_full.csv", "old")
    generation.recover(layout)
    assert shown(tmp_path) == ("old", "old")


def test_folders_are_0750_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        new = generation.begin(Layout(tmp_path, PERIOD))
    finally:
        os.umask(old)
    for folder in (new, new / "published", new / "restricted", new.parent, new.parent.parent):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o750, folder
