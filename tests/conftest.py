"""Shared test set-up.

Airflow reads its configuration once, when it is first imported, so the environment that points
it at a throw-away home, this repo's dags/ and a private SQLite database is set here, at conftest
import, before any test module can import airflow. Nothing here imports airflow itself: unit
tests that never touch it pay nothing, and the metadata database is only created by the
`airflow_db` fixture, the first time an integration test asks for it.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DAGS = REPO / "dags"

# The package is not necessarily pip-installed in the dev venv; tests import it from the checkout.
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

_AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="rekon-airflow-"))

# Set unconditionally: tests must never read or write a developer's real ~/airflow or its DB.
os.environ.update(
    {
        "AIRFLOW_HOME": str(_AIRFLOW_HOME),
        "AIRFLOW_CONFIG": str(_AIRFLOW_HOME / "airflow.cfg"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{_AIRFLOW_HOME / 'airflow.db'}",
        # Airflow's own unit_test_mode is deliberately not used: it swaps in Airflow's test config
        # (e.g. create_cron_data_intervals=True), so tests would not see production behaviour.
    }
)
# An operator's own folders must not leak into tests; each test passes its own.
for _name in (
    "REKON_LANDING",
    "REKON_DATA",
    "REKON_STORAGE",
    "AIRFLOW_VAR_REKON_LANDING",
    "AIRFLOW_VAR_REKON_DATA",
    "AIRFLOW_VAR_REKON_STORAGE",
):
    os.environ.pop(_name, None)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "real_scheduler: starts real Airflow components on PostgreSQL (CI runs them; "
        "`-m 'not real_scheduler'` leaves them out)",
    )


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(_AIRFLOW_HOME, ignore_errors=True)


@pytest.fixture(scope="session")
def airflow_db() -> Iterator[Path]:
    """An initialised, empty Airflow metadata DB (SQLite), created once per session."""
    from airflow.utils import db

    # initdb creates the schema straight from the ORM on an empty database (faster than
    # replaying every migration) and adds the default pool that task instances need.
    db.initdb()
    yield _AIRFLOW_HOME / "airflow.db"
