"""The one checker of the TOML files: every numeric field and every parameter, in every kind of file,
refuses what it must (true, nan, inf, 1e400, a fraction for a whole number, text) in one line that
names the file, the field and what is allowed."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import pytest

from partnerships.experiments import design, sensitivity
from partnerships.model import scenarios
from partnerships.model.errors import InputError
from partnerships.model.parameters import PARAMETERS
from partnerships.model.schema import Table, allowed_text, path_text, render


def literal(value: Any) -> str:
    """``value`` as a TOML literal (what a user could type)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, list):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    if isinstance(value, str) and value.startswith("="):  # raw TOML text, e.g. '=1e400'
        return value[1:]
    return json.dumps(value) if isinstance(value, str) else repr(value)


def toml(doc: dict[str, Any], prefix: str = "") -> str:
    """A nested dict as TOML: scalars, then tables, then arrays of tables."""
    lines = [f"{k} = {literal(v)}" for k, v in doc.items() if not isinstance(v, dict)
             and not (isinstance(v, list) and v and isinstance(v[0], dict))]
    for key, value in doc.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            lines += [f"[{name}]", toml(value, f"{name}.")]
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            for item in value:
                lines += [f"[[{name}]]", toml(item)]
    return "\n".join(lines)


def scenario_doc() -> dict:
    return {"scenario": {}, "interventions": [{"action": "obstacle", "week": 3}]}


def experiment_doc() -> dict:
    return {"experiment": {"name": "t", "replications": 1, "base_seed": 1, "weeks": 5},
            "vary": {"meeting_discipline": {"levels": [0.2]}}, "design": {}}


def study_doc() -> dict:
    return {"method": "sobol", "weeks": 5, "parameters": ["meeting_discipline", "leader_turnover"],
            "morris": {}, "sobol": {"n": 4}, "response_curves": {}}


KINDS: dict[str, tuple[Callable[[], dict], Callable[[Path], Any]]] = {
    "scenario": (scenario_doc, scenarios.load_region),
    "experiment": (experiment_doc, design.load_experiment),
    "study": (study_doc, sensitivity.load_study),
}
#: Each file kind's tables (path in the file -> schema) whose numeric fields are checked.
TABLES: dict[str, dict[tuple[Any, ...], type[Table]]] = {
    "scenario": {("scenario",): scenarios._Area, ("interventions", 0): scenarios._InterventionEntry},
    "experiment": {("experiment",): design._ExperimentTable, ("design",): design._Design},
    "study": {(): sensitivity._StudyFile, ("morris",): sensitivity.MorrisSettings,
              ("sobol",): sensitivity.SobolSettings, ("response_curves",): sensitivity.CurveSettings},
}


def numeric_fields() -> list[tuple[str, tuple[Any, ...], str, str]]:
    """(file kind, table path, field, 'whole' or 'number') for every numeric field of every file."""
    found = []
    for kind, tables in TABLES.items():
        for where, schema in tables.items():
            for name, field in schema.model_fields.items():
                allowed = allowed_text(Annotated[field.annotation, field])
                if allowed.startswith("a whole number"):
                    found.append((kind, where, name, "whole"))
                elif allowed.startswith("a number"):
                    found.append((kind, where, name, "number"))
    return found


def refusal(tmp_path: Path, kind: str, doc: dict) -> str:
    """The one-line error for ``doc`` written as a ``kind`` file (fails if the file is accepted)."""
    path = tmp_path / f"{kind}.toml"
    path.write_text(toml(doc) + "\n")
    with pytest.raises(InputError) as caught:
        KINDS[kind][1](path)
    message = str(caught.value)
    assert "\n" not in message and message.startswith(f"{path}: "), message
    return message[len(f"{path}: "):]


def put(doc: dict, where: tuple[Any, ...], name: str, value: Any) -> dict:
    table = doc
    for key in where:
        table = table.setdefault(key, {}) if isinstance(key, str) else table[key]
    table[name] = value
    return doc


def test_every_kind_of_file_declares_numeric_fields():
    kinds = {kind for kind, *_ in numeric_fields()}
    assert kinds == set(KINDS) and len(numeric_fields()) >= 25


@pytest.mark.parametrize("kind, where, name, number", numeric_fields(),
                         ids=[f"{k}:{path_text([*w, n])}" for k, w, n, _ in numeric_fields()])
def test_a_numeric_field_refuses_true_nan_inf_1e400_text_and_fractions_of_whole_numbers(tmp_path, kind, where,
                                                                                        name, number):
    bad = [True, math.nan, math.inf, "=1e400", "=-inf", "4"] + ([4.5] if number == "whole" else [])
    path = path_text([*where, name])
    for value in bad:
        message = refusal(tmp_path, kind, put(KINDS[kind][0](), where, name, value))
        shown = "inf" if value == "=1e400" else "-inf" if value == "=-inf" else render(value)
        assert message.startswith(f"{path} = {shown}: allowed a {'whole ' if number == 'whole' else ''}number"), \
            (value, message)


def _bad_values(kind: str, high: float) -> list[Any]:
    if kind == "bool":
        return [1, "true", 0.5]
    out = [True, math.nan, math.inf, -math.inf, "0.5", high + 1]
    return out + [1.5, 2.0] if kind == "int" else out


@pytest.mark.parametrize("kind, table", [("scenario", ("parameters",)), ("experiment", ("fixed",)),
                                         ("study", ("fixed",))])
