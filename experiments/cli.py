"""The `partnerships` command line: thin glue over the model and the experiment modules.

Every error a user can cause (unknown parameter, value out of range, malformed file, unwritable
folder) prints one line naming the field and what is allowed, exits with code 2 and writes nothing.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from partnerships.experiments.errors import SweepInterrupted, UserError
from partnerships.experiments.output import atomic_directory, check_writable
from partnerships.model.limits import MAX_WEEKS  # not from model.schema, which imports pydantic

if TYPE_CHECKING:
    from partnerships.model.parameters import Parameter

# rich_markup_mode=None: click's plain help, which fits the terminal's width and shows no '<bool>' after flags.
# Options that the run-making commands share (sweep, sensitivity, validate, calibrate)
Workers = Annotated[int | None, typer.Option(help="Local worker processes (default: one per core; 1 = in this process).",
                                             min=1)]
Scheduler = Annotated[str | None, typer.Option(help="Dask scheduler address, e.g. tcp://127.0.0.1:8786 (runs go to its "
                                                    "workers).")]
Resume = Annotated[bool, typer.Option(help="Insist on resuming an existing results folder (running again resumes anyway).")]
RetryFailed = Annotated[bool, typer.Option("--retry-failed", help="Run again the stored runs that failed in the model "
                                                                  "(after fixing the cause).")]

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False, rich_markup_mode=None,
                  help="Agent-based simulation of collaborative partnerships between public bodies.")

USER_ERROR_EXIT = 2
RUNS_FAILED_EXIT = 1  # a sweep finished but some runs failed in the model
SWEEP_INTERRUPTED_EXIT = 130  # a study stopped by Ctrl-C or a lost pool: its finished runs are kept


def fail(message: str) -> NoReturn:
    from partnerships.model.schema import one_line

    typer.echo(f"error: {one_line(message)}", err=True)
    raise typer.Exit(USER_ERROR_EXIT)


def user_errors(func):
    """Turn input errors into one line and exit code 2, and a stopped study into exit code 130."""
    import functools

    from partnerships.model.errors import InputError

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except InputError as err:
            fail(str(err))
        except SweepInterrupted as err:
            typer.echo(f"stopped: {err}", err=True)
            raise typer.Exit(SWEEP_INTERRUPTED_EXIT) from None

    return wrapper


@app.command()
@user_errors
def params(as_json: Annotated[bool, typer.Option("--json", help="Print the parameters as JSON.")] = False,
           markdown: Annotated[bool, typer.Option("--markdown", help="Print the parameter table as Markdown "
                                                  "(the table embedded in docs/ODD.md).")] = False) -> None:
    """List every parameter: default, allowed range, unit, meaning and source."""
    from rich.console import Console
    from rich.table import Table

    from partnerships.model.parameters import PARAMETERS

    if as_json:
        typer.echo(json.dumps([p.as_dict() for p in PARAMETERS.values()], indent=2))
        return
    if markdown:
        typer.echo(parameters_markdown(), nl=False)
        return
    table = Table(title="Model parameters (set with --set NAME=VALUE)", show_lines=False)
    for column in ("name", "default", "range", "unit", "meaning (source)"):
        table.add_column(column, overflow="fold")
    for p in PARAMETERS.values():
        table.add_row(p.name, _default_text(p), p.range_text(), p.unit, f"{p.meaning} ({p.source})")
    Console().print(table)  # the terminal's width (80 columns, or $COLUMNS, when not a terminal)


def _default_text(p: Parameter) -> str:
    return f"{p.default:g}" if p.kind != "bool" else str(bool(p.default)).lower()


def parameters_markdown() -> str:
    """The parameter table as Markdown, one row per entry of ``model.parameters.PARAMETERS`` in registry order."""
    from partnerships.model.parameters import PARAMETERS

    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    lines = ["| name | default | range | unit | meaning | source |", "|---|---|---|---|---|---|"]
    lines += [f"| `{p.name}` | {_default_text(p)} | {p.range_text()} | {cell(p.unit)} | {cell(p.meaning)} | "
              f"{cell(p.source)} |" for p in PARAMETERS.values()]
    return "\n".join(lines) + "\n"


@app.command()
@user_errors
def run(
    scenario: Annotated[str, typer.Option(help="Scenario TOML file, or a built-in name (county).")] = "county",
    set_: Annotated[list[str] | None, typer.Option("--set", help="Override a parameter: NAME=VALUE (repeatable).")] = None,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same run bit for bit.", min=0)] = 0,
    weeks: Annotated[int, typer.Option(help="Weeks to simulate (260 = five years).", min=1, max=MAX_WEEKS)] = 260,
    out: Annotated[Path | None, typer.Option(help="Folder for projects.parquet, weekly.parquet and run.json.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the run's outcomes as one JSON object.")] = False,
) -> None:
    """Run one simulation and print (or write) its outcomes."""
    from partnerships import _lazy_mesa

    _lazy_mesa.install()  # before the model imports Mesa: its unused heavy parts (SciPy, networkx, pandas) deferred
    from partnerships.model.interventions import week_allowed
    from partnerships.model.parameters import parse_assignment
    from partnerships.model.run import run_one
    from partnerships.model.scenarios import load_region

    overrides = dict(parse_assignment(text) for text in (set_ or []))
    spec = load_region(scenario)
    for i in spec.interventions:
        allowed = week_allowed(i.week, weeks)
        if allowed is not None:
            raise UserError(f"scenario {spec.name!r}: intervention {i.action!r} week = {i.week}: allowed {allowed}, "
                            f"or --weeks {i.week} or more")
    if out is not None:
        check_writable(out)
    result = run_one({**spec.parameters, **overrides}, seed=seed, weeks=weeks, region=spec,
                     tables=out is not None)  # without --out only the summary is printed
    if out is not None:
        from partnerships.experiments.provenance import versions  # only a run written to --out records them

        with atomic_directory(out) as tmp:
            result.projects.to_parquet(tmp / "projects.parquet", index=False)
            result.weekly.to_parquet(tmp / "weekly.parquet", index=False)
            result.model_weekly.to_parquet(tmp / "model_weekly.parquet", index=False)
            (tmp / "run.json").write_text(json.dumps({
                "summary": result.summary, "seed": seed, "weeks": weeks, "scenario": spec.name,
                "scenario_source": scenario, "overrides": overrides, "versions": versions(),
            }, indent=2, default=str))
    if as_json:
        typer.echo(json.dumps(result.summary, default=str))
    elif out is None:
        _print_summary(result.summary)
    else:
        typer.echo(f"wrote {out}/projects.parquet, weekly.parquet, model_weekly.parquet and run.json")


def _print_summary(summary: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    from partnerships.model.outcomes import SUMMARY_FIELDS

    table = Table(title=f"One run (seed {summary['seed']}, {summary['weeks']} weeks, scenario {summary['scenario']})")
    table.add_column("outcome")
    table.add_column("value", justify="right")
    table.add_column("meaning")
    for name, meaning in SUMMARY_FIELDS.items():
        value = summary[name]
        table.add_row(name, "-" if value is None else (f"{value:.3g}" if isinstance(value, float) else str(value)), meaning)
    Console().print(table)


@app.command()
@user_errors
def sweep(
    file: Annotated[str, typer.Argument(help="Experiment TOML file, or a built-in experiment name (headline).")],
    out: Annotated[Path | None, typer.Option(help="Results folder (default results/<experiment name>).")] = None,
    workers: Workers = None,
    scheduler: Scheduler = None,
    resume: Resume = False,
    replications: Annotated[int | None, typer.Option(
        help="Override the file's replications (a pilot; recorded as a different study).", min=1)] = None,
    posterior_draws: Annotated[int | None, typer.Option(
        help="Run every design point at this many draws of the calibrated posterior "
             "(results/examples/calibration; recorded as a different study, named <name>-posterior).",
        min=1, max=10_000)] = None,
    retry_failed: RetryFailed = False,
) -> None:
    """Run every run of an experiment file, streaming results to OUT; run again to resume.

    Exits 1 if any run failed in the model (they are stored with their error; --retry-failed redoes them).
    """
    from partnerships.experiments.sweep import run_sweep

    result = run_sweep(file, out, workers=workers, scheduler=scheduler, resume=resume, replications=replications,
                       retry_failed=retry_failed, posterior_draws=posterior_draws)
    failed = int((result.runs["status"] != "ok").sum())
    typer.echo(f"{len(result.runs)} runs ({failed} failed) in {result.out}/runs.parquet; "
               f"next: partnerships report {result.out}")
    exit_if_runs_failed(result.runs, f"{result.out}/runs.parquet")


@app.command()
@user_errors
def report(
    folder: Annotated[Path, typer.Argument(help="Results folder written by 'partnerships sweep'.")],
    sensitivity: Annotated[Path | None, typer.Option(
        help="Folder of a sensitivity study: check that both agree on each headline lever.")] = None,
    pdf: Annotated[bool, typer.Option(help="Also print FOLDER/report.pdf with headless Chromium.")] = True,
) -> None:
    """Write FOLDER/report.html (self-contained), report.pdf and the CSV tables the report names."""
    from partnerships.experiments.report import write_report

    typer.echo(write_report(folder, sensitivity=sensitivity, pdf=pdf).summary())


@app.command()
@user_errors
def live(
    host: Annotated[str, typer.Option(help="Address to serve on (127.0.0.1: this computer only).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to serve on.", min=1, max=65535)] = 8765,
    allow_remote: Annotated[bool, typer.Option(
        "--allow-remote", help="Let other computers connect (needed with a --host beyond this computer; "
                               "the live view has no password).")] = False,
) -> None:
    """Open the live view for trainers: serves viz/app.py with Solara at http://HOST:PORT (Ctrl-C stops)."""
    import os
    import socket

    from partnerships.viz.live_assets import prepare
    from partnerships.viz.live_server import command, environment, is_loopback

    try:
        local = is_loopback(host)
    except OSError:
        raise UserError(f"--host {host!r} is not an address of this computer: use 127.0.0.1, or an address of "
                        "one of its network interfaces") from None
    if not local and not allow_remote:
        raise UserError(f"--host {host} would serve the live view, with no password, to every computer that can "
                        "reach this one: add --allow-remote if that is what you want")
    with socket.socket() as probe:
        try:
            probe.bind((host, port))
        except OSError as err:
            raise UserError(f"port {port} on {host} is not free ({err.strerror}): choose another with --port") from None
    if not local:
        typer.echo(f"warning: serving on {host}: anyone who can reach this computer on port {port} can open the "
                   "live view and act on its runs (there is no password)", err=True)
    note = prepare()
    if note:
        typer.echo(note, err=True)
    typer.echo(f"live view: open http://{host}:{port} in a browser (Ctrl-C stops it)")
    sys.stdout.flush()
    sys.stderr.flush()
    # the server replaces this process, so Ctrl-C and SIGTERM reach it directly and nothing is left behind
    server = command(host, port)
    os.execve(server[0], server, environment())


