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
from bot.errors import CanvassError, ConfigError, InvalidInput

EXIT_FAILED = 1  # the command was understood but did nothing (closed already, not found, refused)
EXIT_USAGE = 2  # bad config, bad arguments, or nothing to run on
NO_PLATFORM = "no platform configured; set [slack] or [matrix], or run with -it for the console"


def _config(args: argparse.Namespace) -> Config:
    path = args.config or os.environ.get("CANVASS_CONFIG")
    if path is None and Path("config.toml").exists():
        path = "config.toml"
    return load_config(Path(path) if path else None)


def _cmd_run(args: argparse.Namespace) -> None:
    from bot.bootstrap import enabled_platforms, run

    config = _config(args)
    if enabled_platforms(config) == ["console"] and not sys.stdin.isatty():
        # `docker run` without -it: the console would read a closed stdin and exit 0, as if all was well.
        print(NO_PLATFORM, file=sys.stderr)
        raise SystemExit(EXIT_USAGE)
    logging.basicConfig(
        level=config.canvass.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    asyncio.run(run(config))


def _cmd_demo(args: argparse.Namespace) -> None:
    from bot.demo import run_demo

    output = Path(args.output or f"canvass-demo-{datetime.now():%Y%m%d-%H%M%S}")
    asyncio.run(run_demo(output, lessons=args.lessons))


def _cmd_survey(args: argparse.Namespace) -> None:
    from bot.anonymity import free_text_preview
    from bot.clock import SystemClock
    from bot.survey_file import SurveyFileError, check_survey_file
    from bot.timeparse import format_local

    config = _config(args)
    try:
        checked = check_survey_file(Path(args.file), config.canvass.timezone, config.canvass.default_k,
                                    SystemClock().now())  # fmt: skip
    except SurveyFileError as error:
        raise CanvassError(f"{args.file}: {error}") from None
    for warning in checked.warnings:
        print(f"canvass: {args.file}: warning: {warning}", file=sys.stderr)
    spec = checked.spec
    if args.action == "validate":
        print(f"OK: “{spec.title}”, {len(spec.questions)} questions, {len(spec.reminders)} reminders.")
        preview = free_text_preview(spec.questions)
        if preview:
            print(preview)
        return

    async def create() -> None:
        from bot.bootstrap import build_core

        core = await build_core(config, with_charts=False)
        try:
            survey = await core.service.create_survey(None, spec)
            if survey.opens_at is None:
                when = f"It stays a draft until an organiser opens it (`open {survey.id}` in chat)."
            else:
                when = f"The running bot opens it {format_local(survey.opens_at, survey.timezone)}."
            print(f"Created “{survey.title}” [{survey.id}], status {survey.status}. {when}")
            preview = free_text_preview(survey.questions)
            if preview:
                print(preview)
        finally:
            await core.close()

    asyncio.run(create())


def _cmd_results(args: argparse.Namespace) -> None:
    config = _config(args)

    async def export() -> bytes:
        from bot.bootstrap import build_core

        core = await build_core(config, with_charts=args.format in ("png", "pdf", "slides"))
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
            if args.format == "slides":
                from charts.slides import build_slides  # the deck is a CLI export, not a chat post

                return await asyncio.to_thread(build_slides, results)
            summary = await core.renderer.summary_chart(results)
            if summary is None:
                raise CanvassError("no question has enough responses for a chart.")
            return summary.png
        finally:
            await core.close()

    data = asyncio.run(export())
    if args.output:
        Path(args.output).write_bytes(data)
        print(f"Wrote {args.output}")
    elif args.format in ("png", "pdf", "slides"):
        raise CanvassError(f"--format {args.format} needs --output FILE.")
    else:
        sys.stdout.write(data.decode())


def _cmd_schedule(args: argparse.Namespace) -> None:
    """`canvass close|extend|remind`: the chat commands, run by the operator on the shared database.
    The running bot hears of the change at once (storage.changes) and does the posting (results, notices)."""
    import shlex

    from bot.commands import CloseSurvey, Extend, parse_command
    from bot.domain import Status
    from bot.timeparse import format_local, parse_time

    config = _config(args)
    words = [args.command, args.id, *args.rest]
    try:
        command = parse_command(shlex.join(words))
    except InvalidInput as error:
        # The chat's usage error ends with the whole chat help; here the first paragraph says it all.
        problem = str(error).split("\n\n", 1)[0]
        raise UsageError(f"{problem} See `canvass {args.command} --help`.") from None

    async def execute() -> str:
        from bot.bootstrap import build_core

        core = await build_core(config, with_charts=False)
        try:
            # The service treats these as no-ops for the system (a second closer, a replayed change);
            # the operator is told that nothing happened instead, with a non-zero status.
            if isinstance(command, CloseSurvey):
                survey = await core.service.get(command.survey_id)
                if survey.status is Status.CLOSED:
                    raise CanvassError(f"Survey {survey.id} is already closed; nothing was done.")
            if isinstance(command, Extend):
                survey = await core.service.get(command.survey_id)
                if survey.status is not Status.CLOSED and survey.closes_at is not None:
                    closes = parse_time(command.when, survey.timezone, core.clock.now())
                    if closes == survey.closes_at:
                        raise CanvassError(
                            f"Survey {survey.id} already closes {format_local(closes, survey.timezone)}; "
                            "nothing was done."
                        )
            return (await core.commands.schedule(None, command)).text
        finally:
            await core.close()

    print(asyncio.run(execute()))


def _cmd_present(args: argparse.Namespace) -> None:
    """`canvass present ID [--revoke]`: the operator's presenter link; the running bot serves the page."""
    from bot.commands import Present

    config = _config(args)
    if not config.present.enabled:
        raise ConfigError("config: [present] enabled is false, so no presenter page is served")

    async def execute() -> str:
        from bot.bootstrap import build_core

        core = await build_core(config, with_charts=False)
        try:
            return (await core.commands.present(None, Present(args.id.lower(), args.revoke))).text
        finally:
            await core.close()

    print(asyncio.run(execute()))


def _cmd_db(args: argparse.Namespace) -> None:
    from bot.config import ensure_data_dir
    from storage.engine import wait_for_database
    from storage.migrate import upgrade

    config = _config(args)
    ensure_data_dir(config)
    asyncio.run(wait_for_database(config.database_url, config.database.connect_timeout_seconds))
    upgrade(config.database_url)
    print("Database schema is up to date.")


def _cmd_health(args: argparse.Namespace) -> None:
    """For Docker's HEALTHCHECK: asks the running bot's metrics listener for /healthz."""
    import urllib.error
    import urllib.request

    config = _config(args)
    if not config.metrics.enabled:
        raise ConfigError("config: [metrics] enabled is false, so there is no health endpoint to ask")
    host = "127.0.0.1" if config.metrics.host in ("0.0.0.0", "::", "") else config.metrics.host
    url = f"http://{host}:{config.metrics.port}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=args.timeout) as response:
            if response.status == 200:
                print(f"healthy ({url})")
                return
            raise CanvassError(f"unhealthy: {url} answered {response.status}")
    except urllib.error.HTTPError as error:
        raise CanvassError(f"unhealthy: {url} answered {error.code}") from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise CanvassError(f"unhealthy: no answer from {url} ({reason})") from None


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="canvass", description="Anonymous polls and surveys for Slack and Matrix.")
    top.add_argument("--config", help="path to config.toml (default: $CANVASS_CONFIG or ./config.toml)")
    sub = top.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run the bot (the console when no platform is configured)")
    run.set_defaults(handler=_cmd_run)

    demo = sub.add_parser("demo", help="a simulated meeting on the embedded defaults; writes results to a folder")
    demo.add_argument("--output", help="output folder (default: ./canvass-demo-TIMESTAMP)")
    demo.add_argument("--lessons", action="store_true",
                      help="only the lessons-learnt questionnaire (a grid and a lessons question)")  # fmt: skip
    demo.set_defaults(handler=_cmd_demo)

    survey = sub.add_parser("survey", help="check or create a survey written in TOML")
    survey.add_argument("action", choices=["validate", "create"])
    survey.add_argument("file", help="the survey TOML file")
    survey.set_defaults(handler=_cmd_survey)

    results = sub.add_parser("results", help="export a survey's results (aggregates only)")
    results.add_argument("id", help="the survey id")
    results.add_argument("--format", choices=["json", "csv", "png", "pdf", "slides"], default="json")
    results.add_argument("--output", help="file to write (required for png, pdf and slides: a 16:9 PDF deck)")
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

    present = sub.add_parser("present", help="a link to the presenter page of a survey (or --revoke every link)")
    present.add_argument("id", help="the survey id")
    present.add_argument("--revoke", action="store_true", help="end every presenter link of the survey")
    present.set_defaults(handler=_cmd_present)

    health = sub.add_parser("health", help="ask the running bot's health endpoint (for Docker's HEALTHCHECK)")
    health.add_argument("--timeout", type=float, default=3.0, help="seconds to wait (default 3)")
    health.set_defaults(handler=_cmd_health)

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


class UsageError(CanvassError):
    """Arguments the command cannot take: exit status 2, like argparse's own."""


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        args.handler(args)
    except (ConfigError, UsageError) as error:  # the operator's to fix before anything can run
        print(f"canvass: {error}", file=sys.stderr)
        return EXIT_USAGE
    except CanvassError as error:
        print(f"canvass: {error}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
