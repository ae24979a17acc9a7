"""`GET /api/v1/terminals/`, `/terminals/{id}/`, `/allocations/`, `/allocations/{id}/`, `/spares/`."""

from __future__ import annotations

from typing import Any

import django_filters
from drf_spectacular.utils import extend_schema_field
from rest_framework import generics, permissions, serializers

from portal.api_filters import IdFilter
from terminals.models import Allocation, AllocationStatus, Connectivity, Terminal
from terminals.readiness import not_ready_reasons
from terminals.selectors import allocation_list, spare_list, terminal_list


class TerminalOutputSerializer(serializers.ModelSerializer[Terminal]):
    class TerminalMerchantSerializer(serializers.Serializer[Any]):
        id = serializers.IntegerField()
        mid = serializers.CharField()
        name = serializers.CharField()

    class TerminalProviderSerializer(serializers.Serializer[Any]):
        id = serializers.IntegerField()
        code = serializers.CharField()
        name = serializers.CharField()

    class TerminalModelSerializer(serializers.Serializer[Any]):
        id = serializers.IntegerField()
        manufacturer = serializers.CharField()
        name = serializers.CharField()

    merchant = TerminalMerchantSerializer(allow_null=True)
    provider = TerminalProviderSerializer()
    model = TerminalModelSerializer()

    class Meta:
        model = Terminal
        fields = [
            "id",
            "serial_number",
            "tid",
            "merchant",
            "provider",
            "model",
            "firmware_version",
            "connectivity",
            "status",
            "is_spare",
            "sim_iccid",
            "installed_address",
            "last_sign_on_at",
            "last_good_txn_at",
            "last_seen_at",
        ]


class TerminalFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Terminal.Status.choices)
    connectivity = django_filters.ChoiceFilter(choices=Connectivity.choices)
    merchant = IdFilter(field_name="merchant_id")
    serial_number = django_filters.CharFilter(lookup_expr="iexact")
    tid = django_filters.CharFilter(lookup_expr="iexact")

    class Meta:
        model = Terminal
        fields = ["status", "connectivity", "merchant", "serial_number", "tid", "is_spare"]


class TerminalListApi(generics.ListAPIView[Terminal]):
    serializer_class = TerminalOutputSerializer
    filterset_class = TerminalFilter
    ordering_fields = ["serial_number", "tid", "status", "last_seen_at"]
    ordering = ["serial_number"]

    def get_queryset(self) -> Any:
        return terminal_list(user=self.request.user)


class TerminalDetailApi(generics.RetrieveAPIView[Terminal]):
    serializer_class = TerminalOutputSerializer

    def get_queryset(self) -> Any:
        return terminal_list(user=self.request.user)


# --- Backup allocations and the spare pool ---------------------------------------------------


class DepotOutputSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    region = serializers.CharField()


class AllocationOutputSerializer(serializers.ModelSerializer[Allocation]):
    spare = serializers.SlugRelatedField[Terminal](
        slug_field="serial_number", read_only=True, allow_null=True, help_text="Serial number."
    )
    original = serializers.SlugRelatedField[Terminal](slug_field="serial_number", read_only=True)
    depot = DepotOutputSerializer(allow_null=True, read_only=True)
    ticket = serializers.CharField(
        source="reference", read_only=True, help_text="Ticket reference."
    )
    status = serializers.ChoiceField(choices=AllocationStatus.choices, read_only=True)

    class Meta:
        model = Allocation
        fields = [
            "id",
            "status",
            "spare",
            "depot",
            "ticket",
            "reference",
            "return_due_at",
            "merchant",
            "original",
            "carrier",
            "tracking_number",
            "requested_at",
            "reserved_at",
            "shipped_at",
            "delivered_at",
            "activated_at",
            "returned_at",
            "inspected_at",
            "cancelled_at",
        ]


class AllocationFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=AllocationStatus.choices)
    reference = django_filters.CharFilter()
    ticket = django_filters.CharFilter(field_name="reference")

    class Meta:
        model = Allocation
        fields = ["status", "reference", "ticket"]


class AllocationListApi(generics.ListAPIView[Allocation]):
    """Backup allocations the caller may see: merchants their own, provider staff their
    provider's, operator admins all."""

    serializer_class = AllocationOutputSerializer
    filterset_class = AllocationFilter
    ordering_fields = ["requested_at", "status", "reference"]
    ordering = ["-requested_at"]

    def get_queryset(self) -> Any:
        return allocation_list(user=self.request.user)


class AllocationDetailApi(generics.RetrieveAPIView[Allocation]):
    serializer_class = AllocationOutputSerializer

    def get_queryset(self) -> Any:
        return allocation_list(user=self.request.user)


class IsPoolStaff(permissions.BasePermission):
    """Operator admins and provider staff; merchants do not see the pool."""

    def has_permission(self, request: Any, view: Any) -> bool:
        user = request.user
        return bool(user.is_authenticated and (user.is_operator_admin or user.is_provider_staff))


class SpareOutputSerializer(serializers.ModelSerializer[Terminal]):
    provider = serializers.SlugRelatedField[Any](slug_field="code", read_only=True)
    model = TerminalOutputSerializer.TerminalModelSerializer()
    depot = DepotOutputSerializer(allow_null=True)
    ready = serializers.BooleanField(read_only=True)
    not_ready_reasons = serializers.SerializerMethodField()

    class Meta:
        model = Terminal
        fields = [
            "id",
            "serial_number",
            "provider",
            "model",
            "depot",
            "status",
            "firmware_version",
            "connectivity",
            "tested_at",
            "test_passed",
            "ready",
            "not_ready_reasons",
        ]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_not_ready_reasons(self, spare: Terminal) -> list[str]:
        return not_ready_reasons(spare)


class SpareFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Terminal.Status.choices)
    depot = IdFilter(field_name="depot_id")
    model = IdFilter(field_name="model_id")
    ready = django_filters.BooleanFilter(field_name="ready")

    class Meta:
        model = Terminal
        fields = ["status", "depot", "model", "ready"]


class SpareListApi(generics.ListAPIView[Terminal]):
    """The spare pool with each spare's readiness and, if not ready, why."""

    serializer_class = SpareOutputSerializer
    permission_classes = [IsPoolStaff]
    filterset_class = SpareFilter
    ordering_fields = ["serial_number", "status", "tested_at"]
    ordering = ["serial_number"]

    def get_queryset(self) -> Any:
        return spare_list(user=self.request.user)
