"""The parameter registry: one place, typed, validated, with helpful one-line errors."""

import pytest

from partnerships.model.parameters import HEADLINE_LEVERS, PARAMETERS, ParameterError, parse_assignment, validate


def test_every_parameter_is_documented_and_its_default_in_range():
    for p in PARAMETERS.values():
        assert p.low <= float(p.default) <= p.high, p.name
        assert p.unit and p.meaning and p.source and p.label, p.name
        assert p.kind in ("float", "int", "bool")


def test_headline_levers_exist_with_their_names():
    assert set(HEADLINE_LEVERS) <= set(PARAMETERS)
    assert PARAMETERS["meeting_discipline"].low == 0 and PARAMETERS["meeting_discipline"].high == 1


def test_unknown_name_suggests_the_closest():
    with pytest.raises(ParameterError, match="did you mean 'leader_turnover'"):
        validate({"leader_turnovr": 0.1})


def test_out_of_range_names_field_and_range():
    with pytest.raises(ParameterError, match="meeting_discipline.*allowed 0 to 1"):
        validate({"meeting_discipline": 1.5})


def test_int_parameter_rejects_fractions_and_bool_parses_words():
    with pytest.raises(ParameterError, match="whole number"):
        validate({"meeting_interval": 2.5})
    assert parse_assignment("funding_catalytic_effect=off") == ("funding_catalytic_effect", False)
    assert parse_assignment("meeting_interval=2") == ("meeting_interval", 2)
    with pytest.raises(ParameterError, match="NAME=VALUE"):
        parse_assignment("meeting_interval")


@pytest.mark.parametrize("value", [float("nan"), float("inf"), "nan", "-inf", "1e400", True, False])
def test_every_number_parameter_refuses_non_finite_values_and_booleans_in_one_line(value):
    for p in PARAMETERS.values():
        if p.kind == "bool":
            continue
        with pytest.raises(ParameterError, match=rf"^parameter '{p.name}' = .* is not a (finite )?number: allowed"):
            p.validate(value)
