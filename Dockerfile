# Rekon on the official Airflow image: the Airflow services, the Celery workers and the portal all
# run this one image (docker-compose.yml). Build: `docker compose build`.
#
# The project and every dependency come from requirements-runtime.lock (the runtime pins, without
# the dev extras: no pytest, Playwright or moto; `make lock` writes it beside requirements.lock),
# baked into the image at build time, never from _PIP_ADDITIONAL_REQUIREMENTS (which re-installs
# on every container start and can resolve differently on each worker).
ARG AIRFLOW_VERSION=3.3.2
ARG PYTHON_VERSION=3.11
FROM apache/airflow:${AIRFLOW_VERSION}-python${PYTHON_VERSION}

# The lock first, on its own layer: code changes do not re-install the dependencies.
COPY --chown=airflow:0 requirements-runtime.lock /opt/rekon/requirements-runtime.lock
# The lock pins apache-airflow itself to the image's version, so this cannot up- or downgrade Airflow.
RUN pip install --no-cache-dir -r /opt/rekon/requirements-runtime.lock

COPY --chown=airflow:0 pyproject.toml README.md /opt/rekon/
COPY --chown=airflow:0 pipeline /opt/rekon/pipeline
COPY --chown=airflow:0 sql /opt/rekon/sql
COPY --chown=airflow:0 expectations /opt/rekon/expectations
COPY --chown=airflow:0 dags /opt/rekon/dags
COPY --chown=airflow:0 plugins /opt/rekon/plugins
# Editable: the package finds sql/ and expectations/ next to pipeline/, as in a checkout.
RUN pip install --no-cache-dir --no-deps -e /opt/rekon

ENV AIRFLOW__CORE__DAGS_FOLDER=/opt/rekon/dags \
    AIRFLOW__CORE__PLUGINS_FOLDER=/opt/rekon/plugins \
    REKON_LANDING=/landing \
    REKON_DATA=/data
