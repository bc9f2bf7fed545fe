"""The storage root (pipeline/storage.py) on a real S3-compatible server: moto's, started in this
process on 127.0.0.1 for the module, reached by s3fs over HTTP exactly as MinIO would be.

s3fs (through aiobotocore/botocore) takes the endpoint from `AWS_ENDPOINT_URL`, like every AWS SDK,
so the code under test is given nothing but an `s3://` URL and the usual AWS environment: the
set-up an operator uses in docker compose (README, Deployment).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from pipeline import steps
from pipeline.errors import MissingRegistryError, RekonError
from pipeline.layout import Layout
from pipeline.storage import STAGED, is_local
from tests.scenario import build_base_delivery

PERIOD = "2026-10"
BUCKET = "rekon-test"
DAGS = Path(__file__).resolve().parents[2] / "dags"
COMPARED = ("findings.csv", "workers.csv", "coverage.csv", "quarantine.csv")


@pytest.fixture(scope="module")
def s3() -> Iterator[Any]:
    """A moto S3 server with an empty bucket; yields an s3fs filesystem talking to it."""
    from moto.server import ThreadedMotoServer

    # Port 0: the OS picks a free one, no race with other processes on the machine.
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one log line per request otherwise
    with pytest.MonkeyPatch.context() as env:
        env.setenv("AWS_ENDPOINT_URL", f"http://{host}:{port}")
        env.setenv("AWS_ACCESS_KEY_ID", "testing")
        env.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        env.setenv("AWS_DEFAULT_REGION", "us-east-1")
        # Never a developer's own AWS profile, token or config.
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
            env.delenv(name, raising=False)
        env.setenv("AWS_CONFIG_FILE", os.devnull)
        env.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
        import s3fs

        # fsspec caches filesystem instances: one made before this server (or for another) would
        # keep its old endpoint.
        s3fs.S3FileSystem.clear_instance_cache()
        fs = s3fs.S3FileSystem()
        fs.mkdir(BUCKET)
        try:
            yield fs
        finally:
            s3fs.S3FileSystem.clear_instance_cache()
    server.stop()


def upload(fs: Any, folder: Path, key: str) -> dict[str, bytes]:
    """Put every file below `folder` under `key`; return their contents by relative path."""
    files = {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    for rel, content in files.items():
        fs.pipe_file(f"{key}/{rel}", content)
    return files


def local_files(folder: Path) -> dict[str, bytes]:
    return {
        rel: p.read_bytes()
        for p in folder.rglob("*")
        if p.is_file() and (rel := p.relative_to(folder).as_posix()) != STAGED
    }


@pytest.fixture(scope="module")
def demo_delivery(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small demo delivery (200 employers), marked complete: `<out>/<PERIOD>/`."""
    from pipeline.demo.generate import generate

    out = tmp_path_factory.mktemp("demo")
    generate(out, employers=200, seed=20261, period=PERIOD)
    (out / PERIOD / "_READY").touch()
    return out / PERIOD


# --- delivery status and staging ---------------------------------------------------------------


def test_the_delivery_sensor_judges_the_listing_of_the_storage_root(s3: Any, tmp_path: Path) -> None:
    root, key = f"s3://{BUCKET}/status", f"{BUCKET}/status/landing/{PERIOD}"
    local = build_base_delivery(tmp_path / "delivery")
    landing = tmp_path / "landing"  # empty: with a storage root, the local folder is not asked

    assert steps.delivery_status(PERIOD, landing, storage=root) == {
        "ready": False,
        "detail": f"nothing under {root}/landing/{PERIOD} yet",
    }
    s3.pipe_file(f"{key}/registry/employers.csv", (local / "registry/employers.csv").read_bytes())
    status = steps.delivery_status(PERIOD, landing, storage=root)
    assert not status["ready"] and "registry/participants" in status["detail"]

    upload(s3, local, key)
    status = steps.delivery_status(PERIOD, landing, storage=root)
    assert status["ready"] and status["sources"] == steps.sources_present(PERIOD, tmp_path / "delivery")
    assert not steps.delivery_status(PERIOD, landing, require_marker=True, storage=root)["ready"]
    s3.pipe_file(f"{key}/_READY", b"")
    assert steps.delivery_status(PERIOD, landing, require_marker=True, storage=root)["ready"]

    # A marker without the registry: the same hard failure as in a local landing folder.
    s3.pipe_file(f"{BUCKET}/status/landing/2026-11/_READY", b"")
    s3.pipe_file(f"{BUCKET}/status/landing/2026-11/payroll/payroll.csv", b"npwp,nik,nama,gaji\n")
    with pytest.raises(MissingRegistryError, match=f"{root}/landing/2026-11 has no registry/employers"):
        steps.delivery_status("2026-11", landing, storage=root)
    assert not landing.exists()


