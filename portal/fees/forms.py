"""Forms of the fee standards: check my bill, and the staff's tariff and version forms."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    DecimalField,
    FormField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import URL, DataRequired, Length, Optional, StopValidation, ValidationError

from portal.core import transactions
from portal.core.forms import DateWithin, PortalForm, RowList, Subform
from portal.core.text import localized_field
from portal.fees.bounds import CLAIMED_AMOUNT, CLAIMED_QUANTITY, FEE_AMOUNT, PRICE, Bound
from portal.fees.enums import (
    TIME_OF_USE_PERIODS,
    BasicChargeBasis,
    BillingBasis,
    CustomerClass,
    FeeStatus,
    Period,
    VoltageLevel,
)
from portal.fees.models import FeeItem, Tariff, TariffVersion
from portal.fees.services import (
    FeeError,
    FeeItemData,
    LegalBasis,
    VersionDraft,
    known_districts,
    structure_of,
    unknown_district,
)
from portal.fees.structure import (
    REQUIRED,
    MonthlyCharge,
    PriceStructure,
    StructureError,
    parse_span,
    too_many_tiers,
)
from portal.i18n import current_language

MAX_TIERS = 4  # the tiers the price grid has fields for
MONTHLY_ROWS = 3


class Within:
    """WTForms validator: the number fits a bound of ``portal.fees.bounds`` (the shared rule).

    It stops the field's validation chain, so no later validator compares an unusable number
    (``NumberRange`` raises on sNaN).
    """

    def __init__(self, bound: Bound) -> None:
        self.bound = bound

    def __call__(self, form: Any, field: Any) -> None:
        problem = None if field.data is None else self.bound.problem(field.data)
        if problem is not None:
            raise StopValidation(str(problem))


def _number_field(label: Any, bound: Bound, places: int | None = None) -> DecimalField:
    return DecimalField(label, places=places, validators=[Optional(), Within(bound)],
                        render_kw={"inputmode": "decimal"})


class ChargeRowForm(Subform):
    """One charge printed on a bill."""

    fee = SelectField(_l("Charge"), choices=[], default="")
    name = StringField(_l("Or its name as printed"), validators=[Optional(), Length(max=100)])
    quantity = _number_field(_l("Quantity"), CLAIMED_QUANTITY)
    amount = _number_field(_l("Amount (yuan)"), CLAIMED_AMOUNT, places=2)

    def is_blank(self) -> bool:
        """Nothing typed or chosen in this row."""
        return not (self.fee.data or (self.name.data or "").strip()
                    or (self.amount.raw_data and any(self.amount.raw_data)))

    def validate(self, extra_validators: Any = None) -> bool:
        """A row is blank, or names a charge and gives its amount."""
        if self.is_blank():
            return True
        ok = bool(super().validate(extra_validators))
        if not self.fee.data and not (self.name.data or "").strip():
            self.name.errors = [*self.name.errors, _l("Choose the charge or type its name.")]
            ok = False
        if self.amount.data is None and not self.amount.errors:
            self.amount.errors = [*self.amount.errors, REQUIRED]
            ok = False
        return ok


class BillCheckForm(PortalForm):
    """Up to a few charges from one bill, and the bill's date."""

    bill_date = DateField(_l("Date of the bill"), validators=[Optional(), DateWithin()],
                          render_kw={"max": "2100-12-31"})
    energy_amount = _number_field(_l("Electricity charge printed on the bill (yuan)"),
                                  CLAIMED_AMOUNT, places=2)
    rows = RowList(FormField(ChargeRowForm), _l("Charge"), min_entries=2, max_entries=20)
    add_rows = SubmitField(_l("More rows"))
    submit = SubmitField(_l("Check my bill"))
    # Set by the view: the electricity part was filled in (a tariff chosen and a number typed).
    energy_given = False

    def set_fee_choices(self, items: list[FeeItem]) -> None:
        """Offer every published fee item, in the visitor's language."""
        language = current_language()
        choices = [("", str(_l("— choose —")))]
        choices += [(item.code, localized_field(item, "name", language) or item.code)
                    for item in items]
        for row in self.rows:
            row.form.fee.choices = choices

    def add_empty_rows(self, count: int) -> None:
        """More blank rows (the no-JavaScript way to grow the form)."""
        choices = self.rows[0].form.fee.choices if self.rows.entries else []
        for _row in range(min(count, (self.rows.max_entries or 20) - len(self.rows))):
            entry = self.rows.append_entry()
            entry.form.fee.choices = choices

    def filled_rows(self) -> Iterator[ChargeRowForm]:
        """The rows that hold a charge."""
        return (row.form for row in self.rows if not row.form.is_blank())

    def rows_messages(self) -> list[str]:
        """The messages about the rows as a whole (not about one row)."""
        return [str(message) for message in self.rows.errors if not isinstance(message, dict)]

    def validate(self, extra_validators: Any = None) -> bool:
        """The electricity charge, or at least one service charge, is needed; the error of
        an empty form belongs to the rows, where the charges go."""
        ok = bool(super().validate(extra_validators))
        if self.energy_given and self.energy_amount.data is None and not self.energy_amount.errors:
            self.energy_amount.errors = [*self.energy_amount.errors, REQUIRED]
            ok = False
        if ok and not self.energy_given and not any(True for _ in self.filled_rows()):
            self.rows.errors = [*self.rows.errors, _l("Enter at least one charge from your bill.")]
            return False
        return ok


