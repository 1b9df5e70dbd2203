"""The `canvass` command line."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from datetime import datetime
from pathlib import Path

from bot.config import Config, load_config
from bot.errors import CanvassError

EXIT_USAGE = 2


def _config(args: argparse.Namespace) -> Config:
    path = args.config or os.environ.get("CANVASS_CONFIG")
    if path is None and Path("config.toml").exists():
        path = "config.toml"
    return load_config(Path(path) if path else None)


def _cmd_run(args: argparse.Namespace) -> None:
    from bot.bootstrap import run

    config = _config(args)
    logging.basicConfig(level=config.canvass.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    asyncio.run(run(config))


def _cmd_demo(args: argparse.Namespace) -> None:
    from bot.demo import run_demo

    output = Path(args.output or f"canvass-demo-{datetime.now():%Y%m%d-%H%M%S}")
    asyncio.run(run_demo(output))


def _cmd_survey(args: argparse.Namespace) -> None:
    from bot.anonymity import free_text_preview
    from bot.clock import SystemClock
    from bot.survey_file import load_survey_file

    config = _config(args)
    spec = load_survey_file(Path(args.file), config.canvass.timezone, config.canvass.default_k, SystemClock().now())
    if args.action == "validate":
        print(f"OK: “{spec.title}”, {len(spec.questions)} questions, {len(spec.reminders)} reminders.")
        warning = free_text_preview(spec.questions)
        if warning:
            print(warning)
        return

    async def create() -> None:
        from bot.bootstrap import build_core

        core = await build_core(config, with_charts=False)
        try:
            survey = await core.service.create_survey(None, spec)
            print(f"Created “{survey.title}” [{survey.id}], status {survey.status}. The running bot opens it on time.")
            warning = free_text_preview(survey.questions)
            if warning:
                print(warning)
        finally:
            await core.close()

    asyncio.run(create())


def _cmd_results(args: argparse.Namespace) -> None:
    config = _config(args)

    async def export() -> bytes:
        from bot.bootstrap import build_core

        core = await build_core(config, with_charts=args.format in ("png", "pdf"))
        try:
            results = await core.service.results(None, args.id)
            if results.hidden:
                raise CanvassError(f"not enough responses (n < {results.k}): nothing can be exported.")
            if args.format == "json":
                from charts.export import to_json

                return to_json(results).encode()
            if args.format == "csv":
                from charts.export import to_csv

                return to_csv(results).encode()
            if core.renderer is None:
                raise CanvassError("charts are not available in this installation.")
            if args.format == "pdf":
                return await core.renderer.survey_pdf(results)
            summary = await core.renderer.summary_chart(results)
            if summary is None:
                raise CanvassError("no choice or scale question has enough responses for a chart.")
            return summary.png
        finally:
            await core.close()

    data = asyncio.run(export())
    if args.output:
        Path(args.output).write_bytes(data)
        print(f"Wrote {args.output}")
    elif args.format in ("png", "pdf"):
        raise CanvassError(f"--format {args.format} needs --output FILE.")
    else:
        sys.stdout.write(data.decode())


def _cmd_schedule(args: argparse.Namespace) -> None:
    """`canvass close|extend|remind`: the chat commands, run by the operator on the shared database.
    The running bot picks the change up at its next sweep and does the posting (results, notices)."""
    import shlex

    from bot.commands import parse_command

    config = _config(args)
    words = [args.command, args.id, *args.rest]
    command = parse_command(shlex.join(words))

    async def execute() -> str:
        from bot.bootstrap import build_core

        core = await build_core(config, with_charts=False)
        try:
            return (await core.commands.schedule(None, command)).text
        finally:
            await core.close()

    print(asyncio.run(execute()))


def _cmd_db(args: argparse.Namespace) -> None:
    from storage.migrate import upgrade

    config = _config(args)
    config.data_path.mkdir(parents=True, exist_ok=True)
    upgrade(config.database_url)
    print("Database schema is up to date.")


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="canvass", description="Anonymous polls and surveys for Slack and Matrix.")
    top.add_argument("--config", help="path to config.toml (default: $CANVASS_CONFIG or ./config.toml)")
    sub = top.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run the bot (the console when no platform is configured)")
    run.set_defaults(handler=_cmd_run)

    demo = sub.add_parser("demo", help="a simulated meeting on the embedded defaults; writes results to a folder")
    demo.add_argument("--output", help="output folder (default: ./canvass-demo-TIMESTAMP)")
    demo.set_defaults(handler=_cmd_demo)

    survey = sub.add_parser("survey", help="check or create a survey written in TOML")
    survey.add_argument("action", choices=["validate", "create"])
    survey.add_argument("file", help="the survey TOML file")
    survey.set_defaults(handler=_cmd_survey)

    results = sub.add_parser("results", help="export a survey's results (aggregates only)")
    results.add_argument("id", help="the survey id")
    results.add_argument("--format", choices=["json", "csv", "png", "pdf"], default="json")
    results.add_argument("--output", help="file to write (required for png and pdf)")
    results.set_defaults(handler=_cmd_results)

    close = sub.add_parser("close", help="close a survey now (the running bot posts the results)")
    close.add_argument("id", help="the survey id")
    close.set_defaults(handler=_cmd_schedule, rest=[])

    extend = sub.add_parser("extend", help="move a survey's deadline; participants are told")
    extend.add_argument("id", help="the survey id")
    extend.add_argument("rest", nargs="+", metavar="TIME", help='e.g. "2026-12-08 15:00", "in 2h"')
    extend.set_defaults(handler=_cmd_schedule)

    remind = sub.add_parser(
        "remind",
        help="list, add or cancel a survey's reminders",
        description="canvass remind ID list | add (TIME | DURATION before close) [--daily] [--channel]"
        ' ["message"] | cancel N',
    )
    remind.add_argument("id", help="the survey id")
    remind.add_argument("rest", nargs=argparse.REMAINDER, metavar="ACTION", help="list | add ... | cancel N")
    remind.set_defaults(handler=_cmd_schedule)

    roster = sub.add_parser(
        "roster",
        help="list a survey's invited people, or add people to it (they may answer at once)",
        description="canvass roster ID list | add USER [USER ...] (USER as platform:id)",
    )
    roster.add_argument("id", help="the survey id")
    roster.add_argument("rest", nargs=argparse.REMAINDER, metavar="ACTION", help="list | add USER ...")
    roster.set_defaults(handler=_cmd_schedule)

    db = sub.add_parser("db", help="database maintenance")
    db.add_argument("action", choices=["upgrade"], help="upgrade: apply schema migrations")
    db.set_defaults(handler=_cmd_db)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        args.handler(args)
    except CanvassError as error:
        print(f"canvass: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
