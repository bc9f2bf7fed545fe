"""Bounded load test of the compliance portal on loopback, as branch offices use it.

Starts `rekon serve` (its own processes, on 127.0.0.1 and a free port) over a data folder (the
test fixture, or --data: a national one from `rekon demo-data --employers 500000` + `rekon run`),
then runs browser-like clients with no pause between requests at each client count of --levels
(default 1, 10, 50 and 100) for --seconds each (never more than 120). Each client logs in with
the form and its CSRF token (a session), then asks at random for the findings list (plain,
filtered, page 2), an employer page, the employer's workers as CSV, and downloads the filtered
list as CSV and XLSX and the whole scope as CSV. Half the clients see the whole country (admin),
half one province.

Prints, per level: the p95 of pages, of downloads to the first and to the last byte, of logins;
throughput; errors; and the server's CPU (all its processes, in cores). Sends traffic to
127.0.0.1 only and stops by itself.

--profile N instead asks for each kind of request N times in a row, one at a time (after one
of each to warm up), alternating the two users, and prints the server's CPU per request of each
kind: what the load test's throughput is made of, and a figure that other work on the machine
hardly changes (the server runs one worker process unless --workers says otherwise).

    .venv/bin/python bench/portal_load.py [--levels 1,10,50,100] [--seconds 30] [--data DIR]
        [--code DIR] [--workers N] [--profile N]

--code runs the server from another checkout (a before/after comparison); users go to a
throw-away portal database either way."""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

MAX_SECONDS = 120  # a hard cap whatever the command line says
PASSWORD = "kata-sandi-beban-123"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Target:
    period: str
    province: str  # the province user's scope
    keys: dict[str, list[str]]  # employer keys per user, for employer pages
    regency: str  # a regency of the province, for the filtered list


def _prepare(data: Path, db_url: str) -> Target:
    import duckdb

    from pipeline.portal.db import connect
    from pipeline.portal.published import Publications
    from pipeline.portal.users import add_user

    period = Publications(data).periods()[0]
    findings = str(data / "published" / period / "findings.parquet")
    con = duckdb.connect()
    province = con.execute(
        "select split_part(regency_code, '.', 1) p from read_parquet(?) where regency_code is not null "
        "group by p order by count(*) desc limit 1",
        [findings],
    ).fetchall()[0][0]
    regency = con.execute(
        "select regency_code from read_parquet(?) where split_part(regency_code, '.', 1) = ? "
        "group by 1 order by count(*) desc limit 1",
        [findings, province],
    ).fetchall()[0][0]
    sample = "select employer_key from read_parquet(?) where {} using sample 2000 rows (reservoir, 7)"
    keys = {
        "bebanadmin": [r[0] for r in con.execute(sample.format("true"), [findings]).fetchall()],
        "bebanprov": [
            r[0]
            for r in con.execute(
                sample.format("split_part(regency_code, '.', 1) = ?"), [findings, province]
            ).fetchall()
        ],
    }
    con.close()
    engine = connect(db_url)
    add_user(engine, "bebanprov", "analis", (province,), PASSWORD)
    add_user(engine, "bebanadmin", "admin", (), PASSWORD)
    engine.dispose()
    return Target(period, province, keys, regency)


SERVER = "import sys; from pipeline.cli import main; sys.exit(main())"


