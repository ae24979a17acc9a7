from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from terminals.models import Terminal
from tickets.models import Attachment, Cause, Priority, Scheme


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
