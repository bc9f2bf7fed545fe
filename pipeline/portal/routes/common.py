"""Checks shared by pages and downloads: a published period, a well-formed employer key."""

from __future__ import annotations

import re

from fastapi import HTTPException

from pipeline.portal.published import Publications

EMPLOYER_KEY = re.compile(r"^[0-9A-Za-z.-]{1,32}$")


def checked_period(pubs: Publications, period: str) -> str:
    if not pubs.has(period):
        raise HTTPException(404)
    return period


def checked_employer_key(employer_key: str) -> str:
    if not EMPLOYER_KEY.match(employer_key):
        raise HTTPException(404)
    return employer_key