FIELD_FOR_ERROR = {"tiers": "tier_limits", "billing_basis": "billing_basis",
                   "amount": "amount", "abolished_on": "abolished_on", "basis": "basis_number",
                   "hours": "peak_hours", "basic_charge": "basic_charge_rate",
                   "effective_to": "effective_to", "effective_from": "effective_from",
                   "basis_number": "basis_number", "basis_title": "basis_title",
                   "basis_url": "basis_url", "code": "code", "name_zh": "name_zh",
                   "districts": "districts"}
MONTHLY_ERROR = re.compile(r"^monthly_charges\[(\d+)\]\.(\w+)$")
BAD_HOURS = _l("Write hours as HH:MM-HH:MM separated by commas, e.g. 08:00-11:00, 18:00-23:00.")


class FeeForm(PortalForm):
    """A staff form of the fee standards, which shows a refusal beside the fields it concerns."""

    def field_for(self, name: str) -> Any:
        """The field a rule's field name (``prices[2][peak]``, ``monthly_charges[0].amount``)
        concerns, or None to show the message above the form."""
        root = name.split("[")[0].split(".")[0]
        if root == "prices" and "][" in name:
            tier, period = name[len("prices["):-1].split("][")
            try:
                return self[price_field_name(int(tier), Period(period))]
            except KeyError:  # a tier beyond the form's price grid: shown above the form
                return None
        monthly = MONTHLY_ERROR.match(name)
        if monthly and "monthly_charges" in self and int(monthly[1]) < len(self["monthly_charges"]):
            return self["monthly_charges"][int(monthly[1])].form[monthly[2]]
        field_name = FIELD_FOR_ERROR.get(root)
        return self[field_name] if field_name and field_name in self else None

    def report(self, error: FeeError) -> None:
        """Show each broken rule beside its field (or above the form); nothing is saved."""
        transactions.refused()
        above: list[Any] = list(getattr(self, "form_errors", []))
        for problem in error.errors:
            field = self.field_for(problem.field)
            if field is not None:
                field.errors = [*field.errors, str(problem.message)]
            else:
                above.append(str(problem.message))
        self.form_errors = above


class CodeAndNamesForm(FeeForm):
    """The stable code and the two names that tariffs and fee items share."""

    code = StringField(_l("Code"), validators=[DataRequired(REQUIRED), Length(max=40)],
                       render_kw={"autocapitalize": "characters", "spellcheck": "false"})
    name_zh = StringField(_l("Name in Chinese"), validators=[DataRequired(REQUIRED),
                                                             Length(max=200)])
    name_en = StringField(_l("Name in English (optional)"), validators=[Optional(),
                                                                        Length(max=200)])


