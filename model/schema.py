"""The one checker of the project's TOML files: scenario files, experiment files and sensitivity study files.

Each kind of file declares its structure as pydantic models (subclasses of :class:`Table`), which
pydantic checks strictly: a table holds only its own keys; a whole number must be a TOML integer
(never ``true`` or ``4.0``); a number must be finite (``nan``, ``inf``, and ``1e400``, which TOML reads
as infinity, are refused); text must be quoted. What needs the parameter registry or several fields
at once is checked after, by the file's own module, through the same :class:`FileCheck`, so every
error reads alike, on one line::

    <file>: <table>.<field> = <value>: allowed <what is allowed>
    <file>: <table>: unknown <what> '<name>': did you mean '<name>'?

Positions in a list or in an array of tables count from 1 (``interventions[2]`` is the second
``[[interventions]]`` entry). The checker lives in the model layer because the model reads scenario
files; the experiment layer declares its own files with the same parts.
"""

from __future__ import annotations

import json
import math
import tomllib
import types
import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, ClassVar, TypeVar, get_args, get_origin

from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError
from pydantic.fields import FieldInfo

from partnerships.model.errors import InputError
from partnerships.model.limits import MAX_WEEKS  # noqa: F401 (the files' checkers import it from here)
from partnerships.model.parameters import PARAMETERS, Parameter, ParameterError, lookup

TableT = TypeVar("TableT", bound="Table")
LONGEST_VALUE = 60  # characters of a value shown in an error before it is cut short


class FileError(InputError):
    """A TOML file the project cannot use (the message is one line naming the file and the field)."""


