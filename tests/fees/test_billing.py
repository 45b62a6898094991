"""The bill calculator: tier boundaries, every structure, rounding, and bad input."""

from __future__ import annotations

from decimal import Decimal

import pytest
from flask_babel import force_locale

from portal.fees.bill_input import parse_usage
from portal.fees.billing import BillInputError, Usage, calculate
from portal.fees.enums import BasicChargeBasis, BillingBasis, Period
from portal.fees.structure import HourSpan, MonthlyCharge, PriceStructure
from tests.fees.conftest import ZJ

D = Decimal


@pytest.fixture(autouse=True)
def _request(app):
    with app.test_request_context("/"), force_locale("en"):
        yield


def total(structure, **usage):
    return calculate(structure, Usage(**usage)).total


@pytest.mark.parametrize(("kwh", "expected"), [
    ("0", "0.00"),
    ("2759", "1484.34"),   # 2759 x 0.538
    ("2760", "1484.88"),   # the 2,760th kWh is still tier 1
    ("2761", "1485.47"),   # 1484.88 + 0.588
    ("4799", "2683.81"),   # 1484.88 + 2039 x 0.588 = 1198.93
    ("4800", "2684.40"),
    ("4801", "2685.24"),   # + 0.838
    ("3000.5", "1626.29"),  # 240.5 x 0.588 = 141.414 -> 141.41
])
def test_annual_tiers_at_and_around_each_threshold(kwh, expected):
    assert total(ZJ, kwh=D(kwh)) == D(expected)


def test_lines_name_each_tier_with_quantity_price_and_amount():
    bill = calculate(ZJ, Usage(kwh=D(4801)))
    assert [(line.label, line.quantity, line.unit_price, line.amount) for line in bill.lines] == [
        ("Energy (tier 1)", D(2760), D("0.538"), D("1484.88")),
        ("Energy (tier 2)", D(2040), D("0.588"), D("1199.52")),
        ("Energy (tier 3)", D(1), D("0.838"), D("0.84")),
    ]
    assert bill.total == sum(line.amount for line in bill.lines)


def test_monthly_thresholds_scale_with_months():
    monthly = PriceStructure(tiers=(D(230), D(400), None), billing_basis=BillingBasis.MONTHLY,
                             prices={(1, Period.ALL): D("0.5"), (2, Period.ALL): D("0.55"),
                                     (3, Period.ALL): D("0.8")})
    assert total(monthly, kwh=D(230)) == D("115.00")
    assert total(monthly, kwh=D(460), months=2) == D("230.00")  # still all tier 1
    assert total(monthly, kwh=D(461), months=2) == D("230.55")


def test_zero_consumption_has_no_energy_lines_but_keeps_monthly_charges():
    flat = PriceStructure(prices={(1, Period.ALL): D("0.7120")},
                          monthly_charges=(MonthlyCharge("计量装置维护费", "Meter", D(5)),))
    bill = calculate(flat, Usage(kwh=D(0), months=3))
    assert [(line.kind, line.amount) for line in bill.lines] == [("monthly", D("15.00"))]


def test_rounding_is_half_up_per_line_and_total_is_sum_of_rounded_lines():
    flat = PriceStructure(prices={(1, Period.ALL): D("0.0050")})
    assert total(flat, kwh=D(1)) == D("0.01")      # 0.005 rounds up
    assert total(flat, kwh=D("0.9")) == D("0.00")  # 0.0045 rounds down
    two_lines = PriceStructure(tiers=(D(1), None), billing_basis=BillingBasis.ANNUAL,
                               prices={(1, Period.ALL): D("0.0050"),
                                       (2, Period.ALL): D("0.0050")})
    # Each of the two lines is 0.005 -> 0.01, so the total is 0.02, not round(0.010) = 0.01.
    assert total(two_lines, kwh=D(2)) == D("0.02")


def test_fractional_kwh():
    flat = PriceStructure(prices={(1, Period.ALL): D("0.5580")})
    assert total(flat, kwh=D("123.4567")) == D("68.89")  # 68.8888386


TOU = PriceStructure(
    tiers=(D(2760), D(4800), None), billing_basis=BillingBasis.ANNUAL,
    hours=(HourSpan(Period.VALLEY, 0, 480), HourSpan(Period.PEAK, 480, 1320),
           HourSpan(Period.VALLEY, 1320, 1440)),
    prices={(1, Period.PEAK): D("0.568"), (1, Period.VALLEY): D("0.288"),
            (2, Period.PEAK): D("0.618"), (2, Period.VALLEY): D("0.338"),
            (3, Period.PEAK): D("0.868"), (3, Period.VALLEY): D("0.588")})