def test_a_delivery_is_staged_byte_for_byte_and_a_redelivery_replaces_it(s3: Any, tmp_path: Path) -> None:
    root, key = f"s3://{BUCKET}/staging", f"{BUCKET}/staging/landing/{PERIOD}"
    with pytest.raises(RekonError, match="nothing under"):
        steps.stage_delivery(PERIOD, root, tmp_path / "landing")

    local = build_base_delivery(tmp_path / "delivery")
    (local / "_READY").touch()
    delivered = upload(s3, local, key)
    assert len(delivered) >= 8 and any("/" in rel for rel in delivered)
    staged_folder = tmp_path / "landing" / PERIOD

    first = steps.stage_delivery(PERIOD, root, tmp_path / "landing")
    assert (first["files"], first["copied"], first["removed"]) == (len(delivered), len(delivered), 0)
    assert first["bytes"] == sum(len(b) for b in delivered.values())
    assert local_files(staged_folder) == delivered
    # What ingest will see is what the storage root holds.
    assert steps.sources_present(PERIOD, tmp_path / "landing") == steps.sources_present(
        PERIOD, tmp_path / "delivery"
    )

    # Staging again copies nothing.
    again = steps.stage_delivery(PERIOD, root, tmp_path / "landing")
    assert (again["copied"], again["removed"]) == (0, 0)

    # A re-delivery: one payroll file withdrawn, the employers corrected at the same size, and
    # a download a crash left behind.
    withdrawn = sorted(rel for rel in delivered if rel.startswith("payroll/"))[0]
    s3.rm_file(f"{key}/{withdrawn}")
    employers = delivered["registry/employers.csv"]
    corrected = employers.replace(b"PT Satu Jaya", b"PT Satu Raya")
    assert corrected != employers and len(corrected) == len(employers)
    s3.pipe_file(f"{key}/registry/employers.csv", corrected)
    (staged_folder / "payroll" / ".half.csv.staging").write_bytes(b"npwp,ni")

    redelivered = steps.stage_delivery(PERIOD, root, tmp_path / "landing")
    assert (redelivered["copied"], redelivered["removed"]) == (1, 2)
    expected = {**delivered, "registry/employers.csv": corrected}
    del expected[withdrawn]
    assert local_files(staged_folder) == expected
    assert not (staged_folder / withdrawn).exists()


# --- the publication ----------------------------------------------------------------------------


def _publication(data: Path, files: dict[str, str]) -> None:
    folder = Layout(data, PERIOD).published
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text)
    (folder / "manifest.json").write_text(json.dumps({"period": PERIOD, "outputs": sorted(files)}))


def test_a_publication_is_mirrored_manifest_last_and_stale_files_removed(s3: Any, tmp_path: Path) -> None:
    root = f"s3://{BUCKET}/mirror"
    _publication(tmp_path, {"findings.csv": "a\n1\n", "workers.csv": "b\n", "old.csv": "x\n"})
    first = steps.mirror_publication(PERIOD, tmp_path, root)
    assert first["files"] == 4 and first["url"] == f"{root}/published/{PERIOD}"

    # The next publication of the period has no old.csv: the mirror drops it too.
    (Layout(tmp_path, PERIOD).published / "old.csv").unlink()
    _publication(tmp_path, {"findings.csv": "a\n2\n", "workers.csv": "b\n"})
    second = steps.mirror_publication(PERIOD, tmp_path, root)
    assert second["removed"] == 1

    base = f"{BUCKET}/mirror/published/{PERIOD}"
    s3.invalidate_cache()
    names = sorted(p.rsplit("/", 1)[-1] for p in s3.find(base))
    assert names == ["findings.csv", "manifest.json", "workers.csv"]
    assert s3.cat_file(f"{base}/findings.csv") == b"a\n2\n"


def test_a_local_root_and_a_missing_publication(tmp_path: Path) -> None:
    assert is_local("/srv/rekon") and is_local("file:///srv/rekon") and not is_local("s3://bucket/rekon")
    _publication(tmp_path / "data", {"findings.csv": "a\n"})
    steps.mirror_publication(PERIOD, tmp_path / "data", str(tmp_path / "mirror"))
    assert (tmp_path / "mirror" / "published" / PERIOD / "manifest.json").is_file()
    with pytest.raises(RekonError, match="no publication"):
        steps.mirror_publication("2026-09", tmp_path / "data", str(tmp_path / "mirror"))


