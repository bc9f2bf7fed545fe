# partition: province
# materialized: view
# reads: ref_categories.model
"""The findings of every category in one relation: the union of the category models that
pipeline/reference/categories.csv lists (its `model` column), one SQL model per category
(`findings_<category>.sql`). A new category is a row there and its model; nothing here or in the
models that read this one (findings, finding_workers) names the categories.

A view: it costs its readers nothing over reading the category models themselves. In the
partitioned reconcile it is built in each partition, and again after the merge over the merged
category models (`pipeline/reconcile/partition.py`).
"""

from __future__ import annotations

from pipeline.reference import categories


def model(con) -> str:
    """The union's SQL, for the runner to build as a view."""
    return "\nunion all by name\n".join(f"select * from {category.model}" for category in categories())
