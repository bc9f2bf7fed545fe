"""The `rekon` command line: run a period, make demo data, run the demo."""

from __future__ import annotations

import argparse
import errno
import logging
import sys
import traceback
from pathlib import Path

from pipeline.errors import DATA_ERRORS, without_values

DEFAULT_DEMO_DIR = Path("demo")
DEFAULT_DEMO_PERIOD = "2026-10"


def _progress(message: str) -> None:
    print(message, flush=True)


def cmd_run(args: argparse.Namespace) -> int:
    from pipeline.runner import format_summary, run_period

    summary = run_period(args.period, Path(args.landing), Path(args.data), _progress, args.storage or "")
    print(format_summary(summary))
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from pipeline.runner import format_validation, validate_period

    summary = validate_period(args.period, Path(args.landing), Path(args.data), _progress, args.storage or "")
    print(format_validation(summary))
    # Non-zero when a file would be held back or the registry would stop the monthly run.
    return 1 if any(r["severity"] == "error" for r in summary["failed_expectations"]) else 0


def cmd_demo_data(args: argparse.Namespace) -> int:
    from pipeline.demo.generate import generate

    truth = generate(Path(args.out), args.employers, args.seed, period=args.period, periods=args.periods)
    print(f"demo extracts written to {Path(args.out) / args.period}; truth in {Path(args.out) / 'truth'}")
    if isinstance(truth, dict) and truth:
        print(", ".join(f"{k}: {v}" for k, v in truth.items() if not isinstance(v, dict | list)))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from pipeline.demo.generate import generate
    from pipeline.runner import format_summary, run_period

    landing, data = args.dir / "landing", args.dir / "data"
    print(f"generating demo extracts for {args.employers:,} employers in {landing} ...", flush=True)
    generate(landing, args.employers, args.seed, period=args.period)
    summary = run_period(args.period, landing, data, _progress)
    print(format_summary(summary))
    return 0


def cmd_models(args: argparse.Namespace) -> int:
    from pipeline.reconcile.plan import describe, plan

    print(describe(plan()))
    return 0


def cmd_linkage_train(args: argparse.Namespace) -> int:
    from pipeline.linkage import train

    model = train.train(
        seed=train.SEED if args.seed is None else args.seed,
        employers=train.EMPLOYERS if args.employers is None else args.employers,
    )
    print(f"linkage model {model['version']}: thresholds {model['thresholds']}")
    return 0


def _delivery_arguments(command: argparse.ArgumentParser, month: str, data: str, storage: str) -> None:
    """The options naming a delivery and the folders it is read from and worked in: `run` and
    `validate` take the same ones, each with its own help."""
    command.add_argument("--period", required=True, help=month)
    command.add_argument("--landing", required=True, help="landing folder holding <YYYY-MM>/ deliveries")
    command.add_argument("--data", required=True, help=data)
    command.add_argument("--storage", metavar="URL", help=storage)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rekon", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="log every step in detail")
    parser.add_argument(
        "--debug", action="store_true", help="on a failure, show the Python traceback after the message"
    )
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="reconcile one period and publish its compliance lists")
    _delivery_arguments(
        run,
        month="the month to reconcile, YYYY-MM",
        data="folder for working files and publications",
        storage="storage root (path or fsspec URL, e.g. s3://bucket/rekon): read the delivery from "
        "URL/landing/<YYYY-MM>/ (staged into --landing) and mirror the publication to "
        "URL/published/<YYYY-MM>/",
    )
    run.set_defaults(func=cmd_run)

    validate = commands.add_parser(
        "validate",
        help="ingest and validate a delivery only: print its data quality summary, publish nothing",
    )
    _delivery_arguments(
        validate,
        month="the month to check, YYYY-MM",
        data="folder for working files",
        storage="storage root: read the delivery from URL/landing/<YYYY-MM>/ (staged into --landing)",
    )
    validate.set_defaults(func=cmd_validate)

    demo_data = commands.add_parser(
        "demo-data", help="write contract-conformant demo extracts and their truth"
    )
    demo_data.add_argument("--out", required=True, help="landing folder to write <YYYY-MM>/ into")
    demo_data.add_argument("--employers", type=int, default=1000)
    demo_data.add_argument("--seed", type=int, default=1)
    demo_data.add_argument("--period", default=DEFAULT_DEMO_PERIOD)
    demo_data.add_argument("--periods", type=int, default=1, help="consecutive months ending at --period")
    demo_data.set_defaults(func=cmd_demo_data)

    demo = commands.add_parser("demo", help="generate demo extracts and run the pipeline on them")
    demo.add_argument("--dir", type=Path, default=DEFAULT_DEMO_DIR, help="where landing/ and data/ go")
    demo.add_argument("--employers", type=int, default=1000)
    demo.add_argument("--seed", type=int, default=1)
    demo.add_argument("--period", default=DEFAULT_DEMO_PERIOD)
    demo.set_defaults(func=cmd_demo)

    models = commands.add_parser(
        "models", help="print the reconcile plan: each model's build order, partitioning and inputs"
    )
    models.set_defaults(func=cmd_models)

    linkage = commands.add_parser("linkage", help="the worker linkage model")
    linkage_commands = linkage.add_subparsers(dest="linkage_command", required=True)
    train = linkage_commands.add_parser(
        "train",
        help="fit the linkage model on labelled records (pipeline/linkage/labelled.py) and write "
        "pipeline/linkage/model.json; a monthly run never trains",
    )
    train.add_argument(
        "--seed", type=int, default=None, help="the labelled records' seed (default: the model's)"
    )
    train.add_argument("--employers", type=int, default=None, help="employers in the labelled records")
    train.set_defaults(func=cmd_linkage_train)

    from pipeline.portal.commands import add_commands  # `rekon serve`, `rekon user ...`

    add_commands(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        return args.func(args)
    except BaseException as exc:  # every failure ends in one line and a status
        code, message = failure(exc)
        print(message, file=sys.stderr)
        if args.debug:
            traceback.print_exc()
        return code


# What the operator's storage says when it cannot take a write: the run stops, as for bad input.
_STORAGE_FAULTS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EFBIG}
_STORAGE_WORDS = (
    "No space left",
    "Disk quota",
    "Read-only file system",
    "Permission denied",
    "File too large",
)


def failure(exc: BaseException) -> tuple[int, str]:
    """The exit status and the one line that answer a failure (contract section 4): 2 for bad
    input, a delivery that stops the run or storage that cannot take the run's files (a full
    disk, an unwritable folder); 1 for Rekon's own faults; 130 for an interrupt."""
    if isinstance(exc, KeyboardInterrupt):
        return 130, "rekon: interrupted; nothing new was published"
    text = without_values(" ".join(str(exc).split()))
    if isinstance(exc, DATA_ERRORS):
        return 2, f"rekon: error: {text}"
    if isinstance(exc, OSError) and exc.errno in _STORAGE_FAULTS:
        where = f"{exc.filename}: " if exc.filename else ""
        return 2, f"rekon: error: {where}{exc.strerror}; the run stopped and nothing new was published"
    if type(exc).__name__ == "IOException" and any(w in text for w in _STORAGE_WORDS):  # DuckDB's
        return 2, f"rekon: error: {text}; the run stopped and nothing new was published"
    if isinstance(exc, SystemExit):
        raise exc
    return 1, (
        f"rekon: internal error: {type(exc).__name__}: {text[:300]}; nothing new was published "
        "(run again with --debug for the traceback)"
    )


if __name__ == "__main__":
    sys.exit(main())
