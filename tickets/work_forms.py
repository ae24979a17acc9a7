"""Forms of the work panel: escalate, update an escalation, dispatch an engineer, update a visit.

They only shape input; the rules (who, which moves, which windows) are in the services.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from portal.models import User
from tickets.models import EscalationStatus, Party, Team, VisitOutcome, VisitStatus

DATETIME_INPUT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


class EscalateForm(forms.Form):
    """One choice for the target: a team or a party, as "team:risk" or "party:acquirer"."""

    to = forms.ChoiceField(
        label=_("Escalate to"),
        choices=[
            (_("Our teams"), [(f"team:{v}", label) for v, label in Team.choices]),
            (_("Outside parties"), [(f"party:{v}", label) for v, label in Party.choices]),
        ],
    )
    reason = forms.CharField(
        label=_("Reason (staff only)"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    external_reference = forms.CharField(label=_("Their reference"), max_length=100, required=False)

    def service_kwargs(self) -> dict[str, Any]:
        kind, _sep, value = self.cleaned_data["to"].partition(":")
        return {
            kind: value,
            "reason": self.cleaned_data["reason"],
            "external_reference": self.cleaned_data["external_reference"],
        }


class EscalationUpdateForm(forms.Form):
    to = forms.ChoiceField(label=_("New state"), choices=EscalationStatus.choices)
    answer = forms.CharField(
        label=_("Their answer"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=5000,
        required=False,
    )
    external_reference = forms.CharField(label=_("Their reference"), max_length=100, required=False)

    def service_kwargs(self) -> dict[str, Any]:
        reference = self.cleaned_data["external_reference"]
        return {
            "to": self.cleaned_data["to"],
            "answer": self.cleaned_data["answer"],
            # An empty box keeps the reference they gave before.
            "external_reference": reference or None,
        }


class EngineerChoiceField(forms.ModelChoiceField[User]):
    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name() or obj.get_username()


class DispatchForm(forms.Form):
    engineer = EngineerChoiceField(queryset=User.objects.none(), label=_("Engineer"))
    window_start = forms.DateTimeField(
        label=_("Arrives from"),
        input_formats=DATETIME_INPUT_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    window_end = forms.DateTimeField(
        label=_("Arrives by"),
        input_formats=DATETIME_INPUT_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    notes = forms.CharField(
        label=_("Notes for the engineer (staff only)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        required=False,
    )

    def __init__(self, *args: Any, engineers: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["engineer"]
        assert isinstance(field, EngineerChoiceField)
        field.queryset = engineers


class VisitUpdateForm(forms.Form):
    RETURN_TO = [("ticket", "ticket"), ("visits", "visits")]

    to = forms.ChoiceField(label=_("New state"), choices=VisitStatus.choices)
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=[("", "—"), *VisitOutcome.choices], required=False
    )
    notes = forms.CharField(
        label=_("Notes (staff only)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        required=False,
    )
    # Where to go afterwards: a fixed choice, never a URL from the request.
    return_to = forms.ChoiceField(choices=RETURN_TO, required=False, widget=forms.HiddenInput)


def form_errors(form: forms.Form) -> str:
    """All of a form's errors in one line, for a flash message."""
    return " ".join(str(e) for errors in form.errors.values() for e in errors)