def test_an_unreachable_store_is_a_one_line_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import s3fs

    # Nothing listens on port 9 (discard) here: the connection is refused at once.
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    # botocore's retries with back-off would take seconds for nothing here.
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    s3fs.S3FileSystem.clear_instance_cache()
    try:
        with pytest.raises(RekonError, match=f"cannot list s3://{BUCKET}/x/landing/{PERIOD}"):
            steps.delivery_status(PERIOD, tmp_path, storage=f"s3://{BUCKET}/x")
    finally:
        s3fs.S3FileSystem.clear_instance_cache()


# --- rekon run --storage, and the DAG with REKON_STORAGE -----------------------------------------


@pytest.fixture(scope="module")
def cli_run(s3: Any, demo_delivery: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """`rekon run --storage s3://...` on the demo delivery, found only in the bucket."""
    from pipeline.cli import main

    root, key = f"s3://{BUCKET}/cli", f"{BUCKET}/cli/landing/{PERIOD}"
    delivered = upload(s3, demo_delivery, key)
    folder = tmp_path_factory.mktemp("cli")
    landing, data = folder / "landing", folder / "data"
    argv = ["run", "--period", PERIOD, "--landing", str(landing), "--data", str(data), "--storage", root]
    started = time.perf_counter()
    status = main(argv)
    return {
        "status": status,
        "seconds": time.perf_counter() - started,
        "root": root,
        "delivered": delivered,
        "landing": landing,
        "published": Layout(data, PERIOD).published,
    }


def published_in(s3: Any, prefix: str) -> dict[str, bytes]:
    s3.invalidate_cache()
    return {p[len(prefix) + 1 :]: s3.cat_file(p) for p in s3.find(prefix)}


def test_rekon_run_reads_the_delivery_from_and_publishes_to_the_storage_root(
    s3: Any, cli_run: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli_run["status"] == 0
    print(f"rekon run --storage took {cli_run['seconds']:.1f} s")
    # The delivery was staged byte for byte into --landing ...
    assert local_files(cli_run["landing"] / PERIOD) == cli_run["delivered"]
    # ... and the publication mirrored: the same files, byte for byte, manifest.json included.
    mirrored = published_in(s3, f"{BUCKET}/cli/published/{PERIOD}")
    assert mirrored == local_files(cli_run["published"])
    findings = mirrored["findings.csv"]
    assert findings.startswith(b"period,category,") and findings.count(b"\n") > 1
    # A reader of the bucket can check every output against the manifest.
    manifest = json.loads(mirrored["manifest.json"])
    assert {o["path"] for o in manifest["outputs"]} >= set(COMPARED)
    for output in manifest["outputs"]:
        assert hashlib.sha256(mirrored[output["path"]]).hexdigest() == output["sha256"], output["path"]


def test_the_dag_reads_the_delivery_from_and_publishes_to_the_storage_root(
    airflow_db: Path,
    s3: Any,
    demo_delivery: Path,
    cli_run: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    record_property: pytest.RecordProperty,
) -> None:
    from airflow.dag_processing.dagbag import DagBag

    root, key = f"s3://{BUCKET}/dag", f"{BUCKET}/dag/landing/{PERIOD}"
    delivered = upload(s3, demo_delivery, key)
    landing, data = tmp_path / "landing", tmp_path / "data"
    # The delivery exists only in the bucket; the folders and the root come from the environment.
    monkeypatch.setenv("REKON_LANDING", str(landing))
    monkeypatch.setenv("REKON_DATA", str(data))
    monkeypatch.setenv("REKON_STORAGE", root)

    bag = DagBag(dag_folder=DAGS)
    assert bag.import_errors == {}
    dag = bag.dags["rekon_monthly"]
    dag.deadline = None  # dag.test() cannot prune a DeadlineAlert (see test_dag_run.load_dag)
    started = time.perf_counter()
    run = dag.test(logical_date=datetime(2026, 11, 1, tzinfo=UTC))
    record_property("dag_test_seconds", round(time.perf_counter() - started, 1))

    states = {f"{ti.task_id}[{ti.map_index}]": str(ti.state) for ti in run.get_task_instances()}
    assert run.state == "success", states
    settings = run.get_task_instance("settings")
    assert settings is not None and settings.xcom_pull(task_ids="settings", key="storage") == root
    assert local_files(landing / PERIOD) == delivered

    published = Layout(data, PERIOD).published
    mirrored = published_in(s3, f"{BUCKET}/dag/published/{PERIOD}")
    assert mirrored == local_files(published)
    assert "manifest.json" in mirrored
    # And the same lists `rekon run --storage` published.
    for name in COMPARED:
        assert mirrored[name] == (cli_run["published"] / name).read_bytes(), name
