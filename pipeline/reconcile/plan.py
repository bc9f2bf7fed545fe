"""The reconcile plan: every model under `sql/`, what it reads, and where it is built.

A model says what it needs in config lines at the top of its file (`-- key: value` in SQL,
`# key: value` in a Python model), as dbt's config block does:

- `partition:` where the partitioned reconcile builds it (`STAGES`): `prepare`, once over all rows
  before the rows are split by province; `province`, in each province's partition over its own
  employers; `national`, after the partitions are merged. `rekon run` builds the same plan in one
  partition, in one session.
- `split:` for a `prepare` model, how its rows reach the partitions: `node = <expr>` (the identity
  node each row carries, an expression over the row `t`), `component` (rows carry their employer's
  component) or `replicated` (a small table every partition gets whole).
- `materialized: view` and `set: <setting> = <value>`: how it is kept and built (`pipeline/reconcile/run.py`).
- `reads: ref_<name>.<column>`: the model also reads the models named in that column of the
  reference table (`pipeline/reference/<name>.csv`), for a Python model whose SQL is written from
  it (`marts/category_findings.py` reads the model of each row of `categories.csv`).

What a model reads comes from parsing its SQL with sqlglot (a Python model's string constants: its
SQL, or a model's name alone) and from its `reads:` lines, and the build order from those
dependencies; `rekon models` prints the plan.
"""

from __future__ import annotations

import ast
import csv
import re
from dataclasses import dataclass
from pathlib import Path

import sqlglot
from sqlglot import exp

from pipeline.errors import RekonError
from pipeline.reference import reference_files

SQL_DIR = Path(__file__).resolve().parents[2] / "sql"

# The folders of models, in the order data flows through them.
LAYERS = ("staging", "intermediate", "marts")
STAGES = ("prepare", "province", "national")
CONFIG_KEYS = ("partition", "split", "materialized", "set", "reads")


def model_config(code: str, comment: str = "--") -> dict[str, list[str]]:
    """The values of each config key in the lines at the top of a model, in order."""
    line_re = re.compile(rf"{re.escape(comment)} ({'|'.join(CONFIG_KEYS)}): (.+)")
    config: dict[str, list[str]] = {}
    for line in code.splitlines():
        match = line_re.fullmatch(line.strip())
        if not match:
            break
        config.setdefault(match[1], []).append(match[2].strip())
    return config


def _comment(path: Path) -> str:
    return "#" if path.suffix == ".py" else "--"


def file_config(path: Path, code: str) -> dict[str, list[str]]:
    """The config lines of a model file, SQL (`-- `) or Python (`# `)."""
    return model_config(code, _comment(path))


def _reads(path: Path, code: str, names: set[str]) -> set[str]:
    """The models a model reads: the tables its SQL names. A Python model's SQL is its string
    constants; a constant that is a model's name alone (`con.table("int_x")`, a tuple of the
    tables it reads) counts too."""
    if path.suffix != ".py":
        return tables_read(code) & names
    texts = [
        node.value
        for node in ast.walk(ast.parse(code))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]
    return (set().union(*map(tables_read, texts)) | set(texts)) & names


def _csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _listed(path: Path, config: dict[str, list[str]], names: set[str]) -> set[str]:
    """The models a model's `reads: ref_<name>.<column>` lines name: the values of that column of
    the reference table. A value that names no model is an error: the table lists a model that has
    no file."""
    found: set[str] = set()
    for value in config.get("reads", []):
        table, _, column = value.partition(".")
        source = reference_files().get(table.removeprefix("ref_")) if table.startswith("ref_") else None
        rows = _csv_rows(source) if source else []
        if not rows or column not in rows[0]:
            raise RekonError(
                f"model {path.name}: `{_comment(path)} reads: {value}` must name a column of a reference "
                "table, `ref_<name>.<column>`"
            )
        listed = {row[column] for row in rows if row[column]}
        if listed - names:
            raise RekonError(
                f"{source.name} names the models {', '.join(sorted(listed - names))}, which have no file "
                f"under sql/ (model {path.name} reads them)"
            )
        found |= listed
    return found