class Table(BaseModel):
    """A TOML table: only its own keys, strict types, finite numbers; read-only once checked."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False, frozen=True)
    #: What a key of this table is called in the error for an unknown one.
    KEY: ClassVar[str] = "field"


@dataclass(frozen=True)
class OneOf(AfterValidator):
    """Field metadata: the text must be one of ``options``; an unknown one is answered with the closest."""

    options: tuple[str, ...] = ()
    what: str = "name"


def one_of(options: Iterable[str], what: str) -> OneOf:
    """Metadata for ``Annotated[str, one_of(...)]``: one of ``options`` (one of them is called a ``what``)."""
    allowed = tuple(options)

    def check(value: str) -> str:
        if value not in allowed:
            raise ValueError(f"unknown {what}")
        return value

    return OneOf(check, allowed, what)


def parameter_allowed(p: Parameter) -> str:
    """What a file may give for parameter ``p``: its type, range and unit."""
    if p.kind == "bool":
        return "true or false"
    return f"{'a whole number from ' if p.kind == 'int' else ''}{p.range_text()} ({p.unit})"


class FileCheck:
    """Checks one file and words its errors: ``origin`` names the file, ``error`` is the class raised."""

    def __init__(self, origin: str, error: type[InputError] = FileError) -> None:
        self.origin = origin
        self.error = error

    # --- reading ---------------------------------------------------------------------------------
    def read(self, path: Path) -> tuple[str, dict[str, Any]]:
        """The file's text and its TOML tables."""
        try:
            text = Path(path).read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise self._error("is not a text file (UTF-8): allowed a TOML file") from None
        except OSError as err:
            raise self._error(f"cannot be read ({err.strerror}): allowed a TOML file") from None
        return text, self.parse(text)

    def parse(self, text: str) -> dict[str, Any]:
        """The TOML tables of ``text``."""
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as err:
            raise self._error(f"is not valid TOML: {err}") from None

    def structure(self, schema: type[TableT], data: Mapping[str, Any]) -> TableT:
        """``data`` checked against ``schema``; the first error, worded as one line (an unknown key first:
        a misspelt key explains a missing one)."""
        try:
            return schema.model_validate(data)
        except ValidationError as err:
            errors = err.errors()
            first = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
            raise self._worded(schema, first) from None

    # --- what the file's own module checks -------------------------------------------------------
    def fail(self, path: str, value: Any, allowed: str) -> InputError:
        """The error for ``value`` at ``path`` (``table.field``), naming what is allowed."""
        return self._error(f"{path} = {render(value)}: allowed {allowed}")

    def missing(self, path: str, allowed: str) -> InputError:
        """The error for a field that must be given."""
        return self._error(f"{path} is missing: allowed {allowed}")

    def refuse(self, path: str, message: str) -> InputError:
        """An error about the table at ``path`` as a whole (``message`` says what is allowed)."""
        return self._error(message, path)

    def inner(self, path: str, value: Any, err: InputError) -> InputError:
        """The error of a file that ``value`` at ``path`` names (a scenario file named by an experiment)."""
        return self._error(f"{path} = {render(value)}: {err}")

    def name(self, path: str, name: str, known: Iterable[str], what: str) -> str:
        """``name`` if it is in ``known``; else the error naming the closest known name."""
        try:
            return lookup(name, list(known), what)
        except ParameterError as err:
            raise self._error(str(err), path) from None

    def unknown(self, path: str, name: str, known: Iterable[str], what: str) -> InputError | None:
        """The error naming the closest known name when ``name`` is not in ``known``; None when it is."""
        try:
            lookup(name, list(known), what)
        except ParameterError as err:
            return self._error(str(err), path)
        return None

    def parameter(self, path: str, name: str, value: Any) -> float | int | bool:
        """The value of parameter ``name`` given at ``path``: of the parameter's TOML type, within its range."""
        p = PARAMETERS[name]
        if p.kind == "bool":
            typed = isinstance(value, bool)
        elif p.kind == "int":
            typed = isinstance(value, int) and not isinstance(value, bool)
        else:
            typed = isinstance(value, int | float) and not isinstance(value, bool)
        if typed:
            try:
                return p.validate(value)
            except ParameterError:
                pass
        raise self.fail(path, value, parameter_allowed(p))

    def parameters(self, path: str, table: Mapping[str, Any]) -> dict[str, float | int | bool]:
        """A ``NAME = VALUE`` table of parameter values, every name and value checked."""
        checked = {}
        for key, value in table.items():
            name = self.name(path, key, PARAMETERS, "parameter")
            checked[name] = self.parameter(f"{path}.{name}", name, value)
        return checked

    # --- wording ---------------------------------------------------------------------------------
    def _error(self, message: str, path: str = "") -> InputError:
        where = f"{self.origin}: {path}: " if path else f"{self.origin}: "
        return self.error(one_line(where + message))

    def _worded(self, schema: type[Table], error: Any) -> InputError:
        loc, kind, value = tuple(error["loc"]), error["type"], error.get("input")
        if kind == "extra_forbidden":
            table = _unwrap(_annotation_at(schema, loc[:-1]))[0]
            known = list(table.model_fields) if _is_table(table) else []
            what = table.KEY if _is_table(table) else "field"
            unknown = self.unknown(path_text(loc[:-1]), str(loc[-1]), known, what)
            if unknown is not None:
                return unknown
        choice = next((m for m in _unwrap(_annotation_at(schema, loc))[1] if isinstance(m, OneOf)), None)
        if kind == "value_error" and choice is not None:
            while loc and isinstance(loc[-1], int):  # a list's item: name the list
                loc = loc[:-1]
            unknown = self.unknown(path_text(loc), str(value), choice.options, choice.what)
            if unknown is not None:
                return unknown
        allowed = allowed_text(_annotation_at(schema, loc))
        if kind == "missing":
            return self.missing(path_text(loc), allowed)
        return self.fail(path_text(loc), value, allowed)


# --- the parts of an error ---------------------------------------------------------------------------
def one_line(text: str) -> str:
    """``text`` with every character that could break a line or hide (newlines, U+0085, U+2028, other
    control and format characters) written as its escape, so an error is one line whatever a file holds."""
    return "".join(c if c.isprintable() or c == " " else c.encode("unicode_escape").decode("ascii") for c in text)