@app.command()
@user_errors
def sensitivity(
    file: Annotated[Path, typer.Argument(help="Sensitivity study TOML file (see experiments/sensitivity.toml).")],
    out: Annotated[Path | None, typer.Option(help="Results folder (default results/<study file name>).")] = None,
    workers: Workers = None,
    scheduler: Scheduler = None,
    resume: Resume = False,
    headline: Annotated[Path | None, typer.Option(
        help="Folder of the headline sweep: check that both agree on each headline lever.")] = None,
    pdf: Annotated[bool, typer.Option(help="Also print OUT/report.pdf with headless Chromium.")] = True,
    retry_failed: RetryFailed = False,
) -> None:
    """Which levers matter: Morris screening and Sobol indices (SALib), then OUT/report.html for policy teams.

    Exits 1 if any run failed in the model (the report says so; --retry-failed redoes them).
    """
    from partnerships.experiments.runs import run_log
    from partnerships.experiments.sensitivity import run_file
    from partnerships.experiments.sensitivity_report import write_report

    with run_log() as log:
        results, folder = run_file(file, out, workers=workers, scheduler=scheduler, resume=resume,
                                   retry_failed=retry_failed)
    written = write_report(results, folder, headline=headline, pdf=pdf)
    typer.echo(f"{sum(results.runs.values())} runs; {written.summary()}")
    exit_if_runs_failed(log.runs(), f"{folder}/<phase>/runs.parquet")


