"""Annual tiers are billed cumulatively: this bill's kWh count on from the tariff year's
consumption before it (DOMAIN.md), on the page, in the API and in "check my bill"."""

from __future__ import annotations

from decimal import Decimal

import pytest
from flask_babel import force_locale

from portal.fees.bill_input import parse_usage, require, used_parameters
from portal.fees.billing import BillInputError, Usage, calculate
from portal.fees.enums import BasicChargeBasis, BillingBasis, Period
from portal.fees.structure import MonthlyCharge, PriceStructure
from tests.fees.conftest import ZJ
from tests.fees.test_billing import TOU

D = Decimal


@pytest.fixture(autouse=True)
def _request(app):
    with app.test_request_context("/"), force_locale("en"):
        yield


def split(structure, **usage):
    bill = calculate(structure, Usage(**usage))
    return [(line.label, line.quantity, line.amount) for line in bill.lines], bill


def test_the_domain_example_60_at_tier_1_and_140_at_tier_2():
    lines, bill = split(ZJ, kwh=D(200), previous_kwh=D(2700))
    assert lines == [("Energy (tier 1)", D(60), D("32.28")),     # 60 x 0.538
                     ("Energy (tier 2)", D(140), D("82.32"))]    # 140 x 0.588
    assert bill.total == D("114.60")
    assert (bill.previous_kwh, bill.kwh, bill.year_to_date_kwh) == (D(2700), D(200), D(2900))


def test_a_bill_that_crosses_two_tier_limits():
    lines, bill = split(ZJ, kwh=D(2500), previous_kwh=D(2700))  # 2,700 -> 5,200
    assert [(label, kwh) for label, kwh, _ in lines] == [
        ("Energy (tier 1)", D(60)), ("Energy (tier 2)", D(2040)), ("Energy (tier 3)", D(400))]
    assert bill.total == D("32.28") + D("1199.52") + D("335.20")


def test_previous_consumption_already_past_tier_3_bills_everything_at_tier_3():
    lines, _bill = split(ZJ, kwh=D(150), previous_kwh=D(6000))
    assert lines == [("Energy (tier 3)", D(150), D("125.70"))]


def test_a_bill_ending_exactly_on_a_limit_stays_in_the_lower_tier():
    lines, _bill = split(ZJ, kwh=D(60), previous_kwh=D(2700))
    assert lines == [("Energy (tier 1)", D(60), D("32.28"))]
    lines, _bill = split(ZJ, kwh=D(1), previous_kwh=D(2760))
    assert lines == [("Energy (tier 2)", D(1), D("0.59"))]


@pytest.mark.parametrize(("kwh", "previous"), [("0", "0"), ("0", "3000"), ("200", "0")])
def test_zero(kwh, previous):
    lines, bill = split(ZJ, kwh=D(kwh), previous_kwh=D(previous))
    if kwh == "0":
        assert lines == [] and bill.total == D("0.00")
    else:  # the first bill of the year is the whole-year calculation from 0
        assert lines == [("Energy (tier 1)", D(200), D("107.60"))]


def test_first_bill_of_the_year_is_the_same_as_leaving_previous_out():
    assert calculate(ZJ, Usage(kwh=D(3000))).total == calculate(
        ZJ, Usage(kwh=D(3000), previous_kwh=D(0))).total == D("1626.00")


def test_time_of_use_annual_splits_each_tier_in_this_bills_peak_valley_proportion():
    # 2,700 before; this bill 120 peak + 80 valley = 200: 60 in tier 1, 140 in tier 2, each
    # split 60 % peak / 40 % valley.
    lines, bill = split(TOU, by_period={Period.PEAK: D(120), Period.VALLEY: D(80)},
                        previous_kwh=D(2700))
    assert lines == [
        ("Energy (tier 1, Peak)", D(36), D("20.45")),    # 36 x 0.568 = 20.448
        ("Energy (tier 1, Valley)", D(24), D("6.91")),   # 24 x 0.288 = 6.912
        ("Energy (tier 2, Peak)", D(84), D("51.91")),    # 84 x 0.618 = 51.912
        ("Energy (tier 2, Valley)", D(56), D("18.93")),  # 56 x 0.338 = 18.928
    ]
    assert bill.total == D("98.20")


