from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from portal.models import User
from terminals.models import Terminal
from tickets.models import Attachment, Cause, Priority, Scheme, Status


class TerminalChoiceField(forms.ModelChoiceField[Terminal]):
    def label_from_instance(self, obj: Terminal) -> str:
        return f"{obj.model} · SN {obj.serial_number} · TID {obj.tid or '—'}"


class TerminalForm(forms.Form):
    terminal = TerminalChoiceField(
        queryset=Terminal.objects.none(),
        widget=forms.RadioSelect,
        label=_("Which terminal is failing?"),
    )

    def __init__(self, *args: Any, terminals: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["terminal"]
        assert isinstance(field, TerminalChoiceField)
        field.queryset = terminals


class ScreenForm(forms.Form):
    error_code = forms.CharField(
        label=_("Code on the screen"),
        max_length=3,
        required=False,
        help_text=_(
            "Two characters, often after 'Response code', '应答码' or '错误码', e.g. 97, A0, 05."
        ),
    )
    scheme = forms.ChoiceField(
        label=_("Card network"),
        choices=[("", _("Not sure (UnionPay)")), *Scheme.choices],
        required=False,
    )
    screen_message = forms.CharField(
        label=_("Message on the screen"),
        max_length=300,
        required=False,
        help_text=_("Copy the words as they appear, e.g. 终端未登记 or 'TAMPER'."),
    )


class CheckForm(forms.Form):
    answer = forms.ChoiceField(widget=forms.RadioSelect)

    def __init__(self, *args: Any, choices: list[tuple[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["answer"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices

    @property
    def value(self) -> bool | None:
        return {"yes": True, "no": False}.get(self.cleaned_data["answer"])


class EvidenceForm(forms.Form):
    file = forms.FileField(label=_("Photo or PDF"))
    kind = forms.ChoiceField(label=_("What is it?"), choices=Attachment.Kind.choices)


class DescriptionForm(forms.Form):
    description = forms.CharField(
        label=_("Anything else we should know?"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        required=False,
    )


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Message"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000
    )
    internal = forms.BooleanField(label=_("Internal note (staff only)"), required=False)


class OverrideForm(forms.Form):
    cause = forms.ChoiceField(label=_("Cause"), choices=Cause.choices)
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices)
    reason = forms.CharField(label=_("Why"), max_length=500)


class TransitionForm(forms.Form):
    to = forms.ChoiceField(label=_("Move to"), choices=Status.choices)
    reason = forms.CharField(label=_("Reason"), max_length=2000, required=False)


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(
        label=_("Assign to"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Nobody (unassign)"),
    )

    def __init__(self, *args: Any, colleagues: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["assignee"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = colleagues


class BulkForm(forms.Form):
    ACTIONS = [
        ("claim", _("Assign to me")),
        ("assign", _("Assign to…")),
        ("transition", _("Move to…")),
    ]
    tickets = forms.TypedMultipleChoiceField(coerce=int, choices=[], label=_("Tickets"))
    action = forms.ChoiceField(label=_("Action"), choices=ACTIONS)
    assignee = forms.ModelChoiceField(
        label=_("Colleague"), queryset=User.objects.none(), required=False
    )
    to = forms.ChoiceField(label=_("Status"), choices=[("", "—"), *Status.choices], required=False)
    reason = forms.CharField(label=_("Reason"), max_length=2000, required=False)
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, colleagues: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["assignee"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = colleagues
        # Any id is accepted here; the service reports the ones the user may not touch.
        tickets = self.fields["tickets"]
        assert isinstance(tickets, forms.TypedMultipleChoiceField)
        ids = self.data.getlist("tickets") if isinstance(self.data, QueryDict) else []
        tickets.choices = [(v, v) for v in ids]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") == "assign" and not data.get("assignee"):
            self.add_error("assignee", _("Choose the colleague to assign the tickets to."))
        if data.get("action") == "transition" and not data.get("to"):
            self.add_error("to", _("Choose the status to move the tickets to."))
        return data