def exit_if_runs_failed(runs, where: str) -> None:
    """After a study's results are written: exit 1 with one line if any of its ``runs`` failed in the model."""
    from partnerships.experiments.runs import failure_summary

    summary = failure_summary(runs, where)
    if summary is not None:
        typer.echo(f"error: {summary}", err=True)
        raise typer.Exit(RUNS_FAILED_EXIT)


PATTERN_FAILED_EXIT = 1


@app.command()
@user_errors
def validate(
    out: Annotated[Path, typer.Option(
        help="Folder for report.html, validation.csv and response_curves.csv.")] = Path("results/validation"),
    workers: Annotated[int | None, typer.Option(help="Local worker processes (default: one per core).", min=1)] = None,
    quick: Annotated[bool, typer.Option(
        help="Quick form: fewer replications, wider level tolerances (stated in the report).")] = False,
    curves: Annotated[bool, typer.Option(help="Also run the one-factor-at-a-time response curves of every parameter.")] = True,
    pdf: Annotated[bool, typer.Option(help="Also print OUT/report.pdf with headless Chromium.")] = True,
    posterior_draws: Annotated[int | None, typer.Option(
        help="Run replication r of every condition at draw r mod N of the calibrated posterior "
             "(results/examples/calibration), so the intervals carry parameter uncertainty.",
        min=1, max=10_000)] = None,
    retry_failed: RetryFailed = False,
) -> None:
    """Pattern-oriented validation: one experiment per pattern of the model brief; exits 1 if a pattern fails
    or a run failed in the model (--retry-failed redoes those)."""
    import time

    from partnerships.experiments.runs import run_log
    from partnerships.experiments.validation import run_suite, runs_folder
    from partnerships.experiments.validation_report import write_report

    check_writable(out)
    start = time.monotonic()
    with run_log() as log:
        validation, response = run_suite(out, quick=quick, workers=workers, curves=curves, progress=typer.echo,
                                         retry_failed=retry_failed, posterior_draws=posterior_draws)
    written = write_report(validation, response, out, time.monotonic() - start, pdf=pdf)
    for r in validation.results:
        typer.echo(f"{r.status if r.passed or not r.measured else 'FAIL'}  {r.check.key}: {r.estimate:.3g} "
                   f"[{r.low:.3g}, {r.high:.3g}] - {r.reason}")
    typer.echo(written.summary())
    exit_if_runs_failed(log.runs(), f"{runs_folder(out, quick, posterior_draws)}/<folder>/runs.parquet")
    if not validation.passed:
        raise typer.Exit(PATTERN_FAILED_EXIT)


