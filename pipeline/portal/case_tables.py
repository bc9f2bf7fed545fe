"""The follow-up cycle's own tables: a case per employer and category (who works it, whether it
closed), and the letters issued on it with their numbers. Registered on the portal's metadata, so
`db.connect` creates them with the others."""

from __future__ import annotations

from sqlalchemy import Column, Date, DateTime, Index, Integer, String, Table, Text, UniqueConstraint

from pipeline.portal.db import case_record, finding_key, metadata

cases = Table(
    "portal_cases",
    metadata,
    *finding_key(primary_key=True),
    # Copied from the publication when the case is opened, so that "my cases" reads no Parquet.
    Column("employer_name", String(300), nullable=False, default=""),
    Column("regency_code", String(8), nullable=True),
    Column("branch_code", String(20), nullable=False, default=""),
    Column("branch_name", String(200), nullable=False, default=""),
    Column("period", String(7), nullable=False),  # the latest period the case was acted on in
    Column("assignee", String(64), nullable=True),
    Column("assigned_by", String(64), nullable=True),
    Column("assigned_at", DateTime, nullable=True),
    # The period whose resolved list no longer carries the finding (SELESAI there).
    Column("closed_period", String(7), nullable=True),
    Column("closed_on", Date, nullable=True),  # by the portal's clock (deadlines use it too)
    Index("ix_cases_assignee", "assignee"),
)

letters = Table(
    "portal_letters",
    metadata,
    *case_record(),
    Column("kind", String(8), nullable=False),
    Column("branch_code", String(20), nullable=False),
    Column("year", Integer, nullable=False),
    Column("seq", Integer, nullable=False),
    Column("number", String(80), nullable=False),
    Column("letter_date", Date, nullable=False),
    Column("due_date", Date, nullable=True),
    Column("period", String(7), nullable=False),
    Column("issued_by", String(64), nullable=False),
    Column("issued_at", DateTime, nullable=False),
    # What the letter says, frozen at issue: a re-download prints the same letter.
    Column("content", Text, nullable=False),
    # A number is used once per branch and year; a case gets each kind of letter once.
    UniqueConstraint("branch_code", "year", "seq", name="uq_letters_branch_year_seq"),
    UniqueConstraint("employer_key", "category", "kind", name="uq_letters_case_kind"),
)

password_resets = Table(
    "portal_password_resets",
    metadata,
    Column("token_hash", String(64), primary_key=True),  # only a hash of the link's token is kept
    Column("username", String(64), nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False),
    Column("used_at", DateTime, nullable=True),
)
