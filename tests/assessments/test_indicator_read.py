"""How the indicators cut a period into the period facts' blocks (``assessments.selectors.indicator_read``):
whole years and months, the partial months at either end, and the deployments' row of a program."""

from __future__ import annotations

import datetime as dt

import pytest

from assessments.selectors.indicator_read import coverage_blocks, deployment_block, whole_months
from pairings.models import Program

D = dt.date
FIRST, LAST = D(1, 1, 1), D(9999, 1, 1)


@pytest.mark.parametrize(
    ("lo", "hi", "years", "months"),
    [
        (D(2023, 1, 1), D(2024, 1, 1), (D(2023, 1, 1), D(2024, 1, 1)), []),
        (None, None, (FIRST, LAST), []),
        (
            D(2023, 3, 1),
            D(2025, 5, 1),
            (D(2024, 1, 1), D(2025, 1, 1)),
            [(D(2023, 3, 1), D(2024, 1, 1)), (D(2025, 1, 1), D(2025, 5, 1))],
        ),
        (D(2023, 3, 1), D(2023, 9, 1), None, [(D(2023, 3, 1), D(2023, 9, 1))]),
        (D(2023, 3, 1), None, (D(2024, 1, 1), LAST), [(D(2023, 3, 1), D(2024, 1, 1))]),
        (None, D(2023, 3, 1), (FIRST, D(2023, 1, 1)), [(D(2023, 1, 1), D(2023, 3, 1))]),
        (D(2023, 3, 1), D(2023, 3, 1), None, []),
    ],
)
def test_whole_months_are_years_and_the_months_around_them(lo, hi, years, months) -> None:
    assert whole_months(lo, hi) == (years, months)


@pytest.mark.parametrize(
    ("date_from", "date_to", "expected"),
    [
        # a year: its year row, nothing partial
        (D(2023, 1, 1), D(2023, 12, 31), ((D(2023, 1, 1), D(2024, 1, 1)), [], [])),
        # cut in the middle of months at both ends
        (
            D(2023, 2, 15),
            D(2023, 5, 10),
            (
                None,
                [(D(2023, 3, 1), D(2023, 5, 1))],
                [(D(2023, 2, 15), D(2023, 2, 28)), (D(2023, 5, 1), D(2023, 5, 10))],
            ),
        ),
        # inside one month: one piece
        (D(2023, 2, 10), D(2023, 2, 20), (None, [], [(D(2023, 2, 10), D(2023, 2, 20))])),
        # from the middle of a month to its end
        (D(2024, 2, 10), D(2024, 2, 29), (None, [], [(D(2024, 2, 10), D(2024, 2, 29))])),
        # open at one end
        (D(2024, 3, 1), None, ((D(2025, 1, 1), LAST), [(D(2024, 3, 1), D(2025, 1, 1))], [])),
        (
            None,
            D(2023, 6, 15),
            ((FIRST, D(2023, 1, 1)), [(D(2023, 1, 1), D(2023, 6, 1))], [(D(2023, 6, 1), D(2023, 6, 15))]),
        ),
    ],
)
def test_coverage_blocks_cover_every_day_once(date_from, date_to, expected) -> None:
    assert coverage_blocks(date_from, date_to) == expected


def test_deployment_block_is_a_year_or_the_whole_program() -> None:
    program = Program(start_date=D(2022, 4, 1), end_date=D(2025, 12, 31))
    assert deployment_block(program, D(2022, 4, 1), D(2025, 12, 31)) == (D(2022, 4, 1), 0)
    assert deployment_block(program, D(2023, 1, 1), D(2023, 12, 31)) == (D(2023, 1, 1), 12)
    # the first year starts with the program
    assert deployment_block(program, D(2022, 4, 1), D(2022, 12, 31)) == (D(2022, 1, 1), 12)
    # anything else is counted from the deployment facts
    assert deployment_block(program, D(2023, 1, 1), D(2023, 6, 30)) is None
    assert deployment_block(program, D(2022, 1, 1), D(2022, 12, 31)) is None