@app.command()
@user_errors
def calibrate(
    file: Annotated[str, typer.Argument(help="Calibration study TOML file, or the built-in 'calibration' (London 2008).")],
    out: Annotated[Path | None, typer.Option(
        help="Results folder (default results/<study name>): posterior, report, runs.")] = None,
    workers: Workers = None,
    scheduler: Scheduler = None,
    retry_failed: RetryFailed = False,
) -> None:
    """Calibrate by approximate Bayesian computation (ABC-SMC) against a study file's targets; run again to resume
    (docs/calibration.md). Exits 1 if any model run failed (--retry-failed redoes them and what followed)."""
    from partnerships.experiments.abc_report import write_report
    from partnerships.experiments.abc_study import load_study
    from partnerships.experiments.calibration import calibrate as run_calibration
    from partnerships.experiments.calibration import stored_runs, study_folder

    study = load_study(file)
    folder = study_folder(study, out)
    check_writable(folder)
    result = run_calibration(study, folder, workers=workers, scheduler=scheduler, retry_failed=retry_failed)
    path = write_report(folder)
    p = result.provenance
    typer.echo(f"{p['generations']} generations, {p['model_runs']:,} model runs ({p['failed_runs']} failed), last "
               f"temperature {p['temperature']:.3g} ({'the posterior' if result.exact else 'not yet the posterior'}: "
               f"{p['stopped']}); wrote {folder / 'posterior.parquet'} and {path}")
    exit_if_runs_failed(stored_runs(folder), f"{folder}/simulations/<batch>/runs.parquet")
