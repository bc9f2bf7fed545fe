"""A period's publication and its restricted files, replaced together in one atomic step.

Each publish writes a new generation, `<data>/publications/<period>/g-<id>/` holding `published/`
and `restricted/`. One symbolic link, `<data>/publications/<period>/current`, names the
generation in force and is replaced by a single rename once the new generation is complete. The
documented paths are fixed links through it:

    <data>/published/<period>   -> ../publications/<period>/current/published
    <data>/restricted/<period>  -> ../publications/<period>/current/restricted

so a reader of either path always sees one generation, old or new, never a mix, whenever the
publish is killed. A generation that `current` does not name is either unfinished or replaced;
`recover` removes it before the next publish.

A data folder written before generations (real folders at the two paths) is adopted as the first
generation by `recover`: each folder is moved into it with one rename, and `current` is set once
both are there, so the pair is never split.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

from pipeline.layout import Layout
from pipeline.publish import modes

CURRENT = "current"
LEGACY = "g-legacy"
KINDS = ("published", "restricted")


def home(layout: Layout) -> Path:
    return layout.data / "publications" / layout.period


def link(layout: Layout, kind: str) -> Path:
    """The documented path of a kind of file: `<data>/published/<period>` or `<data>/restricted/<period>`."""
    return layout.data / kind / layout.period


def current(layout: Layout) -> Path | None:
    """The generation in force, if any."""
    pointer = home(layout) / CURRENT
    return home(layout) / os.readlink(pointer) if pointer.is_symlink() else None


def begin(layout: Layout) -> Path:
    """A new, empty generation with its `published/` and `restricted/` folders (0750)."""
    generation = home(layout) / f"g-{uuid.uuid4().hex[:12]}"
    for kind in KINDS:
        modes.folder(generation / kind)
    return generation


def commit(layout: Layout, generation: Path) -> None:
    """Make `generation` the one in force with one rename, then drop the generations it replaced."""
    _sync_tree(generation)
    _point(home(layout) / CURRENT, generation.name)
    _ensure_links(layout)
    _drop_others(layout)


def abandon(layout: Layout, generation: Path) -> None:
    """Remove a generation of a failed publish, unless it was already put in force."""
    if current(layout) != generation:
        shutil.rmtree(generation, ignore_errors=True)


def recover(layout: Layout) -> None:
    """Before a publish: adopt a publication from before generations, make sure the documented
    paths are links, and remove generations that are not in force (left by a killed publish)."""
    modes.folder(home(layout))
    for kind in KINDS:
        modes.folder(layout.data / kind)
    if current(layout) is None:
        legacy = home(layout) / LEGACY
        for kind in KINDS:
            old = link(layout, kind)
            if old.is_dir() and not old.is_symlink():
                modes.folder(legacy)
                os.rename(old, legacy / kind)
        if legacy.is_dir():
            for kind in KINDS:
                modes.folder(legacy / kind)
            _point(home(layout) / CURRENT, LEGACY)
    if current(layout) is not None:
        _ensure_links(layout)
    _drop_others(layout)


def _point(pointer: Path, target: str) -> None:
    """Replace the symbolic link `pointer` by one to `target`, atomically (rename over it)."""
    fresh = pointer.with_name(f".{pointer.name}.{uuid.uuid4().hex[:8]}")
    os.symlink(target, fresh)
    os.replace(fresh, pointer)
    _sync_dir(pointer.parent)


def _ensure_links(layout: Layout) -> None:
    for kind in KINDS:
        path = link(layout, kind)
        target = f"../publications/{layout.period}/{CURRENT}/{kind}"
        if not (path.is_symlink() and os.readlink(path) == target):
            _point(path, target)


def _drop_others(layout: Layout) -> None:
    """Remove every generation (and stray pointer) but the one in force."""
    keep = current(layout)
    for entry in home(layout).iterdir():
        if entry.name == CURRENT or (keep is not None and entry.name == keep.name):
            continue
        if entry.is_symlink() or entry.is_file():
            entry.unlink()
        else:
            shutil.rmtree(entry, ignore_errors=True)


def _sync_tree(tree: Path) -> None:
    """Flush the generation's files and folders to disk before it is put in force, so that a
    power cut after the switch cannot leave the new generation with empty files."""
    for root, _dirs, files in os.walk(tree):
        for name in files:
            fd = os.open(os.path.join(root, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        _sync_dir(Path(root))


def _sync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
