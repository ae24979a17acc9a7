"""The appeal API: read a ticket's case, record the provider's decision. No business logic."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.models import User
from tickets.models import AppealCase, AppealDecision, AppealStatus, MaterialKind
from tickets.services import appeals
from tickets.services.appeals import appeal_get


class AppealFileSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(source="attachment_id")
    name = serializers.CharField(source="attachment.original_name")
    sha256 = serializers.CharField(source="attachment.sha256")
    download = serializers.SerializerMethodField()

    def get_download(self, material: Any) -> str:
        return reverse("api-attachment-download", args=[material.attachment_id])


class AppealChecklistItemSerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=MaterialKind.choices)
    # `label` and `required` are also attributes of DRF's Field, which the stubs type.
    label = serializers.CharField()  # type: ignore[assignment]
    required = serializers.BooleanField()  # type: ignore[assignment]
    requested = serializers.BooleanField(help_text="Named in the provider's open request.")
    provided = serializers.BooleanField()
    missing = serializers.BooleanField(help_text="Submitting is refused while any is missing.")
    files = AppealFileSerializer(many=True)


class AppealDecisionSerializer(serializers.ModelSerializer[AppealDecision]):
    decided_by = serializers.CharField(source="decided_by.get_username")

    class Meta:
        model = AppealDecision
        fields = [
            "attempt",
            "decision",
            "note",
            "missing",
            "respond_by",
            "decided_by",
            "decided_at",
        ]


class AppealOutputSerializer(serializers.Serializer[AppealCase]):
    id = serializers.IntegerField()
    ticket = serializers.IntegerField(source="ticket_id")
    status = serializers.ChoiceField(choices=AppealStatus.choices)
    attempts = serializers.IntegerField()
    explanation = serializers.CharField()
    deadline = serializers.DateTimeField(
        allow_null=True, help_text="When the provider must decide, or the merchant send more."
    )
    opened_at = serializers.DateTimeField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)
    checklist = serializers.SerializerMethodField()
    decisions = serializers.SerializerMethodField()
    dossier = serializers.SerializerMethodField(help_text="The case dossier as a ZIP download.")
    legal_routes = serializers.SerializerMethodField(help_text="The page on legal routes.")

    @extend_schema_field(AppealChecklistItemSerializer(many=True))
    def get_checklist(self, case: AppealCase) -> Any:
        return AppealChecklistItemSerializer(self._checklist(case), many=True).data

    @extend_schema_field(AppealDecisionSerializer(many=True))
    def get_decisions(self, case: AppealCase) -> Any:
        return AppealDecisionSerializer(self._decisions(case), many=True).data

    def get_dossier(self, case: AppealCase) -> str:
        return reverse("appeal-dossier", args=[case.ticket_id])

    def get_legal_routes(self, case: AppealCase) -> str:
        return reverse("legal-routes")

    def _decisions(self, case: AppealCase) -> list[AppealDecision]:
        return list(case.decisions.select_related("decided_by").order_by("attempt"))

    def _checklist(self, case: AppealCase) -> list[appeals.ChecklistItem]:
        return appeals.appeal_checklist(case, decisions=self._decisions(case))


class AppealDecisionInputSerializer(serializers.Serializer[Any]):
    decision = serializers.ChoiceField(choices=[(s.value, s.label) for s in appeals.DECISIONS])
    note = serializers.CharField(max_length=appeals.MAX_TEXT_LENGTH)
    missing = serializers.ListField(
        child=serializers.ChoiceField(choices=MaterialKind.choices), required=False, default=list
    )
    internal_note = serializers.CharField(
        max_length=appeals.MAX_TEXT_LENGTH, required=False, default="", allow_blank=True
    )


class AppealApi(APIView):
    """`GET /api/v1/tickets/{id}/appeal/`: the ticket's appeal case, if the caller may see it."""

    @extend_schema(
        responses={
            200: AppealOutputSerializer,
            404: OpenApiResponse(description="No case, or not the caller's"),
        }
    )
    def get(self, request: Request, pk: int) -> Response:
        case = appeal_get(request.user, pk)
        return Response(AppealOutputSerializer(case).data)


class AppealDecisionApi(APIView):
    """`POST /api/v1/tickets/{id}/appeal/decisions/`: the provider's risk team or a lead
    answers the current attempt."""

    @extend_schema(
        request=AppealDecisionInputSerializer,
        responses={
            201: AppealOutputSerializer,
            400: OpenApiResponse(description="Invalid input"),
            403: OpenApiResponse(description="Not the provider's risk team or a lead"),
            404: OpenApiResponse(description="No case, or not the caller's"),
            409: OpenApiResponse(description="The case is not waiting for a decision"),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        case = appeal_get(request.user, pk)
        data = AppealDecisionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        actor: User = request.user  # type: ignore[assignment]
        appeals.appeal_decide(case=case, actor=actor, **data.validated_data)
        case = appeal_get(actor, pk)
        return Response(AppealOutputSerializer(case).data, status=status.HTTP_201_CREATED)
