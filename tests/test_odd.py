"""docs/ODD.md cannot drift from the code: its elements, parameter table, kernels, constants and kind traits.

Its citations and quotations of the source documents are checked in tests/test_sources.py.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from partnerships.experiments.cli import app, parameters_markdown
from partnerships.model.codes import OrgKind, Stage
from partnerships.model.outcomes import SUMMARY_FIELDS
from partnerships.model.parameters import PARAMETERS
from partnerships.model.scenarios import KIND_TRAITS

ROOT = Path(__file__).resolve().parent.parent
ODD = (ROOT / "docs" / "ODD.md").read_text(encoding="utf-8")
START, END = "<!-- parameters:start -->", "<!-- parameters:end -->"
ELEMENTS = ("Purpose and patterns", "Entities, state variables and scales", "Process overview and scheduling",
            "Design concepts", "Initialization", "Input data", "Submodels")
# Modules whose named numeric constants are model rules the ODD must state with their values.
CONSTANT_MODULES = sorted((ROOT / "model" / "kernels").glob("*.py")) + [
    ROOT / "model" / name for name in ("model.py", "interventions.py", "outcomes.py", "scenarios.py")]


def element(number: int) -> str:
    """The text of ODD element ``number`` (1-7), from its heading to the next top-level heading."""
    match = re.search(rf"^## {number}\. .*?(?=^## )", ODD, flags=re.M | re.S)
    assert match, f"no element {number}"
    return match.group(0)


def prose() -> str:
    """The document without the generated parameter table."""
    head, rest = ODD.split(START)
    return head + rest.split(END)[1]


def test_the_seven_odd_elements_are_headings_in_order():
    headings = re.findall(r"^## (\d)\. (.+)$", ODD, flags=re.M)
    assert headings == [(str(i), name) for i, name in enumerate(ELEMENTS, start=1)]


def test_embedded_parameter_table_is_the_generated_one():
    assert ODD.count(START) == 1 and ODD.count(END) == 1
    embedded = ODD.split(START)[1].split(END)[0].strip()
    assert embedded == parameters_markdown().strip(), "regenerate with: partnerships params --markdown"


def test_markdown_table_has_one_row_per_parameter_in_registry_order():
    result = CliRunner().invoke(app, ["params", "--markdown"])
    assert result.exit_code == 0, result.output
    assert result.stdout == parameters_markdown()
    rows = [line for line in result.stdout.splitlines()[2:] if line.startswith("| `")]
    assert [row.split("`")[1] for row in rows] == list(PARAMETERS)
    for row, p in zip(rows, PARAMETERS.values()):
        cells = [cell.strip() for cell in row.strip("|").split(" | ")]
        assert cells[2:] == [p.range_text(), p.unit, p.meaning, p.source]


def test_every_kernel_module_has_a_submodel():
    submodels = element(7)
    kernels = [path.name for path in (ROOT / "model" / "kernels").glob("*.py")
               if path.stem not in ("__init__", "stages")]
    assert len(kernels) >= 10
    missing = [name for name in kernels if f"model/kernels/{name}" not in submodels]
    assert not missing, f"kernel modules not described in '7. Submodels': {missing}"


def test_every_parameter_is_described_in_the_prose():
    text = prose()
    missing = [name for name in PARAMETERS if f"`{name}`" not in text]
    assert not missing, f"parameters only in the generated table: {missing}"


def _numeric_constants(path: Path) -> dict[str, float]:
    stage_codes = {s.name for s in Stage}
    found = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name, value = node.targets[0].id, node.value
            if (name.isupper() and isinstance(value, ast.Constant) and type(value.value) in (int, float)
                    and name not in stage_codes):
                found[name] = value.value
    return found


def test_every_named_constant_is_stated_with_its_value():
    constants = {name: value for path in CONSTANT_MODULES for name, value in _numeric_constants(path).items()}
    assert {"BENEFIT_PERIOD", "UPBEAT_RISK_APPETITE", "SHOCK_DECAY", "POOLED_SHARE"} <= set(constants)
    missing = [f"{name} = {value:g}" for name, value in constants.items() if f"`{name}` = {value:g}" not in ODD]
    assert not missing, f"constants not stated (or stated with another value) in docs/ODD.md: {missing}"


def test_kind_traits_table_matches_the_code():
    for kind, traits in KIND_TRAITS.items():
        row = re.search(rf"^\| {OrgKind(kind).label} \|(.+)\|$", ODD, flags=re.M)
        assert row, f"no row for {OrgKind(kind).label}"
        assert [float(cell) for cell in row.group(1).split("|")] == pytest.approx(list(traits))


def test_every_summary_outcome_is_defined():
    outcomes = element(7).split("### 7.14")[1]
    missing = [name for name in SUMMARY_FIELDS if f"`{name}`" not in outcomes]
    assert not missing
