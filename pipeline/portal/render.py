"""Jinja2 pages: the template folder, Indonesian labels and number formats."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from pipeline.portal.filters import CATEGORIES, STATUSES
from pipeline.portal.followup import STAGE_LABELS, STAGES
from pipeline.portal.text import number, rupiah
from pipeline.reference import categories, category_labels

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))
TEMPLATES.env.filters.update(rupiah=rupiah, number=number)
TEMPLATES.env.globals.update(
    CATEGORIES=CATEGORIES,
    CATEGORY_LABELS=category_labels(),
    CATEGORY_DEFINITIONS=categories(),
    STATUSES=STATUSES,
    STAGES=STAGES,
    STAGE_LABELS=STAGE_LABELS,
)


def page(request: Request, template: str, context: dict[str, Any], status_code: int = 200) -> Response:
    """Render a page; `identity` (who is logged in, their CSRF token) is taken from the request."""
    context = {"identity": getattr(request.state, "identity", None), **context}
    return TEMPLATES.TemplateResponse(request, template, context, status_code=status_code)
