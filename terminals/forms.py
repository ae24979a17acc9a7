"""Forms of the pool and allocation pages; they validate input, services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from terminals.models import Allocation, Depot, Terminal, TerminalModel


class SpareFilterForm(forms.Form):
    depot = forms.ModelChoiceField(Depot.objects.all(), required=False, label=_("Depot"))
    model = forms.ModelChoiceField(TerminalModel.objects.all(), required=False, label=_("Model"))
    status = forms.ChoiceField(
        choices=[("", _("Any status")), *Terminal.Status.choices], required=False, label=_("Status")
    )
    ready = forms.ChoiceField(
        choices=[("", _("Ready or not")), ("1", _("Ready")), ("0", _("Not ready"))],
        required=False,
        label=_("Readiness"),
    )

    def filters(self) -> dict[str, str]:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "depot": str(data["depot"].pk) if data["depot"] else "",
            "model": str(data["model"].pk) if data["model"] else "",
            "status": data["status"],
            "ready": data["ready"],
        }


class TestForm(forms.Form):
    passed = forms.TypedChoiceField(
        choices=[("1", _("Passed")), ("0", _("Failed"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
        label=_("Functional test"),
    )
    note = forms.CharField(max_length=300, required=False, label=_("Note"))


class FirmwareForm(forms.Form):
    version = forms.CharField(max_length=40, label=_("Firmware version now installed"))


class BulkForm(forms.Form):
    ACTIONS = (
        ("test_passed", _("Record a passed functional test")),
        ("test_failed", _("Record a failed functional test")),
        ("firmware", _("Record a firmware update")),
    )

    action = forms.ChoiceField(choices=ACTIONS, label=_("For the selected spares"))
    version = forms.CharField(max_length=40, required=False, label=_("Firmware version"))
    spares = forms.ModelMultipleChoiceField(
        Terminal.objects.filter(is_spare=True), label=_("Spares")
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") == "firmware" and not data.get("version", "").strip():
            self.add_error("version", _("Give the firmware version for a firmware update."))
        return data


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("UTF-8 or GBK, up to 2 MB and 5000 rows. See the columns below."),
    )


class ShipForm(forms.Form):
    carrier = forms.CharField(max_length=60, label=_("Carrier"))
    tracking_number = forms.CharField(max_length=60, label=_("Tracking number"))


class ActivateForm(forms.Form):
    tid = forms.CharField(max_length=8, label=_("TID bound to the backup"))
    keys_bound = forms.BooleanField(
        required=False, label=_("The provider confirms the keys are bound to this merchant")
    )
    address = forms.CharField(max_length=300, label=_("Address it is bound to"))


class ReturnDueForm(forms.Form):
    due = forms.DateField(label=_("Return by"), widget=forms.DateInput(attrs={"type": "date"}))


class InspectForm(forms.Form):
    outcome = forms.ChoiceField(
        choices=Allocation.Inspection.choices, widget=forms.RadioSelect, label=_("Outcome")
    )
    note = forms.CharField(max_length=300, required=False, label=_("Note"))


class CancelForm(forms.Form):
    reason = forms.CharField(max_length=300, required=False, label=_("Why"))


class EmptyForm(forms.Form):
    pass
