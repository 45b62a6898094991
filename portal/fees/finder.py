"""Which tariff is mine? A few questions that lead a customer to the tariffs that apply.

A question is asked only when its answers tell apart the tariffs still possible: for a class
with one tariff nothing more is asked, and no question is asked that changes nothing. The
answers are read from what the published versions in force say:
- customer class: the tariff's class;
- single or shared meter (一户一表 / 合表), residential tariffs only: tiered residential tariffs
  are for households with their own meter; a shared meter is billed without tiers, as the
  national rule of 2012 on residential tiered tariffs sets (合表用户暂不执行阶梯电价);
- time of use (峰谷分时): whether the version has time-of-use prices;
- district: the districts a tariff is limited to (``Tariff.districts``; a tariff limited to
  none applies in every district), asked only when tariffs that fit the other answers differ
  by district (the demo's Beishan County tariff and the one outside it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date

from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.complaints.models import District
from portal.core.text import localized_field
from portal.fees import services
from portal.fees.enums import CustomerClass
from portal.fees.models import Tariff, TariffVersion
from portal.fees.structure import PriceStructure


@dataclass(frozen=True)
class Candidate:
    """A tariff with the version in force and that version's prices."""

    tariff: Tariff
    version: TariffVersion
    structure: PriceStructure


@dataclass(frozen=True)
class Question:
    """One question: its parameter, wording, answers and the answer a tariff gives."""

    name: str
    label: LazyString
    hint: LazyString | None
    choices: tuple[tuple[str, LazyString | str], ...]
    # The answer a tariff gives, or the answers it fits (a tariff in several districts);
    # None: the question does not concern it, and it fits every answer.
    answer_of: Callable[[Candidate], str | frozenset[str] | None]
    # How an answer reads in a list of the answers given ("Residential, own meter").
    short: Mapping[str, LazyString | str] = field(default_factory=dict)

    def answers_of(self, candidate: Candidate) -> frozenset[str] | None:
        """The answers a candidate fits (None: every answer)."""
        answer = self.answer_of(candidate)
        return frozenset({answer}) if isinstance(answer, str) else answer

    def answers(self, candidates: list[Candidate]) -> set[str]:
        """The answers the candidates give (None: the question does not concern them)."""
        return {a for c in candidates if (given := self.answers_of(c)) is not None
                for a in given}

    def fits(self, candidate: Candidate, value: str) -> bool:
        """Whether the candidate is still possible after the answer ``value``."""
        given = self.answers_of(candidate)
        return given is None or value in given

    def splits(self, candidates: list[Candidate]) -> bool:
        """Whether an answer would tell the candidates apart: some answer keeps some of them
        but not all."""
        for value, _title in self.choices:
            kept = sum(1 for c in candidates if self.fits(c, value))
            if 0 < kept < len(candidates):
                return True
        return False

    def title_of(self, value: str) -> LazyString | str | None:
        """The wording of an answer."""
        return dict(self.choices).get(value)


def _meter(candidate: Candidate) -> str | None:
    if candidate.tariff.customer_class is not CustomerClass.RESIDENTIAL:
        return None
    return "single" if candidate.structure.is_tiered else "shared"


def _time_of_use(candidate: Candidate) -> str:
    return "yes" if candidate.structure.is_time_of_use else "no"


CUSTOMER_CLASS = Question(
    "customer_class", _l("Who uses the electricity?"), None,
    tuple((member.value, CustomerClass.TITLES[member.value]) for member in CustomerClass),
    lambda candidate: candidate.tariff.customer_class.value)
DETAILS = (
    Question("meter", _l("Does your home have its own meter?"),
             _l("A shared meter serves several households or a whole building, and its bill "
                "is not split into tiers."),
             (("single", _l("Yes, our own meter")), ("shared", _l("No, a shared meter"))),
             _meter, {"single": _l("own meter"), "shared": _l("shared meter")}),
    Question("time_of_use", _l("Does your bill have peak and valley prices?"),
             _l("Time-of-use bills show the peak and valley kWh separately."),
             (("yes", _l("Yes, peak and valley")), ("no", _l("No, one price for all hours"))),
             _time_of_use,
             {"yes": _l("peak and valley prices"), "no": _l("one price for all hours")}),
)
DISTRICT = "district"