def test_every_parameter_refuses_what_its_type_and_range_do_not_allow(tmp_path, kind, table):
    for p in PARAMETERS.values():
        for value in _bad_values(p.kind, p.high):
            doc = put(KINDS[kind][0](), table, p.name, value)
            if kind == "study" and p.name in doc["parameters"]:
                doc["parameters"] = ["champion_share", "patience"]
            message = refusal(tmp_path, kind, doc)
            assert message.startswith(f"{path_text([*table, p.name])} = {render(value)}: allowed "), message
            assert p.range_text() in message, message


@pytest.mark.parametrize("kind, where, key, what, suggestion", [
    ("scenario", (), "scenarios", "table", "scenario"),
    ("scenario", ("scenario",), "area", "field", "areas"),
    ("scenario", ("scenario", "composition"), "helth_body", "organisation kind", "health_body"),
    ("scenario", ("parameters",), "trust_gian", "parameter", "trust_gain"),
    ("scenario", ("interventions", 0), "projct", "field", "project"),
    ("experiment", (), "fixd", "table", "fixed"),
    ("experiment", ("experiment",), "replicatons", "field", "replications"),
    ("experiment", ("design",), "sampels", "field", "samples"),
    ("experiment", ("vary",), "meeting_disciplin", "parameter", "meeting_discipline"),
    ("study", (), "replicates", "field", "replications"),
    ("study", ("sobol",), "second_ordr", "field", "second_order"),
    ("study", ("fixed",), "patienc", "parameter", "patience"),
])
def test_an_unknown_name_gets_the_closest_known_one(tmp_path, kind, where, key, what, suggestion):
    doc = put(KINDS[kind][0](), where, key, {"levels": [0.5]} if where == ("vary",) else 3)
    message = refusal(tmp_path, kind, doc)
    at = f"{path_text(where)}: " if where else ""
    assert message == f"{at}unknown {what} '{key}': did you mean '{suggestion}'?"


@pytest.mark.parametrize("kind, doc_edit, expected", [
    ("scenario", lambda d: put(d, ("interventions", 0), "action", "obstacel"),
     "interventions[1].action: unknown intervention action 'obstacel': did you mean 'obstacle'?"),
    ("scenario", lambda d: put(d, ("scenario",), "composition", {k: 0 for k in scenarios.COMPOSITION_KEYS}),
     "scenario.composition = {"),
    ("scenario", lambda d: put(d, ("scenario",), "composition", 5),
     "scenario.composition = 5: allowed a table of NAME = VALUE"),
    ("scenario", lambda d: put(d, ("scenario",), "areas", 10_000) | {"scenario": {"areas": 10_000,
                                                                                  "composition": {"voluntary_group": 99}}},
     "scenario.areas = 10000: allowed at most 200,000 organisations in all"),
    ("scenario", lambda d: put(d, ("scenario",), "organisations", 500) | {"scenario": {"organisations": 500,
                                                                                       "areas": 2}},
     "scenario.areas = 2: allowed either organisations and projects"),
    ("experiment", lambda d: put(d, ("experiment",), "outputs", "runs"),
     'experiment.outputs = "runs": allowed a list [...]'),
    ("experiment", lambda d: put(d, ("experiment",), "name", "a/b"), 'experiment.name = "a/b": allowed a name'),
    ("experiment", lambda d: put(d, ("design",), "kind", "sobol") | {"vary": {"trust_gain": {"low": 0.0, "high": 0.1}}},
     "design.samples is missing: allowed a whole number from 1 to 1,000,000"),
    ("experiment", lambda d: {**d, "experiment": {**d["experiment"], "base_seed": 0}, "design": {
        "kind": "latin_hypercube", "samples": 4}, "vary": {"trust_gain": {"low": 0.0, "high": 0.1}}},
     "experiment.base_seed = 0: allowed a whole number from 1"),
    ("study", lambda d: put(d, (), "outcomes", []), "outcomes = []: allowed a list [...]"),
    ("study", lambda d: put(d, ("sobol",), "n_min", 8), "sobol.n_min = 8: allowed a power of 2 from 2 to sobol.n (4)"),
])
def test_rules_across_fields_are_worded_the_same_way(tmp_path, kind, doc_edit, expected):
    assert refusal(tmp_path, kind, doc_edit(KINDS[kind][0]())).startswith(expected)


def test_the_shipped_files_pass_and_a_file_that_is_not_toml_or_not_text_is_one_line(tmp_path):
    root = Path(__file__).resolve().parent.parent / "experiments"
    for path in sorted((root / "scenarios").glob("*.toml")):
        scenarios.load_region(path)
    design.load_experiment(root / "headline.toml")
    sensitivity.load_study(root / "sensitivity.toml")
    for kind, load in ((k, v[1]) for k, v in KINDS.items()):
        broken = tmp_path / f"{kind}.toml"
        broken.write_text("[table\n")
        with pytest.raises(InputError, match=rf"^{broken}: is not valid TOML: "):
            load(broken)
        broken.write_bytes(b"\xff\xfe[a]\n")
        with pytest.raises(InputError, match=rf"^{broken}: is not a text file \(UTF-8\)"):
            load(broken)


def test_a_key_or_value_with_a_line_break_stays_on_one_line(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text('[scenario]\n"two\\nlines" = 1\nname = "x"\n')
    with pytest.raises(InputError) as caught:
        scenarios.load_region(path)
    assert "\n" not in str(caught.value) and "unknown field 'two\\nlines'" in str(caught.value)
