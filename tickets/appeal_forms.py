"""Forms of the appeal pages: they only validate input; tickets.services.appeals decides."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tickets.models import MaterialKind
from tickets.services.appeals import DECISIONS, MAX_TEXT_LENGTH


class AppealOpenForm(forms.Form):
    reason = forms.CharField(
        label=_("Why open an appeal case?"),
        max_length=MAX_TEXT_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class MaterialForm(forms.Form):
    kind = forms.ChoiceField(label=_("Checklist item"), choices=MaterialKind.choices)
    file = forms.FileField(label=_("Photo or PDF"))


class ExplanationForm(forms.Form):
    explanation = forms.CharField(
        label=_("Written explanation"),
        max_length=MAX_TEXT_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "In your own words: what your business sells, and what the flagged payments were."
        ),
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[(s.value, s.label) for s in DECISIONS]
    )
    note = forms.CharField(
        label=_("Answer to the merchant"),
        max_length=MAX_TEXT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The merchant reads this and it goes into the dossier."),
    )
    missing = forms.MultipleChoiceField(
        label=_("Materials still needed"),
        choices=MaterialKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    internal_note = forms.CharField(
        label=_("Internal note (staff only)"),
        max_length=MAX_TEXT_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Why withdraw?"),
        max_length=MAX_TEXT_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
