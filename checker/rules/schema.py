"""The shape of every rule file, as strict pydantic models (unknown keys are errors)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal, Union, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

from checker.problems import ProblemError

EntityType = Literal[
    "enterprise", "incubator", "maker_space", "research_institute",
    "university", "service_agency", "industry_association",
]
Applicant = Literal["company", "staff", "institution"]
Nature = Literal["programme", "intention"]
MoneyType = Literal["cash", "tax_saving", "deduction", "financing"]
FieldType = Literal["int", "decimal", "bool", "enum", "date", "text"]
Kind = Literal["subsidy", "tax", "financing", "recognition", "service", "talent", "space"]
ENTITY_TYPES: tuple[EntityType, ...] = get_args(EntityType)
APPLICANTS: tuple[Applicant, ...] = get_args(Applicant)
NATURES: tuple[Nature, ...] = get_args(Nature)
MONEY_TYPES: tuple[MoneyType, ...] = get_args(MoneyType)
FIELD_TYPES: tuple[FieldType, ...] = get_args(FieldType)
KINDS: tuple[Kind, ...] = get_args(Kind)
ID_PATTERN = r"^[a-z][a-z0-9_-]*$"


class Strict(BaseModel):
    # defer_build: a model's validator is built on its first validation (the loader), not at import, so a start-up that
    # unpickles a cached pack (checker.rules.cache) never pays for building them; forward references resolve then too
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class Text(Strict):
    """A text in Chinese and English."""

    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)


class Section(Strict):
    id: str = Field(pattern=ID_PATTERN)
    label: Text
    order: int = 100


class Choice(Strict):
    value: str
    label: Text


class FieldDecl(Strict):
    """A profile field: what the form asks and the batch columns carry."""

    id: str = Field(pattern=ID_PATTERN)
    type: FieldType
    label: Text
    help: Text | None = None
    unit: Text | None = None
    section: str
    entities: list[EntityType] | None = None
    values: list[Choice] | None = None
    min: float | None = None
    max: float | None = None
    asked_when: str | None = None
    pattern: str | None = None
    plausible_max: float | None = None  # an answer above it is kept but warned about (a unit slip, 元 for 万元)
    spec: bool = False  # named in shared/spec/profile.md: never rename or re-unit

    @model_validator(mode="after")
    def _enum_has_values(self) -> FieldDecl:
        if (self.type == "enum") != bool(self.values):
            raise ProblemError("lint.rule.enum_values")
        return self


class CrossCheck(Strict):
    """A consistency check between answers, e.g. tech staff ≤ employees."""

    id: str = Field(pattern=ID_PATTERN)
    test: str
    fields: list[str]
    message: Text


class FieldsFile(Strict):
    sections: list[Section] = []
    fields: list[FieldDecl] = []
    checks: list[CrossCheck] = []


class Derived(Strict):
    """A value computed once from the profile and shared by measures."""

    id: str = Field(pattern=ID_PATTERN)
    type: Literal["number", "bool"]
    label: Text
    expr: str
    unit: Text | None = None
    source: str | None = None


class DerivedFile(Strict):
    derived: list[Derived]


class Source(Strict):
    """Where a measure comes from: a seed clause and/or an official document."""

    seed: str | None = None
    clause: str | None = None
    quote: str | None = None
    document: str | None = None
    article: str | None = None
    url: str | None = None

    @model_validator(mode="after")
    def _cited(self) -> Source:
        if self.seed and not (self.clause and self.quote):
            raise ProblemError("lint.rule.seed_source")
        if not self.seed and not (self.document and self.article and self.quote):
            raise ProblemError("lint.rule.source")
        return self


class Period(Strict):
    """When a measure applies; `confirmed_on` + `confirmed_by` when a later document says it still does."""

    start: dt.date | None = Field(default=None, alias="from")
    end: dt.date | None = Field(default=None, alias="to")
    note: Text | None = None
    confirmed_on: dt.date | None = None
    confirmed_by: Source | None = None

    @model_validator(mode="after")
    def _confirmation_cited(self) -> Period:
        if (self.confirmed_on is None) != (self.confirmed_by is None):
            raise ProblemError("lint.rule.confirmed")
        return self


class Criterion(Strict):
    id: str = Field(pattern=ID_PATTERN)
    text: Text
    test: str
    show: str | None = None
    clause: str | None = None
    assumption: Text | None = None


Logic = Union[str, "AllOf", "AnyOf", "NotOf"]


class AllOf(Strict):
    all: list[Logic] = Field(min_length=1)


class AnyOf(Strict):
    any: list[Logic] = Field(min_length=1)


class NotOf(Strict):
    not_: Logic = Field(alias="not")


class Programme(Strict):
    """The implementing programme that sets a benefit's amount or procedure: its title and 文号."""

    title: str = Field(min_length=1)
    document: str = Field(min_length=1)
    url: str | None = None


