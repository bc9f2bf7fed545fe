"""
# rekon_branch_summaries

Runs whenever `rekon_monthly` publishes a period (the `rekon_published` asset) and writes one
summary per branch office (kantor cabang) to `<data>/summaries/<period>/`: `branches.csv`, the
national index, and `<branch_code>.csv`, that branch's findings in follow-up priority order.

When the Airflow connection `rekon_smtp` exists (type SMTP), each branch office gets its summary
by e-mail: to the addresses the Variable `rekon_branch_recipients` lists for its code
(`{"KC-PLKR": ["kepatuhan.plkr@example.go.id"], "*": ["pusat@example.go.id"]}`; `*` gets
every branch's mail). Without the connection the e-mail task is skipped, and says so.

| task | does |
|---|---|
| `published_period` | the period and data folder of the publication that triggered the run |
| `summarise` | writes the summaries (rewritten whole on every run) |
| `email_branches` | sends them through `rekon_smtp`, or skips |
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pendulum
from airflow.sdk import Asset, dag, task

# The asset dags/rekon_monthly.py updates; the same name and URI make it the same asset.
PUBLISHED = Asset(name="rekon_published", uri="rekon://published", group="rekon")
SMTP_CONN_ID = "rekon_smtp"
RECIPIENTS_VARIABLE = "rekon_branch_recipients"


@dag(
    dag_id="rekon_branch_summaries",
    doc_md=__doc__,
    schedule=[PUBLISHED],
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args={
        "owner": "rekon",
        "retries": 3,
        "retry_delay": timedelta(minutes=2),
        "retry_exponential_backoff": 2.0,
        "max_retry_delay": timedelta(minutes=30),
    },
    tags=["rekon", "bpjs"],
)
def rekon_branch_summaries() -> None:
    @task(multiple_outputs=True)
    def published_period(triggering_asset_events: Any = None) -> dict[str, str]:
        # Several publications may have queued up (a backfill): each one's summaries are written
        # when its own event is the latest; here the latest publication wins.
        events = list((triggering_asset_events or {}).get(PUBLISHED, []))
        if not events:
            raise ValueError("rekon_branch_summaries runs on a rekon_published event; none was given")
        extra = dict(events[-1].extra)
        return {"period": extra["period"], "data": extra["data"]}

    @task
    def summarise(period: str, data: str) -> dict[str, Any]:
        from pipeline.steps import branch_summaries

        return branch_summaries(period, data)

    @task
    def email_branches(summary: dict[str, Any]) -> int:
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
            for branch in summary["branches"]:
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

    run = published_period()
    email_branches(summarise(run["period"], run["data"]))


rekon_branch_summaries()
