"""
# rekon_branch_summaries

Runs whenever `rekon_monthly` publishes a period (the `rekon_published` asset) and writes one
summary per branch office (kantor cabang) to `<data>/summaries/<period>/`: `branches.csv`, the
national index, and `<branch_code>.csv`, that branch's findings in follow-up priority order.

Every publication that triggered the run gets its summaries and e-mails, in period order: when
a backfill publishes several months before this DAG runs, the run's asset events hold them all.

When the Airflow connection `rekon_smtp` exists (type SMTP), each branch office gets its summary
by e-mail: to the addresses the Variable `rekon_branch_recipients` lists for its code
(`{"KC-PLKR": ["kepatuhan.plkr@example.go.id"], "*": ["pusat@example.go.id"]}`; `*` gets
every branch's mail). Without the connection the e-mail task is skipped, and says so.

| task | does |
|---|---|
| `published_periods` | the periods and data folders of the publications that triggered the run |
| `summarise` | writes each period's summaries, oldest first (rewritten whole on every run) |
| `email_branches` | sends them through `rekon_smtp`, period by period, or skips |
"""

from __future__ import annotations

from typing import Any

import pendulum
from airflow.sdk import Asset, dag, task

from pipeline.orchestration import settings as run_settings
from pipeline.orchestration.defaults import TAGS, default_args

# The asset dags/rekon_monthly.py updates; the same name and URI make it the same asset.
PUBLISHED = Asset(name="rekon_published", uri="rekon://published", group="rekon")
SMTP_CONN_ID = "rekon_smtp"
RECIPIENTS_VARIABLE = "rekon_branch_recipients"
SETTINGS = run_settings.durations()


@dag(
    dag_id="rekon_branch_summaries",
    doc_md=__doc__,
    schedule=[PUBLISHED],
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    # One run at a time: runs of queued publications write and e-mail their periods in order.
    max_active_runs=1,
    dagrun_timeout=SETTINGS["run_timeout"],
    default_args=default_args(SETTINGS),
    tags=TAGS,
)
def rekon_branch_summaries() -> None:
    @task(doc_md="The publications that triggered the run, one per period, oldest first.")
    def published_periods(triggering_asset_events: Any = None) -> list[dict[str, str]]:
        from pipeline.orchestration.publications import in_period_order

        events = list((triggering_asset_events or {}).get(PUBLISHED, []))
        if not events:
            raise ValueError("rekon_branch_summaries runs on a rekon_published event; none was given")
        return in_period_order([dict(event.extra) for event in events])

    @task(doc_md="Writes `<data>/summaries/<period>/` for each publication, oldest first.")
    def summarise(publications: list[dict[str, str]]) -> list[dict[str, Any]]:
        from pipeline.steps import branch_summaries

        return [branch_summaries(p["period"], p["data"]) for p in publications]

    @task(doc_md="E-mails each branch office its summary through `rekon_smtp`, period by period.")
    def email_branches(summaries: list[dict[str, Any]]) -> int:
        import json

        from airflow.sdk import BaseHook, Variable
        from airflow.sdk.exceptions import AirflowNotFoundException, AirflowSkipException

        try:
            BaseHook.get_connection(SMTP_CONN_ID)
        except AirflowNotFoundException:
            raise AirflowSkipException(f"no {SMTP_CONN_ID} connection: summaries not e-mailed") from None
        from airflow.providers.smtp.hooks.smtp import SmtpHook

        recipients = json.loads(Variable.get(RECIPIENTS_VARIABLE, default="{}"))
        sent = 0
        with SmtpHook(smtp_conn_id=SMTP_CONN_ID) as smtp:
            for summary, branch in ((s, b) for s in summaries for b in s["branches"]):
                to = recipients.get(branch["branch_code"], []) + recipients.get("*", [])
                if not to:
                    print(f"{branch['branch_code']}: no recipients in {RECIPIENTS_VARIABLE}")
                    continue
                smtp.send_email_smtp(
                    to=to,
                    subject=f"Rekon {summary['period']}: {branch['findings']} temuan {branch['branch_name']}",
                    html_content=(
                        f"<p>{branch['branch_name']} ({branch['branch_code']}), periode {summary['period']}: "
                        f"{branch['findings']} temuan, {branch['new_findings']} baru; estimasi iuran "
                        f"Rp {branch['contribution_monthly']:,} per bulan. Daftar terlampir.</p>"
                    ),
                    files=[branch["file"]],
                )
                sent += 1
        return sent

    email_branches(summarise(published_periods()))


rekon_branch_summaries()