def path_text(loc: Iterable[Any]) -> str:
    """``('vary', 'trust_gain', 'levels', 1)`` as ``vary.trust_gain.levels[2]`` (positions count from 1)."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part + 1}]"
        else:
            name = str(part) if str(part).replace("_", "").replace("-", "").isalnum() else json.dumps(str(part))
            text += f".{name}" if text else name
    return text


def render(value: Any) -> str:
    """``value`` as a TOML file would write it, cut short if long."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, float) and not math.isfinite(value):
        text = "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    elif isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
    elif isinstance(value, Mapping):
        text = "{" + ", ".join(f"{path_text([k])} = {render(v)}" for k, v in value.items()) + "}"
    elif isinstance(value, list | tuple):
        text = "[" + ", ".join(render(v) for v in value) + "]"
    else:
        text = str(value)
    return text if len(text) <= LONGEST_VALUE else text[: LONGEST_VALUE - 3] + "..."


def allowed_text(annotation: Any) -> str:
    """What a field of type ``annotation`` allows, in words (a field's ``description`` says it instead)."""
    tp, metadata = _unwrap(annotation)
    for item in metadata:
        if isinstance(item, FieldInfo) and item.description:
            return item.description
        if isinstance(item, OneOf):
            return "one of " + ", ".join(item.options)
    if tp is bool:
        return "true or false"
    if tp is int:
        return "a whole number" + _range(metadata, "{:,}")
    if tp is float:
        return "a number" + _range(metadata, "{:g}")
    if tp is str:
        return "text in quotes"
    if get_origin(tp) in (list, tuple):
        return f"a list [...], each {allowed_text(get_args(tp)[0])}"
    if get_origin(tp) is dict:
        return f"a table of NAME = VALUE, each value {allowed_text(get_args(tp)[1])}"
    if _is_table(tp):
        return "a table of " + ", ".join(tp.model_fields)
    return "a value of another type"


def _range(metadata: list[Any], number: str) -> str:
    """The bounds found in ``metadata`` in words, numbers formatted by ``number``."""
    b: dict[str, str] = {}
    for item in metadata:  # pydantic's Ge, Gt and Le constraints each hold one bound
        for name in ("ge", "gt", "le"):
            if not isinstance(item, FieldInfo) and getattr(item, name, None) is not None:
                b[name] = number.format(getattr(item, name))
    if "ge" in b and "le" in b:
        return f" from {b['ge']} to {b['le']}"
    if "gt" in b and "le" in b:
        return f" above {b['gt']} and at most {b['le']}"
    if "ge" in b:
        return f" of {b['ge']} or more"
    if "gt" in b:
        return f" above {b['gt']}"
    return f" up to {b['le']}" if "le" in b else ""


def _is_table(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _unwrap(annotation: Any) -> tuple[Any, list[Any]]:
    """The type under ``Annotated`` and ``| None``, and the metadata found on the way (a FieldInfo's too)."""
    metadata: list[Any] = []
    while True:
        if get_origin(annotation) is Annotated:
            for item in annotation.__metadata__:
                metadata.append(item)
                if isinstance(item, FieldInfo):
                    metadata.extend(item.metadata)
            annotation = get_args(annotation)[0]
        elif get_origin(annotation) in (typing.Union, types.UnionType):
            annotation = next(a for a in get_args(annotation) if a is not type(None))
        else:
            return annotation, metadata


def _annotation_at(schema: type[Table], loc: tuple[Any, ...]) -> Any:
    """The annotation of the field at ``loc`` (with its metadata), walking tables, lists and NAME tables."""
    annotation: Any = schema
    for key in loc:
        tp = _unwrap(annotation)[0]
        if _is_table(tp) and isinstance(key, str) and key in tp.model_fields:
            field = tp.model_fields[key]
            annotation = Annotated[field.annotation, field]
        elif get_origin(tp) in (list, tuple) and isinstance(key, int):
            annotation = get_args(tp)[0]
        elif get_origin(tp) is dict:
            annotation = get_args(tp)[1]
        else:
            return annotation
    return annotation
