"""docker-compose.yml, Dockerfile and .env.example, checked statically (no Docker engine here).

What a `docker compose up` needs and what an operator relies on: every service of the official
Airflow 3 CeleryExecutor layout, start-up order on health, a healthcheck everywhere, one JWT
secret for all Airflow components, the project baked into the image from the runtime lock (no
dev extras), the shared data volume, the portal, every variable the compose file needs in
.env.example; and for production: airflow-init refuses placeholder secrets (its own shell check
is run here), the FAB auth manager with an admin and a read-only Viewer account, and workers
given longer to stop than the longest task's clean stop.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
AIRFLOW_SERVICES = (
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
    "airflow-worker",
)
LONG_RUNNING = ("postgres", "redis", *AIRFLOW_SERVICES, "portal")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, Any]:
    return compose["services"]


@pytest.fixture(scope="module")
def env_example() -> dict[str, str]:
    values = {}
    for line in (REPO / ".env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


def _env(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment", {})
    return dict(env) if isinstance(env, dict) else dict(item.split("=", 1) for item in env)


def test_the_official_airflow_3_services_are_there(services: dict[str, Any]) -> None:
    assert set(LONG_RUNNING) | {"airflow-init"} <= set(services)
    assert services["airflow-apiserver"]["command"] == "api-server"
    assert services["airflow-scheduler"]["command"] == "scheduler"
    assert services["airflow-dag-processor"]["command"] == "dag-processor"
    assert services["airflow-triggerer"]["command"] == "triggerer"
    assert services["airflow-worker"]["command"] == "celery worker"


def test_every_long_running_service_has_a_healthcheck(services: dict[str, Any]) -> None:
    for name in LONG_RUNNING:
        check = services[name].get("healthcheck")
        assert check and check["test"], name
        assert check.get("interval") and check.get("retries"), name


def test_services_start_in_order_on_health(services: dict[str, Any]) -> None:
    for name in (*AIRFLOW_SERVICES, "airflow-init"):
        depends = services[name]["depends_on"]
        assert depends["postgres"] == {"condition": "service_healthy"}, name
        assert depends["redis"] == {"condition": "service_healthy"}, name
    for name in AIRFLOW_SERVICES:
        # The schema exists before anything reads it.
        assert services[name]["depends_on"]["airflow-init"] == {
            "condition": "service_completed_successfully"
        }, name
    # Workers report to the Execution API: it must answer before they take tasks.
    assert services["airflow-worker"]["depends_on"]["airflow-apiserver"] == {"condition": "service_healthy"}
    assert services["portal"]["depends_on"]["airflow-init"] == {"condition": "service_completed_successfully"}
    assert _env(services["airflow-init"])["_AIRFLOW_DB_MIGRATE"] == "true"


def test_airflow_components_share_one_configuration_and_jwt_secret(services: dict[str, Any]) -> None:
    envs = [_env(services[name]) for name in (*AIRFLOW_SERVICES, "airflow-init")]
    for env in envs:
        assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
        # Interpolated from .env, never a literal in a committed file.
        assert env["AIRFLOW__API_AUTH__JWT_SECRET"] == "${AIRFLOW__API_AUTH__JWT_SECRET}"
        assert env["AIRFLOW__CORE__FERNET_KEY"] == "${AIRFLOW__CORE__FERNET_KEY}"
        assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://airflow-apiserver:8080/execution/"
        assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql+psycopg://")
        assert env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://")
        assert env["AIRFLOW__CORE__DAGS_FOLDER"] == "/opt/rekon/dags"
        assert env["AIRFLOW__CORE__PLUGINS_FOLDER"] == "/opt/rekon/plugins"
        assert "_PIP_ADDITIONAL_REQUIREMENTS" not in env
    assert all(env == envs[0] for env in envs[:-2]), "Airflow services disagree on their configuration"


def test_the_image_is_built_from_the_lock_file(services: dict[str, Any]) -> None:
    dockerfile = (REPO / "Dockerfile").read_text()
    assert re.search(r"^FROM apache/airflow:\$\{AIRFLOW_VERSION\}-python", dockerfile, re.M)
    assert re.search(r"^ARG AIRFLOW_VERSION=3\.3\.2$", dockerfile, re.M)
    assert re.search(r"pip install .*-r /opt/rekon/requirements-runtime\.lock", dockerfile)
    assert not re.search(r"^(COPY|RUN) .*\brequirements\.lock", dockerfile, re.M)
    assert re.search(r"pip install .*--no-deps -e /opt/rekon", dockerfile)
    assert "_PIP_ADDITIONAL_REQUIREMENTS" not in (REPO / "docker-compose.yml").read_text()
    # The image holds what the DAGs import at run time.
    for folder in ("pipeline", "sql", "expectations", "dags", "plugins"):
        assert re.search(rf"^COPY .*\b{folder} /opt/rekon/{folder}$", dockerfile, re.M), folder
    lock = (REPO / "requirements-runtime.lock").read_text()
    pins = {line.split("==")[0] for line in lock.splitlines() if "==" in line and not line.startswith(" ")}
    for pinned in ("apache-airflow==3.3.2", "apache-airflow-providers-celery==", "psycopg==", "redis=="):
        assert pinned in lock, pinned
    for pinned in ("apache-airflow-providers-fab", "apache-airflow-providers-smtp"):
        assert pinned in pins, pinned
    # The runtime image holds no dev extras (D13).
    assert not pins & {"pytest", "playwright", "moto", "hypothesis", "ruff"}, pins & {"pytest", "playwright"}
    for name in (*AIRFLOW_SERVICES, "portal"):
        assert services[name]["build"]["dockerfile"] == "Dockerfile", name
    ignored = (REPO / ".dockerignore").read_text().split()
    assert {".git", ".env", ".venv"} <= set(ignored)


def test_the_data_folder_is_shared_by_every_worker_and_the_portal(services: dict[str, Any]) -> None:
    for name in (*AIRFLOW_SERVICES, "portal"):
        targets = {volume.rsplit(":", 1)[-1] for volume in services[name]["volumes"]}
        assert "/data" in targets, name
    for name in AIRFLOW_SERVICES:
        assert "/landing" in {v.rsplit(":", 1)[-1] for v in services[name]["volumes"]}, name
        assert _env(services[name])["REKON_DATA"] == "/data"
    assert "postgres-db-volume:/var/lib/postgresql/data" in services["postgres"]["volumes"]


def test_the_portal_serves_the_publications(services: dict[str, Any]) -> None:
    portal = services["portal"]
    assert portal["command"] == ["rekon", "serve", "--data", "/data", "--host", "0.0.0.0", "--port", "8000"]
    assert "/healthz" in " ".join(portal["healthcheck"]["test"])
    # Not an Airflow component: none of Airflow's secrets.
    assert not any(key.startswith("AIRFLOW__") for key in _env(portal))
    assert "env_file" not in portal


def test_env_example_defines_every_variable_the_compose_file_needs(env_example: dict[str, str]) -> None:
    text = (REPO / "docker-compose.yml").read_text()
    # ${NAME} without a default must come from .env; ${NAME:-default} may.
    # ($${NAME} is escaped: the container's own shell expands it.)
    needed = set(re.findall(r"(?<!\$)\$\{([A-Z0-9_]+)\}", text))
    assert needed <= set(env_example), needed - set(env_example)
    for secret in ("AIRFLOW__API_AUTH__JWT_SECRET", "AIRFLOW__CORE__FERNET_KEY", "POSTGRES_PASSWORD"):
        assert env_example[secret] == "change-me", secret
    # And the optional ones an operator is likely to set are documented there too.
    optional = set(re.findall(r"(?<!\$)\$\{([A-Z0-9_]+):-", text)) - {"AIRFLOW_PROJ_DIR", "REKON_IMAGE"}
    assert optional <= set(env_example), optional - set(env_example)


def test_readme_deployment_section_matches_the_files(services: dict[str, Any]) -> None:
    readme = (REPO / "README.md").read_text()
    assert "## Deployment" in readme
    deployment = readme[readme.index("## Deployment") :]
    for step in ("cp .env.example .env", "docker compose build", "docker compose up airflow-init"):
        assert step in deployment, step
    for name in LONG_RUNNING:
        assert f"`{name}`" in deployment, name
    for variable in ("AIRFLOW__API_AUTH__JWT_SECRET", "REKON_DATA_DIR", "REKON_LANDING_DIR"):
        assert variable in deployment, variable


def _init_check(services: dict[str, Any]) -> str:
    """airflow-init's secret check, as its shell runs it (compose's `$$` is a literal `$`)."""
    script = services["airflow-init"]["command"][1]
    return script[: script.index("mkdir")].replace("$$", "$")


SECRETS = (
    "AIRFLOW__CORE__FERNET_KEY",
    "AIRFLOW__API_AUTH__JWT_SECRET",
    "AIRFLOW__API__SECRET_KEY",
    "POSTGRES_PASSWORD",
    "_AIRFLOW_WWW_USER_PASSWORD",
    "AIRFLOW_VIEWER_PASSWORD",
)


@pytest.mark.parametrize("left", [*SECRETS, None])
def test_airflow_init_refuses_the_placeholder_secrets(services: dict[str, Any], left: str | None) -> None:
    import subprocess

    env = {name: f"real-secret-{i}" for i, name in enumerate(SECRETS)}
    if left:
        env[left] = "change-me"
    result = subprocess.run(
        ["bash", "-c", _init_check(services)], env=env, capture_output=True, text=True, check=False
    )
    if left is None:
        assert result.returncode == 0, result.stderr
    else:
        assert result.returncode == 1
        assert f"{left} is empty or still change-me" in result.stderr
    empty = {**env, SECRETS[0]: ""}
    assert subprocess.run(["bash", "-c", _init_check(services)], env=empty, check=False).returncode == 1


def test_every_placeholder_of_env_example_is_checked(env_example: dict[str, str]) -> None:
    placeholders = {name for name, value in env_example.items() if value == "change-me"}
    checked = set(SECRETS) - {"_AIRFLOW_WWW_USER_PASSWORD"} | {"AIRFLOW_ADMIN_PASSWORD"}
    assert placeholders == checked


def test_the_fab_auth_manager_with_an_admin_and_a_read_only_viewer(services: dict[str, Any]) -> None:
    from airflow.providers.fab.auth_manager.security_manager.override import (
        FabAirflowSecurityManagerOverride as Fab,
    )

    for name in (*AIRFLOW_SERVICES, "airflow-init"):
        manager = _env(services[name])["AIRFLOW__CORE__AUTH_MANAGER"]
        assert manager == "airflow.providers.fab.auth_manager.fab_auth_manager.FabAuthManager", name
        assert "SIMPLE_AUTH_MANAGER" not in " ".join(_env(services[name])), name
    init = _env(services["airflow-init"])
    assert init["_AIRFLOW_WWW_USER_CREATE"] == "true"
    assert init["_AIRFLOW_WWW_USER_USERNAME"] == "${AIRFLOW_ADMIN_USER}"
    assert init["_AIRFLOW_WWW_USER_PASSWORD"] == "${AIRFLOW_ADMIN_PASSWORD}"
    script = services["airflow-init"]["command"][1]
    assert re.search(r"airflow users create --role Viewer --username \"\$\$\{AIRFLOW_VIEWER_USER\}\"", script)
    # FAB's Viewer reads DAGs, runs and logs, and changes nothing but its own password and profile.
    viewer = next(role for role in Fab.ROLE_CONFIGS if role["role"] == "Viewer")["perms"]
    changes = {
        (action, resource) for action, resource in viewer if action != "can_read" and action != "menu_access"
    }
    assert {resource for _, resource in changes} <= {"My Password", "My Profile"}, changes
    assert ("can_read", "DAGs") in viewer


def _seconds(duration: str) -> int:
    units = {"s": 1, "m": 60, "h": 3600}
    return sum(int(n) * units[u] for n, u in re.findall(r"(\d+)([smh])", duration))


def test_workers_get_longer_to_stop_than_the_longest_tasks_clean_stop(services: dict[str, Any]) -> None:
    from pipeline.orchestration.settings import load

    worker = services["airflow-worker"]
    assert _env(worker)["DUMB_INIT_SETSID"] == "0"  # Celery's warm shutdown: running tasks finish
    assert _seconds(worker["stop_grace_period"]) > load()["clean_stop_seconds"]