def test_time_of_use_splits_each_tier_in_proportion_to_the_periods():
    bill = calculate(TOU, Usage(by_period={Period.PEAK: D(3000), Period.VALLEY: D(2000)}))
    cells = [(line.label, line.quantity) for line in bill.lines]
    assert cells == [
        ("Energy (tier 1, Peak)", D(1656)), ("Energy (tier 1, Valley)", D(1104)),
        ("Energy (tier 2, Peak)", D(1224)), ("Energy (tier 2, Valley)", D(816)),
        ("Energy (tier 3, Peak)", D(120)), ("Energy (tier 3, Valley)", D(80)),
    ]
    assert bill.total == D("2442.00")


def test_time_of_use_quantities_always_add_up_to_what_was_consumed():
    bill = calculate(TOU, Usage(by_period={Period.PEAK: D("1234.5678"),
                                           Period.VALLEY: D("3333.3333")}))
    peak = sum(line.quantity for line in bill.lines if "Peak" in line.label)
    valley = sum(line.quantity for line in bill.lines if "Valley" in line.label)
    assert (peak, valley) == (D("1234.5678"), D("3333.3333"))


TWO_PART = PriceStructure(
    hours=(HourSpan(Period.VALLEY, 0, 480), HourSpan(Period.PEAK, 480, 660),
           HourSpan(Period.FLAT, 660, 1080), HourSpan(Period.PEAK, 1080, 1380),
           HourSpan(Period.FLAT, 1380, 1440)),
    prices={(1, Period.PEAK): D("1.0046"), (1, Period.FLAT): D("0.6246"),
            (1, Period.VALLEY): D("0.2896")},
    basic_charge_basis=BasicChargeBasis.CAPACITY, basic_charge_rate=D(24))


def test_two_part_tariff_on_capacity():
    bill = calculate(TWO_PART, Usage(by_period={Period.PEAK: D(1000), Period.FLAT: D(2000),
                                                Period.VALLEY: D(3000)},
                                     capacity_kva=D(400), months=2))
    assert [line.amount for line in bill.lines] == [D("1004.60"), D("1249.20"), D("868.80"),
                                                    D("19200.00")]
    assert bill.total == D("22322.60")


def test_two_part_tariff_on_demand():
    demand = PriceStructure(prices={(1, Period.ALL): D("0.6")},
                            basic_charge_basis=BasicChargeBasis.DEMAND, basic_charge_rate=D(44))
    bill = calculate(demand, Usage(kwh=D(100), demand_kw=D("350.5")))
    assert bill.lines[-1].amount == D("15422.00")
    assert bill.lines[-1].unit == "kW·month"


@pytest.mark.parametrize(("args", "parameter"), [
    ({"kwh": "-1"}, "kwh"),
    ({"kwh": "abc"}, "kwh"),
    ({"kwh": "NaN"}, "kwh"),
    ({"kwh": "Infinity"}, "kwh"),
    ({"kwh": "1.00001"}, "kwh"),
    ({"kwh": "1e12"}, "kwh"),
    ({"kwh": "10", "months": "0"}, "months"),
    ({"kwh": "10", "months": "1.5"}, "months"),
    ({"kwh": "10", "months": "25"}, "months"),
    ({"peak_kwh": "-5"}, "peak_kwh"),
    ({"kwh": "10", "capacity_kva": "x"}, "capacity_kva"),
])
def test_unusable_numbers_name_their_parameter(args, parameter):
    with pytest.raises(BillInputError) as error:
        calculate(ZJ, parse_usage(args))
    assert error.value.parameter == parameter
    assert error.value.message


@pytest.mark.parametrize(("structure", "args", "parameter"), [
    (ZJ, {}, "kwh"),                                            # missing
    (ZJ, {"peak_kwh": "10", "valley_kwh": "5"}, "peak_kwh"),    # TOU split on a tiered tariff
    (TOU, {"kwh": "10"}, "kwh"),                                # total on a TOU tariff
    (TOU, {"peak_kwh": "10"}, "valley_kwh"),                    # a period missing
    (TOU, {"peak_kwh": "1", "valley_kwh": "1", "flat_kwh": "1"}, "flat_kwh"),  # no flat price
    (ZJ, {"kwh": "10", "capacity_kva": "100"}, "capacity_kva"),  # no basic charge
    (TWO_PART, {"peak_kwh": "1", "flat_kwh": "1", "valley_kwh": "1"}, "capacity_kva"),
    (TWO_PART, {"peak_kwh": "1", "flat_kwh": "1", "valley_kwh": "1", "demand_kw": "5"},
     "demand_kw"),
])
def test_input_that_does_not_fit_the_tariff_names_the_parameter(structure, args, parameter):
    with pytest.raises(BillInputError) as error:
        calculate(structure, parse_usage(args))
    assert error.value.parameter == parameter


def test_error_messages_are_translated(app):
    with app.test_request_context("/"), force_locale("zh_Hans_CN"), \
            pytest.raises(BillInputError) as error:
        parse_usage({"kwh": "-1"})
    assert error.value.message == "数值不能为负数。"
