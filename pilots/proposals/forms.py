"""The proposal editor: every content section, one answer per evaluation criterion, business-secret marks."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DecimalField, HiddenField, RadioField, SelectField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.widgets import TextInput

from challenges.forms.dialogue import strip_text
from challenges.models import Challenge
from core.forms import Form
from core.i18n import LANGUAGE_NAMES
from pilots.proposals.models import SECTIONS, DataProcessing, Proposal
from pilots.proposals.services import scores_price

TEXT_MAX = 20000

# Each section's label and the hint beside it, in the editor's order (the model's SECTIONS).
SECTION_LABELS = {
    "solution": (_l("The solution"), _l("What your solution is and what it does for the challenge's end users.")),
    "maturity": (_l("Maturity of the solution"), _l("For example an idea, a prototype, in use elsewhere: where?")),
    "plan_what": (_l("What is piloted"), None),
    "plan_where": (_l("Where the pilot runs"), _l("Which of the challenge's pilot sites, or other places.")),
    "plan_with_whom": (_l("With whom"), _l("The people at the sites you work with.")),
    "plan_when": (_l("When"), _l("The pilot's timetable and its phases.")),
    "kpis": (_l("Proposed KPIs"), _l("How the pilot's success is measured.")),
    "end_user_participation": (_l("How end users take part"),
                               _l("For example teachers, pupils or residents: how they take part and are heard.")),
    "partners": (_l("Partner companies"), _l("Your company leads the proposal. Name each partner company on a "
                                             "line of its own.")),
    "data_processing_details": (_l("Data processed and the agreement"),
                                _l("What data is processed and under which agreement (e.g. a data processing "
                                   "agreement with the city).")),
    "accessibility": (_l("Accessibility of the solution"), None),
    "risks": (_l("Risks and how you handle them"), None),
}


def proposal_form(challenge: Challenge, proposal: Proposal | None) -> Form:
    """The editor for the challenge's criteria (fields c<id>), filled with the saved proposal when there is one."""

    class ProposalForm(Form):
        """A company's proposal, saved as it is at every step."""

        seen_state = HiddenField()
        language = SelectField(_l("Language of the proposal"), choices=list(LANGUAGE_NAMES.items()),
                               validators=[InputRequired(message=_l("Choose a language."))])
        data_processing = RadioField(_l("Data processing"), choices=DataProcessing.choices(),
                                     default=DataProcessing.NONE.value,
                                     validators=[InputRequired(message=_l("Say whether the pilot processes "
                                                                          "personal data."))])
        save = SubmitField(_l("Save"))
        submit = SubmitField(_l("Save and submit"))

        def values(self) -> dict[str, Any]:
            """What the company typed, as the service stores it."""
            values: dict[str, Any] = {name: self[name].data or "" for name in SECTIONS}
            values.update(language=self.language.data, data_processing=self.data_processing.data,
                          criterion_answers={str(c.id): self[f"c{c.id}"].data or "" for c in challenge.criteria},
                          secret_sections=[name for name in SECTIONS if self[f"secret_{name}"].data])
            if "price" in self:
                values["price"] = self.price.data
            return values

    for name in SECTIONS:
        setattr(ProposalForm, name, TextAreaField(SECTION_LABELS[name][0], filters=[strip_text],
                                                  validators=[Optional(), Length(max=TEXT_MAX)]))
        setattr(ProposalForm, f"secret_{name}", BooleanField(_l("This section is a business secret")))
    if scores_price(challenge):
        # A text input: a mistyped price is shown again as typed (a number input cannot hold it).
        ProposalForm.price = DecimalField(_l("Price (euros, VAT 0 %)"), places=2, widget=TextInput(),
                                          render_kw={"inputmode": "decimal"}, validators=[
            Optional(), NumberRange(min=Decimal(0), max=Decimal("9999999999"),
                                    message=_l("Enter a price from 0 to 9 999 999 999 euros."))])
    for criterion in challenge.criteria:
        setattr(ProposalForm, f"c{criterion.id}", TextAreaField(
            criterion.localized("name").text, filters=[strip_text], validators=[Optional(), Length(max=TEXT_MAX)]))
    return ProposalForm(data=_saved(challenge, proposal))


def _saved(challenge: Challenge, proposal: Proposal | None) -> dict[str, Any]:
    """The form's initial data from the saved proposal."""
    if proposal is None:
        return {}
    data: dict[str, Any] = {name: getattr(proposal, name) for name in SECTIONS}
    data.update(seen_state=proposal.state, language=proposal.language, data_processing=proposal.data_processing,
                price=proposal.price)
    data.update({f"c{key}": value for key, value in (proposal.criterion_answers or {}).items()})
    data.update({f"secret_{name}": True for name in proposal.secret_sections or []})
    return data


class ProposalActionForm(Form):
    """A button on a proposal (withdraw), with the state the page showed."""

    seen_state = HiddenField(validators=[InputRequired()])
