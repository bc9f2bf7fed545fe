"""Operators' alerts: a failed task, a published period, a month not published in time.

`RekonAlert` is an Airflow notifier. It sends through `SmtpNotifier` and the Airflow connection
`rekon_smtp` (type SMTP: host, port, login, and `from_email` in its extra) to the addresses of
the Variable `rekon_alert_recipients` (comma-separated); without that connection or without
recipients it logs the message instead, so an installation without mail still shows every alert
in the task's (or, for a late month, the triggerer's) log.
"""

from __future__ import annotations

import html
import logging
from typing import Any

from airflow.sdk import BaseNotifier

SMTP_CONN_ID = "rekon_smtp"
RECIPIENTS_VARIABLE = "rekon_alert_recipients"
KINDS = ("failed", "published", "late")

log = logging.getLogger("rekon.alerts")


def _recipients(raw: str | None) -> list[str]:
    return [address.strip() for address in (raw or "").split(",") if address.strip()]


def _period(context: dict[str, Any]) -> str:
    ti = context.get("ti")
    if ti is not None:
        try:
            period = ti.xcom_pull(task_ids="settings", key="period")
            if period:
                return str(period)
        except Exception:  # a callback must never fail over its own message
            pass
    dag_run = context.get("dag_run")
    conf = (dag_run.get("conf") if isinstance(dag_run, dict) else getattr(dag_run, "conf", None)) or {}
    return str(conf.get("period") or "?")


def message(kind: str, context: dict[str, Any]) -> tuple[str, str]:
    """The subject and text of an alert of `kind` for the run in `context`."""
    dag_run = context.get("dag_run")
    run_id = dag_run.get("run_id") if isinstance(dag_run, dict) else getattr(dag_run, "run_id", "?")
    period = _period(context)
    if kind == "failed":
        ti = context.get("ti")
        task = getattr(ti, "task_id", "?")
        error = context.get("exception")
        return (
            f"Rekon {period}: FAILED in {task}",
            f"Run {run_id}, period {period}: task {task} failed and will not be retried.\n"
            f"Error: {error}\nNothing was published for {period}; the period is released.",
        )
    if kind == "published":
        ti = context["ti"]
        summary = ti.xcom_pull(task_ids=ti.task_id) or {}
        findings = summary.get("findings") or {}
        lines = [f"  {category}: {count}" for category, count in sorted(findings.items())] or ["  none"]
        return (
            f"Rekon {period}: published, {sum(findings.values())} findings",
            f"Run {run_id} published {period} to {summary.get('published')}.\n"
            "Findings per category (employers):\n" + "\n".join(lines) + "\n"
            f"Rows received: {summary.get('rows_received')}; quarantined: {summary.get('rows_quarantined')}\n"
            f"Data quality report: {summary.get('quality_report')}",
        )
    if kind == "late":
        deadline = (context.get("deadline") or {}).get("deadline_time")
        return (
            f"Rekon {period}: not published by {deadline}",
            f"Run {run_id} (period {period}) has not published by its deadline {deadline}: "
            "check the delivery (_READY marker) and the run in Airflow.",
        )
    raise ValueError(f"unknown alert {kind!r}; known: {KINDS}")


class RekonAlert(BaseNotifier):
    """An operators' alert: e-mailed through `rekon_smtp` when it exists, else logged."""

    template_fields = ()

    def __init__(self, kind: str, context: dict[str, Any] | None = None) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown alert {kind!r}; known: {KINDS}")
        super().__init__(context=context)
        self.kind = kind

    def _smtp(self, to: list[str], subject: str, text: str) -> Any:
        from airflow.providers.smtp.notifications.smtp import SmtpNotifier

        body = f"<pre>{html.escape(text)}</pre>"
        return SmtpNotifier(to=to, subject=subject, html_content=body, smtp_conn_id=SMTP_CONN_ID)

    def notify(self, context: dict[str, Any]) -> None:
        from airflow.sdk import BaseHook, Variable
        from airflow.sdk.exceptions import AirflowNotFoundException

        subject, text = message(self.kind, context)
        to = _recipients(Variable.get(RECIPIENTS_VARIABLE, default=None))
        try:
            BaseHook.get_connection(SMTP_CONN_ID)
        except AirflowNotFoundException:
            to = []
        log.warning("ALERT %s\n%s", subject, text)
        if not to:
            log.warning("(not e-mailed: no %s connection or no %s)", SMTP_CONN_ID, RECIPIENTS_VARIABLE)
            return
        self._smtp(to, subject, text).notify(context)

    async def async_notify(self, context: dict[str, Any]) -> None:
        """In the triggerer (a DeadlineAlert): the same message, sent with the async SMTP client."""
        from airflow.sdk import BaseHook, Variable
        from airflow.sdk.exceptions import AirflowNotFoundException
        from asgiref.sync import sync_to_async

        subject, text = message(self.kind, context)
        log.warning("ALERT %s\n%s", subject, text)
        try:
            await BaseHook.aget_connection(SMTP_CONN_ID)
        except AirflowNotFoundException:
            log.warning("(not e-mailed: no %s connection)", SMTP_CONN_ID)
            return
        to = _recipients(await sync_to_async(Variable.get)(RECIPIENTS_VARIABLE, default=None))
        if not to:
            log.warning("(not e-mailed: no %s)", RECIPIENTS_VARIABLE)
            return
        await self._smtp(to, subject, text).async_notify(context)