def _serve(code: Path, data: Path, db_url: str, port: int, workers: int) -> subprocess.Popen:
    """`rekon serve` of `code` in its own processes: the clients must not share its cores' GIL."""
    import httpx

    env = {
        **os.environ,
        "PYTHONPATH": str(code),
        "REKON_PORTAL_DB": db_url,
        # Plain HTTP on loopback: in production TLS ends at the reverse proxy.
        "REKON_PORTAL_INSECURE_COOKIES": "1",
    }
    args = [sys.executable, "-c", SERVER, "serve", "--data", str(data), "--port", str(port)]
    if workers:
        args += ["--workers", str(workers)]
    server = subprocess.Popen(args, cwd=code, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 180
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline or server.poll() is not None:
            server.kill()
            raise SystemExit("the portal did not start")
        time.sleep(0.5)


def _tree_cpu_seconds(root: int) -> float:
    """CPU time (user + system) of a process and all its descendants, from /proc."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry)] = int(fields[1])
        times[int(entry)] = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        for pid, ppid in parents.items():
            if ppid == parent and pid not in tree:
                tree.add(pid)
                frontier.append(pid)
    return sum(times.get(pid, 0.0) for pid in tree)


@dataclass
class Results:
    pages: list[float] = field(default_factory=list)
    first_byte: list[float] = field(default_factory=list)
    last_byte: list[float] = field(default_factory=list)
    logins: list[float] = field(default_factory=list)
    by_kind: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    bytes: int = 0

    def error(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1


def _requests(target: Target, user: str) -> list[tuple[str, str, str]]:
    """(kind, name, url) of what a client asks for: pages and downloads."""
    p = target.period
    key = random.choice(target.keys[user])
    region = target.regency
    return [
        ("page", "list", f"/periods/{p}/findings"),
        ("page", "list filtered", f"/periods/{p}/findings?kategori=PDS_TK&urut=iuran&arah=turun"),
        ("page", "list region", f"/periods/{p}/findings?wilayah={region}"),
        ("page", "list page 2", f"/periods/{p}/findings?hal=2"),
        ("page", "employer", f"/periods/{p}/employers/{key}"),
        ("download", "employer workers csv", f"/api/periods/{p}/workers.csv?cari={key}"),
        ("download", "filtered csv", f"/api/periods/{p}/findings.csv?wilayah={region}&kategori=PWBD"),
        ("download", "filtered xlsx", f"/api/periods/{p}/findings.xlsx?wilayah={region}&kategori=PWBD"),
        ("download", "whole scope csv", f"/api/periods/{p}/findings.csv"),
    ]


async def _client(base: str, target: Target, user: str, stop_at: float, results: Results) -> None:
    import httpx

    limits = httpx.Limits(max_connections=1)
    async with httpx.AsyncClient(base_url=base, timeout=60.0, limits=limits) as http:
        t0 = time.perf_counter()
        try:
            form = await http.get("/login")
            token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
            form_data = {"username": user, "password": PASSWORD, "csrf_token": token}
            done = await http.post("/login", data=form_data)
            if done.status_code != 303:
                results.error(f"login HTTP {done.status_code}")
                return
        except httpx.HTTPError as exc:
            results.error(f"login {type(exc).__name__}")
            return
        results.logins.append(time.perf_counter() - t0)
        while time.monotonic() < stop_at:
            kind, name, url = random.choice(_requests(target, user))
            t0 = time.perf_counter()
            first = None
            size = 0
            try:
                async with http.stream("GET", url) as response:
                    # raw bytes: a client that takes gzip keeps it; decompressing here would spend
                    # the server's cores on the client's side of the loopback
                    async for chunk in response.aiter_raw():
                        if first is None:
                            first = time.perf_counter() - t0
                        size += len(chunk)
                    if response.status_code != 200 or not size:
                        results.error(f"{name} HTTP {response.status_code}")
                        continue
            except httpx.HTTPError as exc:
                results.error(f"{name} {type(exc).__name__}")
                continue
            elapsed = time.perf_counter() - t0
            results.bytes += size
            results.by_kind.setdefault(name, []).append(elapsed)
            if kind == "page":
                results.pages.append(elapsed)
            else:
                results.first_byte.append(first if first is not None else elapsed)
                results.last_byte.append(elapsed)


async def _profile(base: str, target: Target, server_pid: int, rounds: int) -> None:
    """Server CPU per request of each kind, requests one at a time (see --profile)."""
    import httpx

    sessions = {}
    for user in ("bebanadmin", "bebanprov"):
        http = httpx.AsyncClient(base_url=base, timeout=120.0)
        token = re.search(r'name="csrf_token" value="([^"]+)"', (await http.get("/login")).text).group(1)
        done = await http.post("/login", data={"username": user, "password": PASSWORD, "csrf_token": token})
        if done.status_code != 303:
            raise SystemExit(f"login of {user}: HTTP {done.status_code}")
        sessions[user] = http
    names = [name for _, name, _ in _requests(target, "bebanadmin")]
    print("server CPU per request (ms), one at a time, after a warm-up request of each kind:")
    try:
        for index, name in enumerate(names):
            for warm in (True, False):
                count = 2 if warm else rounds
                cpu0, wall0, size = _tree_cpu_seconds(server_pid), time.perf_counter(), 0
                for i in range(count):
                    user = ("bebanadmin", "bebanprov")[i % 2]
                    url = _requests(target, user)[index][2]
                    async with sessions[user].stream("GET", url) as response:
                        async for chunk in response.aiter_raw():
                            size += len(chunk)
                    if response.status_code != 200:
                        raise SystemExit(f"{name}: HTTP {response.status_code}")
            cpu = (_tree_cpu_seconds(server_pid) - cpu0) / rounds * 1000
            wall = (time.perf_counter() - wall0) / rounds * 1000
            kilobytes = size / rounds / 1e3
            print(f"  {name:<22} {cpu:7.1f} ms CPU  {wall:7.1f} ms wall  {kilobytes:9.1f} kB", flush=True)
    finally:
        for http in sessions.values():
            await http.aclose()


def _p95(values: list[float]) -> str:
    if len(values) < 2:
        return f"{values[0] * 1000:.0f}" if values else "-"
    return f"{statistics.quantiles(values, n=100)[94] * 1000:.0f}"


async def _level(base: str, target: Target, clients: int, seconds: float) -> tuple[Results, float]:
    results = Results()
    started = time.monotonic()
    users = ["bebanadmin" if i % 2 == 0 else "bebanprov" for i in range(clients)]
    await asyncio.gather(*(_client(base, target, u, started + seconds, results) for u in users))
    return results, time.monotonic() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", default="1,10,50,100", help="client counts, comma-separated")
    parser.add_argument("--seconds", type=float, default=30.0, help="per level (at most 120)")
    parser.add_argument("--data", type=Path, help="an existing data folder (default: the test fixture)")
    parser.add_argument("--code", type=Path, default=REPO, help="the checkout whose server to run")
    parser.add_argument("--workers", type=int, default=0, help="server processes (default: the server's)")
    parser.add_argument("--profile", type=int, default=0, help="server CPU per request, N of each kind")
    args = parser.parse_args()
    seconds = min(args.seconds, MAX_SECONDS)
    levels = [int(n) for n in args.levels.split(",")]
    with tempfile.TemporaryDirectory(prefix="rekon-portal-load-") as tmp:
        work = Path(tmp)
        data = args.data
        if data is None:
            from tests.portal.fixture_data import build

            data = build(work)
        db_url = f"sqlite:///{work / 'portal.db'}"
        target = _prepare(data, db_url)
        port = _free_port()
        workers = args.workers or (1 if args.profile else 0)
        server = _serve(args.code.resolve(), data, db_url, port, workers)
        base = f"http://127.0.0.1:{port}"
        print(f"portal of {args.code} on {base}, period {target.period}, province user {target.province}")
        if args.profile:
            try:
                asyncio.run(_profile(base, target, server.pid, args.profile))
            finally:
                server.terminate()
                server.wait(timeout=60)
            return 0
        print(
            "clients  requests  ok/s   pages p95  first byte p95  last byte p95  login p95  "
            "server CPU  errors"
        )
        alive = False
        try:
            for clients in levels:
                cpu0 = _tree_cpu_seconds(server.pid)
                results, wall = asyncio.run(_level(base, target, clients, seconds))
                cpu = (_tree_cpu_seconds(server.pid) - cpu0) / wall
                ok = len(results.pages) + len(results.last_byte)
                failed = sum(results.errors.values())
                print(
                    f"{clients:>7}  {ok + failed:>8}  {ok / wall:>5.1f}  {_p95(results.pages):>7} ms  "
                    f"{_p95(results.first_byte):>11} ms  {_p95(results.last_byte):>10} ms  "
                    f"{_p95(results.logins):>6} ms  {cpu:>5.2f} cores  {failed} {results.errors or ''}",
                    flush=True,
                )
                detail = ", ".join(f"{k} {_p95(v)}" for k, v in sorted(results.by_kind.items()))
                rate = results.bytes / wall / 1e6
                print(f"         p95 ms by request: {detail}; {rate:.1f} MB/s", flush=True)
            import httpx

            alive = httpx.get(f"{base}/healthz", timeout=10).status_code == 200
        finally:
            server.terminate()
            server.wait(timeout=60)
    print(f"portal still serving afterwards: {'yes' if alive else 'NO'}")
    return 0 if alive else 1


if __name__ == "__main__":
    sys.exit(main())
