"""Which tariff is mine? A few questions that lead a customer to the tariffs that apply.

A question is asked only when its answers tell apart the tariffs still possible: for a class
with one tariff nothing more is asked, and no question is asked that changes nothing. The
answers are read from what the published versions in force say:
- customer class: the tariff's class;
- single or shared meter (一户一表 / 合表), residential tariffs only: tiered residential tariffs
  are for households with their own meter; a shared meter is billed without tiers, as the
  national rule of 2012 on residential tiered tariffs sets (合表用户暂不执行阶梯电价);
- time of use (峰谷分时): whether the version has time-of-use prices.
No district is asked: tariffs that differ by district say where they apply in their names (the
demo's Beishan County tariff and the one outside it), as the customer's bill prints them, and
the page says so.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date

from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

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
    choices: tuple[tuple[str, LazyString], ...]
    answer_of: Callable[[Candidate], str | None]
    # How an answer reads in a list of the answers given ("Residential, own meter").
    short: Mapping[str, LazyString] = field(default_factory=dict)

    def answers(self, candidates: list[Candidate]) -> set[str]:
        """The answers the candidates give (None: the question does not concern them)."""
        return {a for c in candidates if (a := self.answer_of(c)) is not None}

    def splits(self, candidates: list[Candidate]) -> bool:
        """Whether an answer would tell the candidates apart."""
        return len(self.answers(candidates)) > 1 or (
            len(self.answers(candidates)) == 1
            and any(self.answer_of(c) is None for c in candidates))

    def title_of(self, value: str) -> LazyString | None:
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
QUESTIONS = (CUSTOMER_CLASS, *DETAILS)
ANSWER_NAMES = tuple(question.name for question in QUESTIONS)


@dataclass
class Finding:
    """Where the answers lead: the questions still to ask, errors, and the tariffs that fit."""

    answers: dict[str, str]
    asked: list[Question]
    errors: dict[str, str]
    matches: list[Candidate] | None = None  # None until every question asked is answered
    classes: tuple[tuple[str, LazyString], ...] = ()

    def choices_of(self, question: Question) -> tuple[tuple[str, LazyString], ...]:
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


def find(args: Mapping[str, str], candidates: list[Candidate]) -> Finding:
    """Follow the answers in ``args`` as far as they go."""
    answers = {name: value for name in ANSWER_NAMES if (value := (args.get(name) or "").strip())}
    classes = tuple((value, title) for value, title in CUSTOMER_CLASS.choices
                    if value in CUSTOMER_CLASS.answers(candidates))
    finding = Finding(answers, [CUSTOMER_CLASS], {}, classes=classes)
    chosen = answers.get(CUSTOMER_CLASS.name)
    if chosen is None:
        return finding
    if CUSTOMER_CLASS.title_of(chosen) is None:
        finding.errors[CUSTOMER_CLASS.name] = _("Choose one of the answers.")
        return finding
    remaining = [c for c in candidates if CUSTOMER_CLASS.answer_of(c) == chosen]
    finding.asked += [question for question in DETAILS if question.splits(remaining)]
    for question in finding.asked[1:]:
        given = answers.get(question.name)
        if given is None:
            if args.get("step") == "details":  # sent without an answer
                finding.errors[question.name] = _("Choose one of the answers.")
            continue
        if question.title_of(given) is None:
            finding.errors[question.name] = _("Choose one of the answers.")
            continue
        remaining = [c for c in remaining if question.answer_of(c) in {given, None}]
    if not finding.errors and all(q.name in answers for q in finding.asked):
        finding.matches = remaining
    return finding


def carried(finding: Finding) -> dict[str, str]:
    """The answers that mattered, to carry into the calculator and back."""
    return {q.name: finding.answers[q.name] for q in finding.asked if q.name in finding.answers}


def described(args: Mapping[str, str]) -> list[str]:
    """The answers carried in ``args``, worded for the page (unknown values left out)."""
    words = []
    for question in QUESTIONS:
        value = args.get(question.name) or ""
        title = question.short.get(value) or question.title_of(value)
        if title is not None:
            words.append(str(title))
    return words
