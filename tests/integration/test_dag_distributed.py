"""Airflow as it runs in production: separate scheduler, dag-processor, API server and workers.

Each test starts real Airflow components as subprocesses, with a throw-away AIRFLOW_HOME and a
fresh metadata database on this machine's PostgreSQL (`.ci/run` starts it, and Redis, when
they are down):

- `test_celery_run_publishes_what_rekon_run_publishes`: the CeleryExecutor, with Redis as the
  broker and a Celery worker process, runs October; its lists equal `rekon run`'s, byte for byte.
- `test_local_executor_backfill_clear_and_summaries`: the LocalExecutor backfills three months;
  each month equals `rekon run` over the same months; clearing a reconcile partition (and what
  follows it) republishes the same files; the asset-triggered summaries DAG writes per-branch
  summaries and e-mails them to an SMTP server in this process.

Tasks reach the metadata database only through the API server's Execution API, which checks
the JWT every component signs with the shared `AIRFLOW__API_AUTH__JWT_SECRET`. Every process is
stopped (SIGTERM, then SIGKILL) when a test ends, whatever its outcome, and the database dropped.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import socketserver
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
REDIS = ("127.0.0.1", 6379)
COMPARED = ("findings.csv", "workers.csv", "coverage.csv", "quarantine.csv", "resolved.csv")
PERIODS = ("2026-08", "2026-09", "2026-10")
EMPLOYERS = 200
# A whole run takes well under a minute here; the bound only stops a hung cluster.
RUN_TIMEOUT = 240


def _reachable(address: tuple[str, int]) -> bool:
    try:
        with socket.create_connection(address, timeout=2):
            return True
    except OSError:
        return False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module", autouse=True)
def services() -> None:
    missing = [
        name
        for name, addr in (("PostgreSQL", (PG["host"], PG["port"])), ("Redis", REDIS))
        if not _reachable(addr)
    ]
    if missing:
        message = f"{', '.join(missing)} not running on 127.0.0.1 (.ci/run starts them)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from pipeline.demo.generate import generate

    out = tmp_path_factory.mktemp("landing")
    generate(out, employers=EMPLOYERS, seed=20263, period=PERIODS[-1], periods=len(PERIODS))
    for period in PERIODS:
        # The agencies' "delivery complete" marker the DAG waits for.
        (out / period / "_READY").touch()
    return out


@pytest.fixture(scope="module")
def expected(landing: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """`rekon run` for the three months in order, with each month's wall time."""
    from pipeline.runner import run_period

    months = tmp_path_factory.mktemp("cli-months")
    seconds = {}
    for period in PERIODS:
        started = time.perf_counter()
        run_period(period, landing, months)
        seconds[period] = time.perf_counter() - started
    return {"months": months, "seconds": seconds}