class Benefit(Strict):
    text: Text
    type: MoneyType | None = None
    amount: str | None = None
    assumption: Text | None = None
    programme: Programme | None = None  # the programme that gives the amount when `amount` cannot


class Superseded(Strict):
    """The document that replaced a measure's source, and from when."""

    document: str = Field(min_length=1)
    start: dt.date = Field(alias="from")
    url: str | None = None


class Relation(Strict):
    """How this measure bears on another: exclusion, unlocking, overlap."""

    type: Literal["excludes", "unlocks", "requires", "overlaps"]
    measure: str
    note: Text


class Expect(Strict):
    status: Literal["eligible", "ineligible", "undetermined"]
    criteria: dict[str, Literal["met", "not_met", "unknown"]] = {}
    missing: list[str] | None = None
    amount_wan: float | None = None
    no_amount: bool = False
    held_until: dt.date | None = None  # the result says 已获得, valid until this date
    not_held: bool = False  # the result says nothing is held
    condition_until: dt.date | None = None  # the result is eligible on a condition to be met by this date
    no_condition: bool = False  # the result carries no condition


class Example(Strict):
    """An embedded test: a profile (over the base) and what the check must say."""

    name: str = Field(min_length=3)
    as_of: dt.date | None = None
    profile: dict[str, Any] = {}
    expect: Expect


class Held(Strict):
    """When the profile shows the recognition is already held: a test and its dates."""

    test: str
    since: str
    until: str


class Condition(Strict):
    """When an eligible result holds only on a condition still to be met (kept out of totals): a test, a date, what."""

    test: str
    until: str
    text: Text


class MeasureFile(Strict):
    """One support measure."""

    id: str = Field(pattern=ID_PATTERN)
    title: Text
    summary: Text
    kind: Kind
    nature: Nature = "programme"
    applicant: Applicant = "company"
    issuer: Text
    entities: list[EntityType] = Field(min_length=1)
    source: list[Source] = Field(min_length=1)
    period: Period | None = None
    held: Held | None = None
    condition: Condition | None = None
    criteria: list[Criterion] = Field(min_length=1)
    logic: Logic | None = None
    benefit: Benefit
    materials: list[Text] = []
    manual_checks: list[Text] = []
    implementing_rules: list[Text] = []
    assumptions: list[Text] = []
    apply: Text
    relations: list[Relation] = []
    tags: list[str] = []
    example_as_of: dt.date | None = None
    example_base: dict[str, Any] = {}
    examples: list[Example] = Field(min_length=2)
    reviewed_on: dt.date | None = None  # when a person last checked the source is still current (`rules lint` requires it)
    review: Text | None = None  # what that review found
    source_year: int | None = Field(default=None, ge=1949, le=2100)  # the year the source document was issued
    superseded_by: Superseded | None = None


class IndexFile(Strict):
    """A folder of measures: what it holds, in order."""

    title: Text
    description: Text
    measures: list[str]