class LegalBasisForm(FeeForm):
    """The document that allows a price or charge."""

    basis_number = StringField(_l("Legal basis: document number"), validators=[
        DataRequired(REQUIRED), Length(max=120)])
    basis_title = StringField(_l("Legal basis: title"), validators=[DataRequired(REQUIRED),
                                                                   Length(max=300)])
    basis_url = StringField(_l("Legal basis: link (optional)"), validators=[
        Optional(), Length(max=500), URL(message=_l("Enter a full link starting with https://."))])


class DistrictsForm(FeeForm):
    """The districts a tariff applies in: checkboxes, none ticked for every district."""

    districts = SelectMultipleField(_l("Applies in"), choices=[], validate_choice=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        language = current_language()
        self.districts.choices = [(d.code, localized_field(d, "name", language) or d.code)
                                  for d in known_districts()]

    def validate_districts(self, field: Any) -> None:
        """Only the districts offered (a forged value is named in the error)."""
        offered = {code for code, _title in field.choices}
        for code in field.data or []:
            if code not in offered:
                raise ValidationError(str(unknown_district(code)))


class TariffForm(DistrictsForm, CodeAndNamesForm):
    """A new tariff (its prices come in its first version)."""

    customer_class = SelectField(_l("Customer class"), choices=[])
    voltage_level = SelectField(_l("Voltage level"), choices=[])
    submit = SubmitField(_l("Create the tariff"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.customer_class.choices = CustomerClass.choices()
        self.voltage_level.choices = VoltageLevel.choices()

    def to_arguments(self) -> dict[str, Any]:
        """The arguments of ``services.create_tariff``."""
        return {"code": self.code.data or "", "name_zh": self.name_zh.data or "",
                "name_en": self.name_en.data,
                "customer_class": CustomerClass(self.customer_class.data),
                "voltage_level": VoltageLevel(self.voltage_level.data)}


class TariffEditForm(DistrictsForm):
    """A tariff's names and districts (its code, class and voltage level never change)."""

    name_zh = StringField(_l("Name in Chinese"), validators=[DataRequired(REQUIRED),
                                                             Length(max=200)])
    name_en = StringField(_l("Name in English (optional)"), validators=[Optional(),
                                                                        Length(max=200)])
    submit = SubmitField(_l("Save the tariff"))

    def fill_from(self, tariff: Tariff) -> None:
        """Show what the tariff holds."""
        self.name_zh.data, self.name_en.data = tariff.name_zh, tariff.name_en
        self.districts.data = [district.code for district in tariff.districts]


def _price_field(label: Any) -> DecimalField:
    return _number_field(label, PRICE)


class MonthlyChargeForm(Subform):
    """A fixed monthly charge of a version."""

    label_zh = StringField(_l("Label in Chinese"), validators=[Optional(), Length(max=200)])
    label_en = StringField(_l("Label in English"), validators=[Optional(), Length(max=200)])
    amount = _price_field(_l("Yuan per month"))

    def validate(self, extra_validators: Any = None) -> bool:
        """A row with a label needs its amount."""
        ok = bool(super().validate(extra_validators))
        labelled = (self.label_zh.data or "").strip() or (self.label_en.data or "").strip()
        if labelled and self.amount.data is None and not self.amount.errors:
            self.amount.errors = [*self.amount.errors, REQUIRED]
            ok = False
        return ok


class VersionForm(LegalBasisForm):
    """A draft version: dates, legal basis and the price structure."""

    effective_from = DateField(_l("In force from"), validators=[DataRequired(REQUIRED)])
    effective_to = DateField(_l("In force until (optional)"), validators=[Optional()])
    note_zh = TextAreaField(_l("Note in Chinese (optional)"), validators=[Optional(),
                                                                         Length(max=2000)])
    note_en = TextAreaField(_l("Note in English (optional)"), validators=[Optional(),
                                                                         Length(max=2000)])
    tier_limits = StringField(_l("Tier limits in kWh (optional)"), validators=[Optional()])
    billing_basis = SelectField(_l("Tier limits count"), choices=[], default="")
    peak_hours = StringField(_l("Peak hours"), validators=[Optional()])
    flat_hours = StringField(_l("Flat hours"), validators=[Optional()])
    valley_hours = StringField(_l("Valley hours"), validators=[Optional()])
    basic_charge_basis = SelectField(_l("Basic charge levied on"), choices=[], default="")
    basic_charge_rate = _price_field(_l("Basic charge rate (yuan per kVA or kW per month)"))
    monthly_charges = RowList(FormField(MonthlyChargeForm), _l("Monthly charge"),
                                min_entries=MONTHLY_ROWS, max_entries=MONTHLY_ROWS)
    submit = SubmitField(_l("Save the draft"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        none = [("", str(_l("— none —")))]
        self.billing_basis.choices = none + BillingBasis.choices()
        self.basic_charge_basis.choices = none + BasicChargeBasis.choices()

    def validate_tier_limits(self, field: Any) -> None:
        """Comma-separated numbers, one fewer than the tiers the price grid has fields for.

        The limits are counted before any is read as a number, so that thousands of them cost
        nothing; the submitted text is never put into an exception (which could be logged).
        """
        if len(split_limits(field.data)) >= MAX_TIERS:
            raise ValidationError(too_many_tiers(MAX_TIERS))
        try:
            parse_limits(field.data)
        except ValueError:
            raise ValidationError(_l("Write the upper limits separated by commas, e.g. "
                                     "2760, 4800.")) from None

    def fill_from(self, version: TariffVersion, with_dates: bool = False) -> None:
        """Show what a version holds (its dates too when it is the draft being changed)."""
        structure = structure_of(version)
        self.basis_number.data, self.basis_title.data = version.basis_number, version.basis_title
        self.basis_url.data = version.basis_url
        self.note_zh.data, self.note_en.data = version.note_zh, version.note_en
        self.tier_limits.data = ", ".join(f"{t.normalize():f}" for t in structure.tiers if t)
        self.billing_basis.data = structure.billing_basis.value if structure.billing_basis else ""
        for period in TIME_OF_USE_PERIODS:
            self[f"{period.value}_hours"].data = ", ".join(
                span.label for span in structure.hours if span.period is period)
        for (tier, period), price in structure.prices.items():
            if tier <= MAX_TIERS:
                self[price_field_name(tier, period)].data = price
        self.basic_charge_basis.data = (structure.basic_charge_basis.value
                                        if structure.basic_charge_basis else "")
        self.basic_charge_rate.data = structure.basic_charge_rate
        for entry, charge in zip(self.monthly_charges, structure.monthly_charges, strict=False):
            entry.form.label_zh.data, entry.form.label_en.data = charge.label_zh, charge.label_en
            entry.form.amount.data = charge.amount
        if with_dates:
            self.effective_from.data = version.effective_from
            self.effective_to.data = version.effective_to

    def _hours(self) -> tuple[Any, ...]:
        try:
            return tuple(parse_span(period, text.strip())
                         for period in TIME_OF_USE_PERIODS
                         for text in (self[f"{period.value}_hours"].data or "")
                         .replace("，", ",").split(",") if text.strip())
        except ValueError:
            raise FeeError([StructureError("hours", BAD_HOURS)]) from None

    def _prices(self) -> dict[tuple[int, Period], Decimal]:
        return {(tier, period): self[price_field_name(tier, period)].data
                for tier in range(1, MAX_TIERS + 1)
                for period in (Period.ALL, *TIME_OF_USE_PERIODS)
                if self[price_field_name(tier, period)].data is not None}

    def to_structure(self) -> PriceStructure:
        """The price structure entered (raises FeeError if the hours cannot be read)."""
        limits: list[Decimal | None] = [*parse_limits(self.tier_limits.data), None]
        monthly = tuple(MonthlyCharge(e.form.label_zh.data or "", e.form.label_en.data,
                                      e.form.amount.data)
                        for e in self.monthly_charges
                        if e.form.amount.data is not None
                        or (e.form.label_zh.data or "").strip())
        return PriceStructure(
            tiers=tuple(limits),
            billing_basis=(BillingBasis(self.billing_basis.data)
                           if self.billing_basis.data else None),
            hours=self._hours(), prices=self._prices(),
            basic_charge_basis=(BasicChargeBasis(self.basic_charge_basis.data)
                                if self.basic_charge_basis.data else None),
            basic_charge_rate=self.basic_charge_rate.data, monthly_charges=monthly)

    def to_draft(self) -> VersionDraft:
        """The draft entered (raises FeeError if the hours cannot be read)."""
        return VersionDraft(
            self.effective_from.data or date.today(), self.effective_to.data,
            LegalBasis(self.basis_number.data or "", self.basis_title.data or "",
                       self.basis_url.data), self.to_structure(),
            self.note_zh.data, self.note_en.data)

    def price_rows(self) -> list[tuple[int, list[tuple[Period, Any]]]]:
        """The price grid: for each tier, the field of each period."""
        return [(tier, [(period, self[price_field_name(tier, period)])
                        for period in (Period.ALL, *TIME_OF_USE_PERIODS)])
                for tier in range(1, MAX_TIERS + 1)]


def price_field_name(tier: int, period: Period) -> str:
    """``price_1_peak``."""
    return f"price_{tier}_{period.value}"


for _tier in range(1, MAX_TIERS + 1):
    for _period in (Period.ALL, *TIME_OF_USE_PERIODS):
        setattr(VersionForm, price_field_name(_tier, _period), _price_field(LazyString(
            lambda t=_tier, p=_period: _("Tier %(tier)s, %(period)s", tier=t, period=p.title))))


def split_limits(text: str | None) -> list[str]:
    """``2760, 4800`` -> ["2760", "4800"], not yet read as numbers."""
    return [part.strip() for part in (text or "").replace("，", ",").split(",") if part.strip()]


def parse_limits(text: str | None) -> list[Decimal]:
    """``2760, 4800`` -> [2760, 4800]; raises ValueError (without the text) on anything else."""
    try:
        values = [Decimal(part) for part in split_limits(text)]
    except InvalidOperation:
        raise ValueError("not a list of numbers") from None
    if any(not value.is_finite() for value in values):
        raise ValueError("not a list of finite numbers")
    return values


class FeeItemForm(CodeAndNamesForm, LegalBasisForm):
    """A service charge: amount (empty = free), conditions, legal basis, abolition."""

    amount = _number_field(_l("Amount in yuan (empty if free)"), FEE_AMOUNT, places=2)
    unit_zh = StringField(_l("Unit in Chinese, e.g. 元/次"), validators=[Optional(),
                                                                        Length(max=60)])
    unit_en = StringField(_l("Unit in English"), validators=[Optional(), Length(max=60)])
    conditions_zh = TextAreaField(_l("Conditions in Chinese"), validators=[Optional(),
                                                                          Length(max=2000)])
    conditions_en = TextAreaField(_l("Conditions in English"), validators=[Optional(),
                                                                          Length(max=2000)])
    effective_from = DateField(_l("In force from (optional)"), validators=[Optional()])
    abolished_on = DateField(_l("Abolished on (leave empty while in force)"),
                             validators=[Optional()])
    refund_rule_zh = TextAreaField(_l("Refund rule in Chinese"), validators=[Optional(),
                                                                            Length(max=2000)])
    refund_rule_en = TextAreaField(_l("Refund rule in English"), validators=[Optional(),
                                                                            Length(max=2000)])
    submit = SubmitField(_l("Save the charge"))

    def keep_code(self, item: FeeItem) -> None:
        """A saved charge keeps its code: the field is read-only and a posted one ignored."""
        self.code.render_kw = {**(self.code.render_kw or {}), "readonly": True}
        if self.is_submitted():
            self.code.data = item.code

    def to_data(self) -> FeeItemData:
        """The fee item entered; an abolition date makes it abolished."""
        abolished = self.abolished_on.data
        return FeeItemData(
            code=self.code.data or "", name_zh=self.name_zh.data or "",
            name_en=self.name_en.data, amount=self.amount.data, unit_zh=self.unit_zh.data,
            unit_en=self.unit_en.data, conditions_zh=self.conditions_zh.data,
            conditions_en=self.conditions_en.data,
            basis=LegalBasis(self.basis_number.data or "", self.basis_title.data or "",
                             self.basis_url.data),
            status=FeeStatus.ABOLISHED if abolished else FeeStatus.ACTIVE,
            effective_from=self.effective_from.data, abolished_on=abolished,
            refund_rule_zh=self.refund_rule_zh.data, refund_rule_en=self.refund_rule_en.data)
