"""Bounded load test of the compliance portal on loopback.

Starts `rekon serve`'s app under uvicorn on 127.0.0.1 (a free port, its own process) with a
publication made from the test fixture, then lets N clients (default 50) download lists for at
most D seconds (default 60, never more than 120): findings CSV/XLSX with and without filters,
workers and coverage CSV, half over HTTP Basic (as scripts fetch) and half over sessions. Prints
throughput, latency percentiles and errors, and checks that the portal still answers afterwards.
Sends traffic to 127.0.0.1 only and stops by itself.

    .venv/bin/python bench/portal_load.py [--clients 50] [--seconds 60] [--data DIR]

With --data it reads an existing data folder (users go to a throw-away portal database)."""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

MAX_SECONDS = 120  # a hard cap whatever the command line says
PASSWORD = "kata-sandi-beban-123"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _prepare(data: Path | None, work: Path) -> tuple[Path, str, str]:
    from pipeline.portal.db import connect
    from pipeline.portal.published import Publications
    from pipeline.portal.users import add_user

    if data is None:
        from tests.portal.fixture_data import build

        data = build(work)
    period = Publications(data).periods()[0]
    db_url = f"sqlite:///{work / 'portal.db'}"
    engine = connect(db_url)
    add_user(engine, "beban62", "analis", ("62",), PASSWORD)
    add_user(engine, "bebanadmin", "admin", (), PASSWORD)
    engine.dispose()
    return data, period, db_url


SERVER = """
import sys, uvicorn
from pathlib import Path
from pipeline.portal.app import create_app
from pipeline.portal.config import Settings
data, db_url, port = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
# Plain HTTP on loopback: in production TLS ends at the reverse proxy and cookies are Secure.
app = create_app(Settings(data_dir=data, db_url=db_url, cookie_secure=False))
uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", server_header=False, backlog=512)
"""


def _serve(data: Path, db_url: str, port: int) -> subprocess.Popen:
    """The portal in its own process, as `rekon serve` runs it: the clients must not share its GIL."""
    import httpx

    server = subprocess.Popen([sys.executable, "-c", SERVER, str(data), db_url, str(port)], cwd=REPO)
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline or server.poll() is not None:
            server.kill()
            raise SystemExit("the portal did not start")
        time.sleep(0.2)


async def _client(
    base: str, period: str, stop_at: float, results: list, errors: dict, use_session: bool
) -> None:
    import httpx

    urls = [
        f"/api/periods/{period}/findings.csv",
        f"/api/periods/{period}/findings.csv?kategori=PDS_TK",
        f"/api/periods/{period}/findings.csv?wilayah=62.71&urut=iuran&arah=turun",
        f"/api/periods/{period}/findings.xlsx",
        f"/api/periods/{period}/workers.csv",
        f"/api/periods/{period}/coverage.csv",
    ]
    user = random.choice(["beban62", "bebanadmin"])
    async with httpx.AsyncClient(base_url=base, timeout=30.0) as http:
        auth = None
        if use_session:
            import re

            form = await http.get("/login")
            token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
            await http.post("/login", data={"username": user, "password": PASSWORD, "csrf_token": token})
        else:
            auth = (user, PASSWORD)
        while time.monotonic() < stop_at:
            url = random.choice(urls)
            t0 = time.perf_counter()
            try:
                response = await http.get(url, auth=auth)
                elapsed = time.perf_counter() - t0
                if response.status_code == 200 and response.content:
                    results.append((elapsed, len(response.content)))
                else:
                    errors[f"HTTP {response.status_code}"] = errors.get(f"HTTP {response.status_code}", 0) + 1
            except httpx.HTTPError as exc:
                errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1


async def _run(base: str, period: str, clients: int, seconds: float) -> tuple[list, dict, float]:
    results: list = []
    errors: dict = {}
    started = time.monotonic()
    stop_at = started + seconds
    # Half the clients authenticate like scripts (HTTP Basic), half like browsers (a session).
    await asyncio.gather(
        *(_client(base, period, stop_at, results, errors, i % 2 == 0) for i in range(clients))
    )
    return results, errors, time.monotonic() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--data", type=Path, help="an existing data folder (default: the test fixture)")
    args = parser.parse_args()
    seconds = min(args.seconds, MAX_SECONDS)
    os.environ.pop("REKON_PORTAL_DB", None)
    with tempfile.TemporaryDirectory(prefix="rekon-portal-load-") as tmp:
        data, period, db_url = _prepare(args.data, Path(tmp))
        port = _free_port()
        server = _serve(data, db_url, port)
        base = f"http://127.0.0.1:{port}"
        print(
            f"portal on {base}, period {period}, {args.clients} clients for {seconds:.0f} s ...", flush=True
        )
        results, errors, wall = asyncio.run(_run(base, period, args.clients, seconds))

        import httpx

        try:
            alive = httpx.get(f"{base}/healthz", timeout=10).status_code == 200
        finally:
            server.terminate()
            server.wait(timeout=30)
    latencies = sorted(r[0] for r in results)
    total = len(results) + sum(errors.values())
    failed = sum(errors.values())
    print(f"requests: {total:,} in {wall:.1f} s; ok {len(results):,}; errors {failed:,} {errors or ''}")
    if latencies:
        q = statistics.quantiles(latencies, n=100)
        megabytes = sum(r[1] for r in results) / 1e6
        print(f"throughput: {len(results) / wall:.1f} downloads/s, {megabytes / wall:.2f} MB/s")
        print(
            f"latency ms: p50 {q[49] * 1000:.0f}  p90 {q[89] * 1000:.0f}  p95 {q[94] * 1000:.0f}  "
            f"p99 {q[98] * 1000:.0f}  max {latencies[-1] * 1000:.0f}"
        )
    print(f"portal still serving afterwards: {'yes' if alive else 'NO'}")
    return 0 if alive and not errors else 1


if __name__ == "__main__":
    sys.exit(main())