class SmtpSink(socketserver.ThreadingTCPServer):
    """Just enough SMTP to receive what Airflow's SMTP hook sends, kept in `messages`."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _SmtpHandler)
        self.messages: list[dict[str, Any]] = []


class _SmtpHandler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        reply = self.wfile.write
        reply(b"220 rekon-test ESMTP\r\n")
        message: dict[str, Any] = {"to": []}
        while line := self.rfile.readline():
            command = line.decode("ascii", "replace").strip()
            verb = command[:4].upper()
            if verb in ("EHLO", "HELO"):
                reply(b"250 rekon-test\r\n")
            elif verb == "MAIL":
                message = {"from": command[10:].strip("<> "), "to": []}
                reply(b"250 OK\r\n")
            elif verb == "RCPT":
                message["to"].append(command[8:].strip("<> "))
                reply(b"250 OK\r\n")
            elif verb == "DATA":
                reply(b"354 end with <CRLF>.<CRLF>\r\n")
                body = []
                while (data := self.rfile.readline()) not in (b".\r\n", b""):
                    body.append(data)
                message["data"] = b"".join(body).decode("utf-8", "replace")
                self.server.messages.append(message)  # type: ignore[attr-defined]
                reply(b"250 OK queued\r\n")
            elif verb == "QUIT":
                reply(b"221 bye\r\n")
                return
            else:
                reply(b"250 OK\r\n")


class Cluster:
    """Airflow components as subprocesses against a fresh database; `stop()` ends them all."""

    def __init__(self, root: Path, executor: str, extra_env: dict[str, str]) -> None:
        self.root = root
        self.executor = executor
        self.database = f"rekon_airflow_test_{executor.lower()}_{uuid.uuid4().hex[:6]}"
        self.home = root / "airflow-home"
        self.home.mkdir(parents=True)
        self.logs = root / "logs"
        self.logs.mkdir()
        self.processes: dict[str, subprocess.Popen] = {}
        self.api_port = _free_port()
        conn = f"postgresql+psycopg://{PG['user']}@{PG['host']}:{PG['port']}/{self.database}"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "REKON_"))}
        env.update(
            {
                "AIRFLOW_HOME": str(self.home),
                "AIRFLOW_CONFIG": str(self.home / "airflow.cfg"),
                "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
                "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
                "AIRFLOW__CORE__EXECUTOR": executor,
                "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
                # No scheduled runs: only the runs a test triggers or backfills, whatever the date.
                "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
                "AIRFLOW__CORE__PARALLELISM": "4",
                "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": conn,
                # psycopg 3 serves the async engine too (Airflow would otherwise want asyncpg).
                "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC": conn,
                # The secret every component shares: the API server checks the tokens the
                # scheduler issues to the tasks with it.
                "AIRFLOW__API_AUTH__JWT_SECRET": uuid.uuid4().hex,
                "AIRFLOW__API__SECRET_KEY": uuid.uuid4().hex,
                "AIRFLOW__API__PORT": str(self.api_port),
                "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{self.api_port}/execution/",
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
                "AIRFLOW__CELERY__BROKER_URL": f"redis://{REDIS[0]}:{REDIS[1]}/0",
                "AIRFLOW__CELERY__RESULT_BACKEND": f"db+{conn}",
                # A queue of its own: nothing else on this Redis takes these tasks.
                "AIRFLOW__OPERATORS__DEFAULT_QUEUE": f"rekon-test-{uuid.uuid4().hex[:8]}",
                "AIRFLOW__CELERY__WORKER_CONCURRENCY": "2",
                "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(_free_port()),
                "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(_free_port()),
                # Quick turns: the defaults are tuned for hundreds of DAGs, not a test.
                "AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME": "0.5",
                "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
                "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "5",
                "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
                **extra_env,
            }
        )
        self.env = env

    # --- processes ---------------------------------------------------------------------------
    def airflow(self, *args: str, timeout: float = 120) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "airflow", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if result.returncode != 0:
            raise AssertionError(f"airflow {' '.join(args)} failed:\n{result.stderr[-3000:]}")
        return result.stdout

    def start(self, name: str, *args: str) -> None:
        log = (self.logs / f"{name}.log").open("w")
        self.processes[name] = subprocess.Popen(
            [sys.executable, "-m", "airflow", *args],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            # Its own process group: stop() ends the component and every child it forked.
            start_new_session=True,
        )

    def up(self) -> None:
        self._sql(f'create database "{self.database}"', database="postgres")
        self.airflow("db", "migrate", timeout=300)
        self.start("api-server", "api-server", "--port", str(self.api_port), "--workers", "1")
        self.start("scheduler", "scheduler")
        self.start("dag-processor", "dag-processor")
        if self.executor == "CeleryExecutor":
            queue = self.env["AIRFLOW__OPERATORS__DEFAULT_QUEUE"]
            self.start("celery-worker", "celery", "worker", "--queues", queue, "--concurrency", "2")
        self.wait(self._api_ready, 120, "the API server to answer")
        self.wait(self._dags_parsed, 120, "the dag-processor to parse dags/")

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 30
        for process in self.processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        try:
            self._sql(f'drop database if exists "{self.database}" with (force)', database="postgres")
        except Exception as exc:  # never hide the test's own failure behind a clean-up one
            print(f"could not drop {self.database}: {exc}")

    def check_alive(self) -> None:
        dead = {name: p.returncode for name, p in self.processes.items() if p.poll() is not None}
        if dead:
            raise AssertionError(f"Airflow components exited: {dead}\n{self.tail_logs()}")

    def tail_logs(self, lines: int = 40) -> str:
        out = []
        for path in sorted(self.logs.glob("*.log")):
            text = path.read_text(errors="replace").splitlines()[-lines:]
            out.append(f"--- {path.name}\n" + "\n".join(text))
        return "\n".join(out)

    # --- metadata database -------------------------------------------------------------------
    def _sql(self, sql: str, params: tuple = (), database: str | None = None) -> list[tuple]:
        import psycopg

        with psycopg.connect(**PG, dbname=database or self.database, autocommit=True) as con:
            cursor = con.execute(sql, params)
            return cursor.fetchall() if cursor.description else []

    def _api_ready(self) -> bool:
        return _reachable(("127.0.0.1", self.api_port))

    def _dags_parsed(self) -> bool:
        rows = self._sql("select dag_id from serialized_dag")
        return {"rekon_monthly", "rekon_branch_summaries"} <= {r[0] for r in rows}

    def wait(self, condition, timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.check_alive()
            if condition():
                return
            time.sleep(0.5)
        raise AssertionError(f"timed out waiting for {what}\n{self.tail_logs()}")

    def runs(self, dag_id: str) -> list[tuple[str, str, Any]]:
        return self._sql(
            "select run_id, state, logical_date from dag_run where dag_id = %s order by logical_date",
            (dag_id,),
        )

    def wait_for_runs(self, dag_id: str, count: int, timeout: float = RUN_TIMEOUT) -> list[tuple]:
        """Wait until `count` runs of the DAG have finished; fail at once on a failed one."""

        def finished() -> bool:
            states = [state for _, state, _ in self.runs(dag_id)]
            if "failed" in states:
                raise AssertionError(f"{dag_id} failed: {self.task_states(dag_id)}\n{self.tail_logs()}")
            return states.count("success") >= count

        self.wait(finished, timeout, f"{count} successful run(s) of {dag_id}")
        return self.runs(dag_id)

    def task_timings(self, dag_id: str) -> list[tuple]:
        """(task, map index, rendered map index, queued, started, seconds) of the latest run."""
        return self._sql(
            "select task_id, map_index, rendered_map_index, queued_dttm, start_date, duration "
            "from task_instance where dag_id = %s and run_id = "
            "(select run_id from dag_run where dag_id = %s order by logical_date desc limit 1) "
            "order by start_date",
            (dag_id, dag_id),
        )

    def task_states(self, dag_id: str) -> list[tuple]:
        return self._sql(
            "select run_id, task_id, map_index, state, try_number from task_instance "
            "where dag_id = %s order by run_id, task_id, map_index",
            (dag_id,),
        )


@pytest.fixture
def cluster_factory(tmp_path: Path) -> Iterator[Any]:
    clusters: list[Cluster] = []

    def make(executor: str, **extra_env: str) -> Cluster:
        cluster = Cluster(tmp_path / executor, executor, extra_env)
        clusters.append(cluster)
        cluster.up()
        return cluster

    yield make
    for cluster in clusters:
        cluster.stop()


def assert_same_publication(published: Path, expected: Path) -> None:
    for name in COMPARED:
        assert (published / name).read_bytes() == (expected / name).read_bytes(), f"{published.name}/{name}"


def test_celery_run_publishes_what_rekon_run_publishes(
    cluster_factory: Any,
    landing: Path,
    expected: dict[str, Any],
    tmp_path: Path,
    record_property: pytest.RecordProperty,
) -> None:
    data = tmp_path / "data"
    # September as `rekon run` published it: October's history (BARU/BERULANG, SELESAI) then
    # matches the CLI's October, which followed September in the same data folder.
    september = Path("published") / PERIODS[-2]
    shutil.copytree(expected["months"] / september, data / september)
    started = time.perf_counter()
    cluster = cluster_factory(
        "CeleryExecutor", AIRFLOW_VAR_REKON_LANDING=str(landing), AIRFLOW_VAR_REKON_DATA=str(data)
    )
    startup = time.perf_counter() - started

    started = time.perf_counter()
    cluster.airflow("dags", "trigger", "rekon_monthly", "--logical-date", "2026-11-01T00:00:00+00:00")
    cluster.wait_for_runs("rekon_monthly", 1)
    seconds = time.perf_counter() - started
    cli = expected["seconds"][PERIODS[-1]]
    record_property("celery_run_seconds", round(seconds, 1))
    record_property("cli_run_seconds", round(cli, 1))
    print(f"Celery cluster up in {startup:.1f} s; run {seconds:.1f} s; `rekon run` {cli:.1f} s")
    for task_id, map_index, label, queued, started_at, duration in cluster.task_timings("rekon_monthly"):
        print(
            f"  {task_id}[{label or map_index}] queued {queued:%H:%M:%S} started {started_at:%H:%M:%S} "
            f"took {duration or 0:.1f} s"
        )

    october = Path("published") / PERIODS[-1]
    assert_same_publication(data / october, expected["months"] / october)
    # The Celery worker ran the tasks, one mapped instance per province present.
    states = cluster.task_states("rekon_monthly")
    partitions = [row for row in states if row[1] == "reconcile_partition"]
    assert len(partitions) >= 2 and all(row[3] == "success" for row in partitions), partitions
    queues = {row[0] for row in cluster._sql("select distinct queue from task_instance")}
    assert queues == {cluster.env["AIRFLOW__OPERATORS__DEFAULT_QUEUE"]}, queues
    # The teardown gave the period back: `rekon run` may work on it again.
    assert not (data / "work" / PERIODS[-1] / ".claim").exists()


def test_local_executor_backfill_clear_and_summaries(
    cluster_factory: Any, landing: Path, expected: dict[str, Any], tmp_path: Path
) -> None:
    data = tmp_path / "data"
    with SmtpSink() as smtp:
        threading.Thread(target=smtp.serve_forever, daemon=True).start()
        connection = {
            "conn_type": "smtp",
            "host": "127.0.0.1",
            "port": smtp.server_address[1],
            "extra": {"from_email": "rekon@bpjs.test", "disable_tls": True, "disable_ssl": True},
        }
        cluster = cluster_factory(
            "LocalExecutor",
            AIRFLOW_VAR_REKON_LANDING=str(landing),
            AIRFLOW_VAR_REKON_DATA=str(data),
            AIRFLOW_CONN_REKON_SMTP=json.dumps(connection),
            AIRFLOW_VAR_REKON_BRANCH_RECIPIENTS=json.dumps({"*": ["pusat@bpjs.test"]}),
        )

        # Runs on 1 September, 1 October and 1 November reconcile August, September, October.
        cluster.airflow(
            "backfill", "create", "--dag-id", "rekon_monthly",
            "--from-date", "2026-09-01T00:00:00+00:00", "--to-date", "2026-11-01T00:00:00+00:00",
            "--max-active-runs", "1",
        )  # fmt: skip
        runs = cluster.wait_for_runs("rekon_monthly", len(PERIODS), timeout=RUN_TIMEOUT * 2)
        assert [r[2].strftime("%Y-%m") for r in runs] == ["2026-09", "2026-10", "2026-11"]
        for period in PERIODS:
            # History (BARU/BERULANG, SELESAI) carries over between months exactly as in the CLI.
            assert_same_publication(data / "published" / period, expected["months"] / "published" / period)

        # Clear one province's reconcile and everything after it in October's run: Airflow
        # re-runs the claim (setup) and its release (teardown) with them; same files again.
        october = data / "published" / PERIODS[-1]
        before = {name: (october / name).read_bytes() for name in COMPARED}
        cluster.airflow(
            "tasks", "clear", "rekon_monthly", "--task-regex", "^reconcile_partition$", "--downstream",
            "--start-date", "2026-11-01T00:00:00+00:00", "--end-date", "2026-11-01T00:00:00+00:00", "--yes",
        )  # fmt: skip
        cluster.wait(
            lambda: cluster.runs("rekon_monthly")[-1][1] == "success" and _publish_ran_again(cluster),
            RUN_TIMEOUT,
            "the cleared run to succeed again",
        )
        assert {name: (october / name).read_bytes() for name in COMPARED} == before
        assert not (data / "work" / PERIODS[-1] / ".claim").exists()

        # Every publish updated the asset; the summaries DAG ran on it and mailed the branches.
        cluster.wait_for_runs("rekon_branch_summaries", 1)
        summaries = data / "summaries"
        branch_files = sorted(p.name for p in summaries.glob("*/*.csv"))
        assert any(name == "branches.csv" for name in branch_files), branch_files
        cluster.wait(lambda: len(smtp.messages) > 0, 60, "a summary e-mail")
        assert smtp.messages[0]["to"] == ["pusat@bpjs.test"]
        assert "Rekon 2026-" in smtp.messages[0]["data"]
        smtp.shutdown()


def _publish_ran_again(cluster: Cluster) -> bool:
    """Whether October's publish task has succeeded again (its second try) since the clear."""
    rows = cluster._sql(
        "select state, try_number from task_instance where dag_id = 'rekon_monthly' "
        "and task_id = 'publish' and run_id = (select run_id from dag_run where dag_id = 'rekon_monthly' "
        "order by logical_date desc limit 1)"
    )
    return bool(rows) and rows[0][0] == "success" and rows[0][1] >= 2
