from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField
from wtforms.fields.choices import SelectChoice

from .services import CHOICE_LABELS, QUESTIONS, SATISFACTION_LABELS


class ExitSurveyForm(FlaskForm):
    """The four questions; nothing is required and the service checks the values (with its own
    messages), so a tampered value gets the same 422 as any other mistake."""

    satisfaction = RadioField(QUESTIONS["satisfaction"], validate_choice=False,
                              choices=[SelectChoice(str(k), v) for k, v in SATISFACTION_LABELS.items()])
    take_part_again = RadioField(QUESTIONS["take_part_again"], validate_choice=False,
                                 choices=[SelectChoice(k, v) for k, v in CHOICE_LABELS.items()])
    learned = RadioField(QUESTIONS["learned"], validate_choice=False,
                         choices=[SelectChoice(k, v) for k, v in CHOICE_LABELS.items()])
    first_time = RadioField(QUESTIONS["first_time"], validate_choice=False,
                            choices=[SelectChoice("yes", _l("Sí")), SelectChoice("no", _l("No"))])

    def answers(self) -> dict:
        return {name: getattr(self, name).data for name in QUESTIONS}
