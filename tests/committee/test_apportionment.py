"""The apportionment of seats, checked against cases computed by hand."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from portal.committee.apportionment import ApportionmentError, apportion, dhondt, sainte_lague
from portal.fees.enums import CustomerClass

D = Decimal
CLASSES = [member.value for member in CustomerClass]
# Demo-like shares (per cent of all fees): industry two thirds, residents 15, commerce 17,
# agriculture 1.5.
SHARES = {"residential": D("15"), "agricultural": D("1.5"), "general": D("17"),
          "large_industrial": D("66.5")}


def test_a_class_without_a_whole_seat_gets_its_seat_through_the_minimum() -> None:
    # 11 seats, 4 minimums, 7 shared: quotas 1.05, 0.105, 1.19, 4.655 -> whole 1, 0, 1, 4 (6);
    # the 7th seat goes to the largest remainder, industry's 0.655.
    result = apportion(SHARES, 11, minimum=1, known=CLASSES)
    assert result.remaining == 7 and result.by_remainder == 1 and result.complete
    agri = result.row("agricultural")
    assert agri.quota == Fraction(105, 1000) and agri.whole == 0 and not agri.extra
    assert agri.total == 1  # the minimum alone
    assert agri.share == Fraction(15, 1000)
    assert result.row("large_industrial").extra
    assert result.row("large_industrial").remainder == Fraction(655, 1000)
    assert result.totals() == {"residential": 2, "agricultural": 1, "general": 2,
                               "large_industrial": 6}
    assert sum(result.totals().values()) == 11
    # Without a minimum: quotas 1.65, 0.165, 1.87, 7.315 -> 1, 0, 1, 7; the two seats left go
    # to commerce (0.87) and residents (0.65): agriculture has no seat at all.
    assert {row.key: row.without_minimum for row in result.rows} == {
        "residential": 2, "agricultural": 0, "general": 2, "large_industrial": 7}


def test_divisor_methods_beside_it() -> None:
    # With the same minimum of 1, the 7 further seats by highest quotient:
    # D'Hondt: industry 33.25, 22.2, 16.6, 13.3, 11.1, 9.5; then commerce 8.5 -> 1, 1, 2, 7.
    # Sainte-Laguë: industry 22.2, 13.3, 9.5, 7.4, 6.0; commerce 5.67; industry 5.12 (> 5.0)
    # -> 1, 1, 2, 7.
    result = apportion(SHARES, 11, minimum=1, known=CLASSES)
    assert {row.key: row.dhondt for row in result.rows} == {
        "residential": 1, "agricultural": 1, "general": 2, "large_industrial": 7}
    assert {row.key: row.sainte_lague for row in result.rows} == {
        "residential": 1, "agricultural": 1, "general": 2, "large_industrial": 7}


def test_dhondt_favours_the_large_class_sainte_lague_does_not() -> None:
    fees = {"a": Fraction(53), "b": Fraction(24), "c": Fraction(23)}
    # D'Hondt, 7 seats: a 53, 26.5, 24(b), 23(c), 17.7(a), 13.25(a), 12(b) -> 4, 2, 1
    assert dhondt(fees, 7).totals == {"a": 4, "b": 2, "c": 1}
    # Sainte-Laguë: a 53, b 24, c 23, a 17.7, a 10.6, a? 53/7=7.57 vs b 8, c 7.67 -> b, c
    assert sainte_lague(fees, 7).totals == {"a": 3, "b": 2, "c": 2}


def test_an_equal_remainder_goes_to_the_larger_fee_total() -> None:
    # 2 seats, fees 150 and 50: quotas 1.5 and 0.5, whole 1 and 0, both remainders 0.5:
    # the seat goes to the class that paid more.
    result = apportion({"residential": D(150), "general": D(50)}, 2, minimum=0)
    assert result.row("residential").remainder == result.row("general").remainder
    assert result.totals() == {"residential": 2, "general": 0}
    assert result.complete and result.tied == ()


def test_a_tie_that_remains_is_reported_not_decided() -> None:
    # 11 seats, minimum 1 each, fees 6, 6, 2: 8 shared, quotas 24/7, 24/7, 8/7 -> 3, 3, 1;
    # one seat left, two equal remainders 3/7 with equal fees: nobody may take it silently.
    fees = {"residential": D(6), "general": D(6), "agricultural": D(2)}
    result = apportion(fees, 11, minimum=1)
    assert result.row("residential").remainder == Fraction(3, 7)
    assert set(result.tied) == {"residential", "general"}
    assert result.undecided == 1 and not result.complete
    assert result.totals() == {"residential": 4, "general": 4, "agricultural": 2}
    assert result.row("residential").tied and not result.row("agricultural").tied


def test_the_alabama_paradox_when_the_seats_grow() -> None:
    # Fees 6, 6, 2 without a minimum. 10 seats: quotas 4.29, 4.29, 1.43 -> 4, 4, 1, the seat
    # left to agriculture (0.43): 4, 4, 2. 11 seats: quotas 4.71, 4.71, 1.57 -> 4, 4, 1, the two
    # seats left to the two larger remainders (0.71): 5, 5, 1. One more seat, one seat fewer.
    fees = {"residential": D(6), "general": D(6), "agricultural": D(2)}
    ten = apportion(fees, 10, minimum=0)
    eleven = apportion(fees, 11, minimum=0)
    assert ten.totals() == {"residential": 4, "general": 4, "agricultural": 2}
    assert eleven.totals() == {"residential": 5, "general": 5, "agricultural": 1}
    assert eleven.row("agricultural").total < ten.row("agricultural").total
    # Divisor methods never do that.
    assert eleven.row("agricultural").dhondt >= ten.row("agricultural").dhondt
    assert eleven.row("agricultural").sainte_lague >= ten.row("agricultural").sainte_lague


def test_shares_and_quotas_are_exact_fractions() -> None:
    result = apportion({"residential": D("1"), "general": D("2")}, 3, minimum=0)
    row = result.row("residential")
    assert isinstance(row.share, Fraction) and row.share == Fraction(1, 3)
    assert row.quota == 1 and row.remainder == 0
    assert result.fee_total == D(3)


def test_the_rows_follow_the_order_of_the_classes() -> None:
    fees = {"large_industrial": D(5), "residential": D(5)}
    assert [row.key for row in apportion(fees, 3, known=CLASSES).rows] == [
        "residential", "large_industrial"]


@pytest.mark.parametrize(("fees", "seats", "minimum", "field"), [
    (SHARES, 3, 1, "total_seats"),          # four minimums do not fit in three seats
    (SHARES, 11, 3, "total_seats"),         # 12 seats needed
    (SHARES, 0, 0, "total_seats"),
    (SHARES, 11, -1, "minimum_seats"),
    ({**SHARES, "residential": D(0)}, 11, 1, "fees"),
    ({**SHARES, "residential": D(-5)}, 11, 1, "fees"),
    ({}, 11, 1, "fees"),
    ({**SHARES, "students": D(1)}, 11, 1, "customer_class"),
])
def test_figures_that_cannot_be_apportioned_are_refused(app, fees, seats, minimum,
                                                        field) -> None:
    with app.test_request_context("/?lang=zh_Hans_CN"), pytest.raises(ApportionmentError) as error:
        apportion(fees, seats, minimum=minimum, known=CLASSES)
    assert error.value.field == field
    assert str(error.value.message)


def test_the_refusal_is_translated(app) -> None:
    with app.test_request_context("/?lang=en"), pytest.raises(ApportionmentError) as error:
        apportion(SHARES, 3, minimum=1, known=CLASSES)
    assert "3 seats are fewer than the 4" in str(error.value.message)