def test_time_of_use_quantities_add_up_per_period_with_uneven_shares():
    bill = calculate(TOU, Usage(by_period={Period.PEAK: D("100.0001"), Period.VALLEY: D(33)},
                                previous_kwh=D(2700)))
    peak = sum(line.quantity for line in bill.lines if "Peak" in line.label)
    valley = sum(line.quantity for line in bill.lines if "Valley" in line.label)
    assert (peak, valley) == (D("100.0001"), D(33))


def test_year_to_date_as_printed_gives_the_same_bill():
    assert calculate(ZJ, Usage(kwh=D(200), year_to_date_kwh=D(2900))) == calculate(
        ZJ, Usage(kwh=D(200), previous_kwh=D(2700)))


MONTHLY = PriceStructure(tiers=(D(230), D(400), None), billing_basis=BillingBasis.MONTHLY,
                         prices={(1, Period.ALL): D("0.5"), (2, Period.ALL): D("0.55"),
                                 (3, Period.ALL): D("0.8")})


@pytest.mark.parametrize(("structure", "args", "parameter"), [
    (MONTHLY, {"kwh": "10", "previous_kwh": "100"}, "previous_kwh"),
    (MONTHLY, {"kwh": "10", "year_to_date_kwh": "100"}, "year_to_date_kwh"),
    (PriceStructure(prices={(1, Period.ALL): D("0.558")}), {"kwh": "1", "previous_kwh": "0"},
     "previous_kwh"),
    (ZJ, {"kwh": "10", "previous_kwh": "1", "year_to_date_kwh": "11"}, "year_to_date_kwh"),
    (ZJ, {"kwh": "200", "year_to_date_kwh": "199"}, "year_to_date_kwh"),
    (ZJ, {"kwh": "1", "previous_kwh": "-1"}, "previous_kwh"),
    (ZJ, {"kwh": "1", "previous_kwh": "lots"}, "previous_kwh"),
    (ZJ, {"kwh": "1", "year_to_date_kwh": "1e30"}, "year_to_date_kwh"),
])
def test_consumption_earlier_in_the_year_that_cannot_be_used(structure, args, parameter):
    with pytest.raises(BillInputError) as error:
        calculate(structure, parse_usage(args))
    assert error.value.parameter == parameter and error.value.message


def test_a_persons_form_must_say_what_was_used_earlier_in_the_year():
    with pytest.raises(BillInputError) as error:
        require(ZJ, {"kwh": "200"}, "previous_kwh")
    assert error.value.parameter == "previous_kwh"
    assert "0 if this is the first bill" in error.value.message
    require(MONTHLY, {"kwh": "200"}, "previous_kwh")  # monthly tiers: nothing to ask


def test_months_appear_only_where_they_change_the_bill():
    assert used_parameters(ZJ) == ["kwh", "previous_kwh"]
    assert used_parameters(TOU, "year_to_date_kwh") == ["peak_kwh", "valley_kwh",
                                                        "year_to_date_kwh"]
    assert used_parameters(MONTHLY) == ["kwh", "months"]
    flat = PriceStructure(prices={(1, Period.ALL): D("0.558")})
    assert used_parameters(flat) == ["kwh"]
    charged = PriceStructure(prices={(1, Period.ALL): D("0.712")},
                             monthly_charges=(MonthlyCharge("表计费", None, D(5)),))
    assert used_parameters(charged) == ["kwh", "months"]
    demand = PriceStructure(prices={(1, Period.ALL): D("0.6")},
                            basic_charge_basis=BasicChargeBasis.DEMAND, basic_charge_rate=D(44))
    assert used_parameters(demand) == ["kwh", "demand_kw", "months"]


def test_months_change_nothing_on_annual_tiers():
    assert calculate(ZJ, Usage(kwh=D(3000), months=12)).total == D("1626.00")
