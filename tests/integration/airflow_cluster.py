"""Real Airflow components as subprocesses, for the tests that run Rekon's DAGs as production does.

`Cluster` starts the api-server, scheduler, dag-processor and triggerer (and, for the
CeleryExecutor, a Celery worker) with a throw-away AIRFLOW_HOME and a fresh metadata database
`airflow_wt_<executor>_<random>` on this machine's PostgreSQL (`.ci/run` starts it, and Redis,
when they are down), on free ports. Tasks reach the metadata database only through the API
server's Execution API, which checks the JWT every component signs with the shared
`AIRFLOW__API_AUTH__JWT_SECRET`. `cluster_factory` stops every process (SIGTERM to its process
group, then SIGKILL) when a test ends, whatever its outcome, and drops the database; a SIGTERM to
pytest itself runs that clean-up too. `SmtpSink` is just enough SMTP server to receive the mail
Airflow sends.
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
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
REDIS = ("127.0.0.1", 6379)
COMPARED = ("findings.csv", "workers.csv", "coverage.csv", "quarantine.csv", "resolved.csv")
# A whole run takes well under a minute here; the bound only stops a hung cluster.
RUN_TIMEOUT = 240


def _reachable(address: tuple[str, int]) -> bool:
    try:
        with socket.create_connection(address, timeout=2):
            return True
    except OSError:
        return False


def postgres_reachable() -> bool:
    """Whether this machine's PostgreSQL (the clusters' metadata databases) answers."""
    return _reachable((PG["host"], PG["port"]))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
        self.database = f"airflow_wt_{executor.lower()}_{uuid.uuid4().hex[:8]}"
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
                "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO / "plugins"),
                "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
                "AIRFLOW__CORE__EXECUTOR": executor,
                "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
                # No scheduled runs: only the runs a test triggers or backfills, whatever the date.
                "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
                # Two cores: more tasks at once only makes each slower.
                "AIRFLOW__CORE__PARALLELISM": "2",
                "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": conn,
                # psycopg 3 serves the async engine too (Airflow would otherwise want asyncpg).
                "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC": conn,
                # The secret every component shares: the API server checks the tokens the
                # scheduler issues to the tasks with it.
                "AIRFLOW__API_AUTH__JWT_SECRET": uuid.uuid4().hex,
                "AIRFLOW__API__SECRET_KEY": uuid.uuid4().hex,
                "AIRFLOW__API__PORT": str(self.api_port),
                "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{self.api_port}/execution/",
                # A shared, loaded machine answers slower than the 5 s default.
                "AIRFLOW__WORKERS__EXECUTION_API_TIMEOUT": "30",
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
                "AIRFLOW__CELERY__BROKER_URL": f"redis://{REDIS[0]}:{REDIS[1]}/0",
                "AIRFLOW__CELERY__RESULT_BACKEND": f"db+{conn}",
                # A queue of its own: nothing else on this Redis takes these tasks.
                "AIRFLOW__OPERATORS__DEFAULT_QUEUE": f"rekon-test-{uuid.uuid4().hex[:8]}",
                "AIRFLOW__CELERY__WORKER_CONCURRENCY": "2",
                "AIRFLOW__CELERY__CELERY_CONFIG_OPTIONS": "pipeline.celery_config.CELERY_CONFIG",
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

    def start(self, name: str, *args: str, **env: str) -> None:
        log = (self.logs / f"{name}.log").open("a")
        self.processes[name] = subprocess.Popen(
            [sys.executable, "-m", "airflow", *args],
            env={**self.env, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
            # Its own process group: stop() ends the component and every child it forked.
            start_new_session=True,
        )

    def up(self) -> None:
        self.sql(f'create database "{self.database}"', database="postgres")
        self.airflow("db", "migrate", timeout=300)
        self.start("api-server", "api-server", "--port", str(self.api_port), "--workers", "1")
        self.start("scheduler", "scheduler")
        self.start("dag-processor", "dag-processor")
        self.start("triggerer", "triggerer")
        if self.executor == "CeleryExecutor":
            queue = self.env["AIRFLOW__OPERATORS__DEFAULT_QUEUE"]
            self.start("celery-worker", "celery", "worker", "--queues", queue, "--concurrency", "2")
        self.wait(self._api_ready, 120, "the API server to answer")
        self.wait(self._dags_parsed, 120, "the dag-processor to parse dags/")

    def restart(self, name: str, *args: str, **env: str) -> None:
        process = self.processes.pop(name)
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)
        self.start(name, *args, **env)

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for process in self.processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        try:
            self.sql(f'drop database if exists "{self.database}" with (force)', database="postgres")
            self._forget_queue()
        except Exception as exc:  # never hide the test's own failure behind a clean-up one
            print(f"could not clean up {self.database}: {exc}")

    def _forget_queue(self) -> None:
        """Drop the test's Celery queue and Kombu's bindings for it from the shared Redis."""
        import redis

        queue = self.env["AIRFLOW__OPERATORS__DEFAULT_QUEUE"]
        client = redis.Redis(host=REDIS[0], port=REDIS[1], db=0)
        try:
            for key in client.scan_iter(match=f"*{queue}*"):
                client.delete(key)
        finally:
            client.close()

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
    def sql(self, sql: str, params: tuple = (), database: str | None = None) -> list[tuple]:
        import psycopg

        with psycopg.connect(**PG, dbname=database or self.database, autocommit=True) as con:
            cursor = con.execute(sql, params)
            return cursor.fetchall() if cursor.description else []

    def _api_ready(self) -> bool:
        return _reachable(("127.0.0.1", self.api_port))

    def _dags_parsed(self) -> bool:
        rows = self.sql("select dag_id from serialized_dag")
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
        return self.sql(
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
        return self.sql(
            "select task_id, map_index, rendered_map_index, queued_dttm, start_date, duration "
            "from task_instance where dag_id = %s and run_id = "
            "(select run_id from dag_run where dag_id = %s order by logical_date desc limit 1) "
            "order by start_date",
            (dag_id, dag_id),
        )

    def api(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """The public REST API, as an admin (SimpleAuthManager with every user an admin)."""
        base = f"http://127.0.0.1:{self.api_port}"
        with urllib.request.urlopen(f"{base}/auth/token", timeout=30) as answer:
            token = json.loads(answer.read())["access_token"]
        request = urllib.request.Request(
            f"{base}{path}",
            method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as answer:
            return json.loads(answer.read() or b"null")

    def run_state(self, dag_id: str, run_id: str) -> str | None:
        rows = self.sql("select state from dag_run where dag_id = %s and run_id = %s", (dag_id, run_id))
        return rows[0][0] if rows else None

    def wait_for_run(self, dag_id: str, run_id: str, timeout: float = RUN_TIMEOUT) -> str:
        """Wait until the run has finished; its final state."""
        self.wait(
            lambda: self.run_state(dag_id, run_id) in ("success", "failed"), timeout, f"{run_id} to finish"
        )
        return str(self.run_state(dag_id, run_id))

    def tries(self, dag_id: str, run_id: str) -> dict[str, tuple[str, int]]:
        """Each task instance of a run: (state, try number)."""
        rows = self.sql(
            "select task_id, map_index, state, try_number from task_instance "
            "where dag_id = %s and run_id = %s",
            (dag_id, run_id),
        )
        return {f"{task}[{index}]": (state, tries) for task, index, state, tries in rows}

    def task_states(self, dag_id: str) -> list[tuple]:
        return self.sql(
            "select run_id, task_id, map_index, state, try_number from task_instance "
            "where dag_id = %s order by run_id, task_id, map_index",
            (dag_id,),
        )


@contextmanager
def clusters(root: Path) -> Iterator[Any]:
    """`make(executor, **env)` starts a Cluster under `root`; all of them stop when the block ends."""
    started: list[Cluster] = []

    def make(executor: str, **extra_env: str) -> Cluster:
        cluster = Cluster(root / executor, executor, extra_env)
        started.append(cluster)
        cluster.up()
        return cluster

    # pytest dies on SIGTERM (a CI timeout) without running fixture teardown: turn it into an
    # exception so the components do not outlive the test.
    previous = signal.signal(signal.SIGTERM, _raise_system_exit)
    try:
        yield make
    finally:
        signal.signal(signal.SIGTERM, previous)
        for cluster in started:
            cluster.stop()


def _raise_system_exit(signum: int, frame: Any) -> None:
    raise SystemExit(f"terminated by signal {signum}")


def assert_same_publication(published: Path, expected: Path) -> None:
    for name in COMPARED:
        assert (published / name).read_bytes() == (expected / name).read_bytes(), f"{published.name}/{name}"


def print_timings(cluster: Cluster, dag_id: str) -> None:
    def clock(moment: Any) -> str:
        return f"{moment:%H:%M:%S}" if moment else "-"

    for task_id, map_index, label, queued, started_at, duration in cluster.task_timings(dag_id):
        print(
            f"  {task_id}[{label or map_index}] queued {clock(queued)} started {clock(started_at)} "
            f"took {duration or 0:.1f} s"
        )


# What a delivery must hold: the registry and payroll, no optional source (fewer tasks per run).
REQUIRED = ("registry/employers", "registry/participants", "payroll")


def copy_required_delivery(landing: Path, target: Path, period: str) -> None:
    """Copy `period`'s registry and payroll from one landing folder to another, marked ready."""
    for part in REQUIRED:
        for path in (landing / period).glob(part + "*"):
            copy = target / period / path.relative_to(landing / period)
            copy.parent.mkdir(parents=True, exist_ok=True)
            (shutil.copytree if path.is_dir() else shutil.copy2)(path, copy)
    (target / period / "_READY").touch()
