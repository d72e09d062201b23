"""Staff-page texts that need code: lint messages, form labels, audit actions (their texts are in the catalogue)."""

from __future__ import annotations

from checker.i18n import N_
from checker.rules.yamlsrc import RuleError
from checker.staff.store import read_note
from checker.web.i18n import current_lang, t
from checker.web.staff.forms import FORM_ERRORS

# Keys the staff pages build at run time (t('staff.' ~ state)), listed for `pybabel extract`.
RUNTIME_KEYS = (N_("staff.in_force"), N_("staff.expired"), N_("staff.not_yet"),
                N_("staff.job_queued"), N_("staff.job_running"), N_("staff.job_done"), N_("staff.job_failed"),
                N_("staff.job_cancelled"),
                N_("staff.money.cash_wan"), N_("staff.money.tax_saving_wan"), N_("staff.money.financing_wan"),
                N_("staff.draft_open"), N_("staff.draft_published"), N_("staff.draft_discarded"))


def lint_message(error: RuleError) -> str:
    """A lint error's message in the page's language."""
    return error.problem.text(current_lang())


# The labels of the creation forms, in the message catalogue as "staff.form.<name>".
FORM_LABELS = (
    N_("staff.form.id"), N_("staff.form.type"), N_("staff.form.section"), N_("staff.form.label_zh"),
    N_("staff.form.label_en"), N_("staff.form.unit_zh"), N_("staff.form.unit_en"), N_("staff.form.minimum"),
    N_("staff.form.entities"), N_("staff.form.from_1"), N_("staff.form.value_1"), N_("staff.form.document_1"),
    N_("staff.form.article_1"), N_("staff.form.quote_1"), N_("staff.form.url_1"), N_("staff.form.from_2"),
    N_("staff.form.value_2"), N_("staff.form.document_2"), N_("staff.form.article_2"),
    N_("staff.form.quote_2"), N_("staff.form.url_2"), N_("staff.form.folder"), N_("staff.form.title_zh"),
    N_("staff.form.title_en"), N_("staff.form.kind"), N_("staff.form.issuer_zh"), N_("staff.form.document"),
    N_("staff.form.article"), N_("staff.form.quote"), N_("staff.form.field"), N_("staff.form.op"),
    N_("staff.form.criterion_zh"), N_("staff.form.benefit_zh"), N_("staff.form.apply_zh"),
    N_("staff.form.opens"), N_("staff.form.closes"), N_("staff.form.url"), N_("staff.form.note_zh"),
    N_("staff.form.applicant"), N_("staff.form.seed"), N_("staff.form.value"), N_("staff.form.clause"),
    N_("staff.form.invented"), N_("staff.form.amount_kind"), N_("staff.form.money"), N_("staff.form.amount_value"),
    N_("staff.form.amount_field"), N_("staff.form.amount_cap"), N_("staff.form.amount_parameter"),
    N_("staff.form.amount_clause"), N_("staff.form.amount_quote"), N_("staff.form.amount_invented"),
)


def form_label(name: str) -> str:
    """A creation form's field label in the page's language."""
    key = f"staff.form.{name}"
    return t(key) if key in FORM_LABELS else name


def form_error(message: str) -> str:
    """A form field's error in the page's language: the staff forms' own (catalogue keys) and WTForms' (already)."""
    return t(message) if message in FORM_ERRORS else message


# Audit actions, in the message catalogue as "staff.action.<action>".
ACTIONS = (N_("staff.action.import"),
           N_("staff.action.publish"), N_("staff.action.rollback"), N_("staff.action.refused"), N_("staff.action.draft_saved"))


def action_name(action: str) -> str:
    """An audit action in the page's language (English keeps the code only)."""
    key = f"staff.action.{action}"
    return "" if current_lang() == "en" or key not in ACTIONS else t(key)


def audit_comment(comment: str) -> str:
    """An audit entry's comment: one the system wrote (a refusal and its reasons) in the page's language, a person's
    own words as written."""
    found = read_note(comment)
    if found is None:
        return comment
    what, reasons = found
    lang = current_lang()
    joined = ("；" if lang == "zh" else "; ").join(r.text(lang) for r in reasons)
    return what.text(lang) + (("：" if lang == "zh" else ": ") + joined if joined else "")


def measure_title(measure_id: str) -> str:
    """A measure's title in the page's language (its id when the live pack no longer has it)."""
    from checker.web.staff.common import snapshot

    found = snapshot().pack.index.get(measure_id)
    if found is None:
        return measure_id
    return getattr(found.spec.title, current_lang(), None) or found.spec.title.zh


def status_word(status: str | None) -> str:
    """A verdict in the page's language (可申报 / 待完善 / 不符合), '—' when there was none."""
    return t(status) if status in ("eligible", "undetermined", "ineligible") else "—"