def _districts(candidate: Candidate) -> frozenset[str] | None:
    return frozenset(d.code for d in candidate.tariff.districts) or None


def district_question(districts: list[District]) -> Question:
    """Where is your home? The districts of the supply area, by name in the page's language."""
    names = tuple((d.code, localized_field(d, "name") or d.code) for d in districts)
    return Question(DISTRICT, _l("Where is your home?"),
                    _l("Some tariffs apply only in some districts."), names, _districts,
                    dict(names))


def questions() -> tuple[Question, ...]:
    """Every question, in the order asked (the districts read from the database)."""
    return (CUSTOMER_CLASS, *DETAILS, district_question(services.known_districts()))


@dataclass
class Finding:
    """Where the answers lead: the questions still to ask, errors, and the tariffs that fit."""

    answers: dict[str, str]
    asked: list[Question]
    errors: dict[str, str]
    matches: list[Candidate] | None = None  # None until every question asked is answered
    classes: tuple[tuple[str, LazyString | str], ...] = ()

    def choices_of(self, question: Question) -> tuple[tuple[str, LazyString | str], ...]:
        """The answers offered: for the customer class, the classes that have a tariff."""
        return self.classes if question is CUSTOMER_CLASS and self.classes else question.choices

    def error_items(self) -> list[tuple[str, str, str]]:
        """(id of the first answer, question, message) for the error summary."""
        return [(f"{q.name}-{self.choices_of(q)[0][0]}", str(q.label), self.errors[q.name])
                for q in self.asked if q.name in self.errors]


def candidates_on(day: date) -> list[Candidate]:
    """Every tariff with a published version in force on ``day``."""
    tariffs = services.tariffs_by_code()
    in_force = services.versions_in_force(tariffs, day)
    return [Candidate(tariff, version, services.published_structure(version))
            for tariff in tariffs if (version := in_force.get(tariff.id)) is not None]


def find(args: Mapping[str, str], candidates: list[Candidate],
         asking: tuple[Question, ...] | None = None) -> Finding:
    """Follow the answers in ``args`` as far as they go (``asking``: the questions, by
    default ``questions()``)."""
    asking = asking or questions()
    details = asking[1:]
    answers = {q.name: value for q in asking if (value := (args.get(q.name) or "").strip())}
    classes = tuple((value, title) for value, title in CUSTOMER_CLASS.choices
                    if value in CUSTOMER_CLASS.answers(candidates))
    finding = Finding(answers, [CUSTOMER_CLASS], {}, classes=classes)
    chosen = answers.get(CUSTOMER_CLASS.name)
    if chosen is None:
        return finding
    if CUSTOMER_CLASS.title_of(chosen) is None:
        finding.errors[CUSTOMER_CLASS.name] = _("Choose one of the answers.")
        return finding
    remaining = [c for c in candidates if CUSTOMER_CLASS.fits(c, chosen)]
    finding.asked += [question for question in details if question.splits(remaining)]
    for question in finding.asked[1:]:
        given = answers.get(question.name)
        if given is None:
            if args.get("step") == "details":  # sent without an answer
                finding.errors[question.name] = _("Choose one of the answers.")
            continue
        if question.title_of(given) is None:
            finding.errors[question.name] = _("Choose one of the answers.")
            continue
        remaining = [c for c in remaining if question.fits(c, given)]
    if not finding.errors and all(q.name in answers for q in finding.asked):
        finding.matches = remaining
    return finding


def carried(finding: Finding) -> dict[str, str]:
    """The answers that mattered, to carry into the calculator and back."""
    return {q.name: finding.answers[q.name] for q in finding.asked if q.name in finding.answers}


def described(args: Mapping[str, str], asking: tuple[Question, ...] | None = None) -> list[str]:
    """The answers carried in ``args``, worded for the page (unknown values left out)."""
    words = []
    for question in asking or questions():
        value = args.get(question.name) or ""
        title = question.short.get(value) or question.title_of(value)
        if title is not None:
            words.append(str(title))
    return words
