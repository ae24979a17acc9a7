"""`GET /api/v1/terminals/` and `GET /api/v1/terminals/{id}/`."""

from __future__ import annotations

from typing import Any

import django_filters
from rest_framework import generics, serializers

from terminals.models import Connectivity, Terminal
from terminals.selectors import terminal_list


class TerminalOutputSerializer(serializers.ModelSerializer[Terminal]):
    class MerchantSerializer(serializers.Serializer[Any]):
        id = serializers.IntegerField()
        mid = serializers.CharField()
        name = serializers.CharField()

    class ProviderSerializer(serializers.Serializer[Any]):
        id = serializers.IntegerField()
        code = serializers.CharField()
        name = serializers.CharField()

    class ModelSerializer(serializers.Serializer[Any]):
        id = serializers.IntegerField()
        manufacturer = serializers.CharField()
        name = serializers.CharField()

    merchant = MerchantSerializer(allow_null=True)
    provider = ProviderSerializer()
    model = ModelSerializer()

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
    merchant = django_filters.NumberFilter(field_name="merchant_id")
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