def tables_read(sql: str) -> set[str]:
    """The tables and views a query reads, its own CTEs excepted; empty for text that is not SQL."""
    try:
        statements = sqlglot.parse(sql, read="duckdb")
    except sqlglot.errors.SqlglotError:
        return set()
    found: set[str] = set()
    for tree in filter(None, statements):
        ctes = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
        found |= {table.name for table in tree.find_all(exp.Table)} - ctes
    return found


@dataclass(frozen=True)
class Model:
    path: Path
    stage: str  # one of STAGES
    # a `prepare` model: (`node`, expression), (`component`, None) or (`replicated`, None)
    split: tuple[str, str | None]
    reads: frozenset[str]  # the other models it reads

    @property
    def name(self) -> str:
        return self.path.stem

    @property
    def layer(self) -> str:
        return self.path.parent.name


def _stage(path: Path, config: dict[str, list[str]]) -> str:
    values = config.get("partition", [])
    if len(values) != 1 or values[0] not in STAGES:
        raise RekonError(
            f"model {path.name} must say where it is built: one line "
            f"`{_comment(path)} partition: {' | '.join(STAGES)}` at the top of the file"
        )
    return values[0]


def _split(path: Path, config: dict[str, list[str]]) -> tuple[str, str | None]:
    values = config.get("split", [])
    how = values[0] if len(values) == 1 else ""
    if how in ("component", "replicated"):
        return how, None
    if how.startswith("node ="):
        return "node", how.removeprefix("node =").strip()
    raise RekonError(
        f"model {path.name} is built before partitioning and must say how its rows are split: "
        f"`{_comment(path)} split: node = <expression> | component | replicated`"
    )


def read_model(path: Path, names: set[str]) -> Model:
    """A model file's plan entry; RekonError when its config does not say where it is built."""
    code = path.read_text(encoding="utf-8")
    config = file_config(path, code)
    stage = _stage(path, config)
    split = _split(path, config) if stage == "prepare" else ("", None)
    reads = (_reads(path, code, names) | _listed(path, config, names)) - {path.stem}
    return Model(path, stage, split, frozenset(reads))


def build_order(models: list[Model]) -> list[Model]:
    """Each model after every model it reads; among those ready, staging first, then
    intermediate, then marts, then by name. A cycle is an error."""
    by_name = {m.name: m for m in models}
    pending = {m.name: set(m.reads) for m in models}
    ordered: list[Model] = []
    while pending:
        ready = [by_name[name] for name, reads in pending.items() if not reads]
        if not ready:
            raise RekonError(f"the models {', '.join(sorted(pending))} read each other in a cycle")
        first = min(ready, key=lambda m: (LAYERS.index(m.layer) if m.layer in LAYERS else 0, m.name))
        ordered.append(first)
        del pending[first.name]
        for reads in pending.values():
            reads.discard(first.name)
    return ordered


def plan(sql_dir: Path = SQL_DIR) -> list[Model]:
    """Every model under `sql_dir`'s layer folders, in build order."""
    paths = sorted(p for layer in LAYERS for p in (sql_dir / layer).glob("*") if p.suffix in (".sql", ".py"))
    names = {p.stem for p in paths}
    return build_order([read_model(p, names) for p in paths])


def needed(models: list[Model], targets: set[str]) -> list[Model]:
    """The models that building `targets` takes (the targets and all they read), in build order."""
    by_name, wanted, todo = {m.name: m for m in models}, set(), list(targets)
    while todo:
        name = todo.pop()
        if name not in wanted:
            wanted.add(name)
            todo.extend(by_name[name].reads)
    return [m for m in models if m.name in wanted]


def describe(models: list[Model]) -> str:
    """The plan as `rekon models` prints it: build order, where each model is built, what it reads."""
    rows = [("#", "model", "partition", "reads")]
    for i, m in enumerate(models, start=1):
        where = m.stage
        if m.stage == "prepare":
            how, expr = m.split
            where += f", split by {expr}" if how == "node" else f", {how}"
        rows.append((str(i), f"{m.layer}/{m.path.name}", where, ", ".join(sorted(m.reads)) or "-"))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = (f"{a:>{widths[0]}}  {b:<{widths[1]}}  {c:<{widths[2]}}  {d}" for a, b, c, d in rows)
    return "\n".join(line.rstrip() for line in lines)
