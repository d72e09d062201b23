"""A column's plain numbers read at once from its bytes (profile.plain_numbers, rules.plain) are exactly the cells of
at most PLAIN_WIDTH characters the one cell parser reads as plain numbers, with the same values to the bit; every other
cell is left to it."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from checker import config
from checker.rules.loader import load_pack
from checker.rules.profile import PLAIN_WIDTH, parse_value, plain_number, plain_numbers

PACK = load_pack(config.rules_dir())  # not a fixture: Hypothesis would print the whole pack on a failure
NUMBER_FIELDS = [d for d in PACK.fields.values() if d.type in ("int", "decimal")]
PLAIN = st.from_regex(r"[-+]?[0-9]{1,20}(\.[0-9]{0,20})?", fullmatch=True)  # plain, short or past 15 digits and width
NEAR = st.text(alphabet="0123456789+-. \n\r\0e,_万元亿１٣é", max_size=8)  # what is almost a plain number
CELLS = st.lists(st.one_of(PLAIN, NEAR, st.sampled_from(["", "-0", "+0", "0.", "12.", ".5", "1" * 24, "1" * 25])),
                 max_size=40)


def _same(a: float, b: float) -> bool:
    """Equal to the bit that matters: the value and the sign of zero."""
    return a == b and math.copysign(1, a) == math.copysign(1, b)


@settings(max_examples=400, deadline=None)
@given(decl=st.sampled_from(NUMBER_FIELDS), cells=CELLS)
def test_a_column_of_cells_reads_as_the_one_parser_reads_each(decl, cells):
    read, values = plain_numbers(decl, cells)
    assert len(read) == len(values) == len(cells)
    for text, taken, value in zip(cells, read.tolist(), values.tolist()):
        one = plain_number(decl, text) if len(text) <= PLAIN_WIDTH else None  # longer: read one by one
        assert taken == (one is not None), text
        if one is None:
            assert math.isnan(value), text
            continue
        assert _same(value, one), (text, value, one)
        assert _same(value, parse_value(decl, text)), text  # the one parser, whatever shortcut plain_number takes


def test_cells_past_exact_digits_are_read_as_float_reads_them():
    decl = PACK.fields["revenue_wan"]
    cells = ["1234567890.12345", "0.1000000000000000055511151231", "123456789012.3456789", "0.12345678901234567", "7"]
    read, values = plain_numbers(decl, cells)
    assert read.tolist() == [True, False, True, True, True]  # past 24 characters: parse_value reads it
    assert values[read].tolist() == [1234567890.12345, 123456789012.3456789, 0.12345678901234567, 7.0]


def test_a_cell_holding_a_line_break_or_non_ascii_text_keeps_its_neighbours_in_place():
    decl = PACK.fields["revenue_wan"]
    read, values = plain_numbers(decl, ["1\n2", "3", "５", "4", "海淀", "5.5"])
    assert read.tolist() == [False, True, False, True, False, True]
    assert values[read].tolist() == [3.0, 4.0, 5.5]
