"""The API of escalations and engineer visits. Serializers validate, services act.

- `GET|POST /api/v1/tickets/{id}/escalations/` (provider staff; merchants 403)
- `GET /api/v1/escalations/{id}/`, `POST /api/v1/escalations/{id}/transitions/`
- `GET|POST /api/v1/tickets/{id}/visits/` (merchants read the window and outcome)
- `POST /api/v1/visits/{id}/transitions/`

Anything outside the caller's organisation is 404; a refused move is 409.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.models import User
from tickets import selectors
from tickets.models import (
    EngineerVisit,
    Escalation,
    EscalationStatus,
    Party,
    Team,
    VisitOutcome,
    VisitStatus,
)
from tickets.services import escalation as escalations
from tickets.services import visits
from tickets.services.lifecycle import require_staff

ERRORS = {
    400: OpenApiResponse(description="Invalid input: `{field: [messages]}` or `{detail}`."),
    403: OpenApiResponse(description="Not allowed for this role."),
    404: OpenApiResponse(description="No such ticket in the caller's organisation."),
}
CONFLICT = {409: OpenApiResponse(description="The transition table does not allow the move.")}


# --- Evidence pack (read-only, mirrors tickets.evidence_pack) -------------------------------


class EvidencePackMerchantSerializer(serializers.Serializer[Any]):
    name = serializers.CharField()
    mid = serializers.CharField()
    address = serializers.CharField()
    region = serializers.CharField()


class EvidencePackTerminalSerializer(serializers.Serializer[Any]):
    serial_number = serializers.CharField()
    tid = serializers.CharField()
    model = serializers.CharField()
    manufacturer = serializers.CharField()
    firmware_version = serializers.CharField()
    connectivity = serializers.CharField()
    sim_iccid = serializers.CharField()
    installed_address = serializers.CharField()


class EvidencePackErrorSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    scheme = serializers.CharField()
    meaning_en = serializers.CharField()
    meaning_zh = serializers.CharField()
    screen_message = serializers.CharField()


class EvidencePackPhotoSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()


class EvidencePackStepsSerializer(serializers.Serializer[Any]):
    power_ok = serializers.BooleanField(allow_null=True)
    network_ok = serializers.BooleanField(allow_null=True)
    restarted = serializers.BooleanField(allow_null=True)
    signed_on = serializers.BooleanField(allow_null=True)


class EvidencePackTicketSerializer(serializers.Serializer[Any]):
    reference = serializers.CharField()
    opened_at = serializers.DateTimeField()


class EvidencePackTriageSerializer(serializers.Serializer[Any]):
    cause = serializers.CharField()
    priority = serializers.CharField()
    rule = serializers.CharField()
    reason_en = serializers.CharField()
    reason_zh = serializers.CharField()


class EvidencePackSerializer(serializers.Serializer[Any]):
    """What the escalation was sent with, as it stood when it was made."""

    version = serializers.IntegerField()
    built_at = serializers.DateTimeField()
    ticket = EvidencePackTicketSerializer()
    merchant = EvidencePackMerchantSerializer()
    terminal = EvidencePackTerminalSerializer()
    error = EvidencePackErrorSerializer()
    screen_photos = EvidencePackPhotoSerializer(many=True)
    first_seen_at = serializers.DateTimeField(allow_null=True)
    cards = serializers.ChoiceField(choices=["all", "some"], allow_null=True)
    steps = EvidencePackStepsSerializer()
    other_terminals_affected = serializers.BooleanField(allow_null=True)
    moved_recently = serializers.BooleanField(allow_null=True)
    last_good_txn_at = serializers.DateTimeField(allow_null=True)
    triage = EvidencePackTriageSerializer()

    def to_representation(self, instance: Any) -> Any:
        # Stored JSON is passed through as it is: times keep the provider's offset.
        return instance


# --- Escalations ------------------------------------------------------------------------------


class EscalationOutputSerializer(serializers.ModelSerializer[Escalation]):
    ticket = serializers.IntegerField(source="ticket_id")
    to = serializers.CharField(source="to_label", help_text="The team or party, in words.")
    overdue = serializers.SerializerMethodField(help_text="No answer yet and the answer is due.")
    created_by = serializers.CharField(source="created_by.username")
    evidence_pack = EvidencePackSerializer()

    class Meta:
        model = Escalation
        fields = [
            "id",
            "ticket",
            "team",
            "party",
            "to",
            "reason",
            "external_reference",
            "status",
            "respond_by",
            "overdue",
            "answer",
            "answered_at",
            "closed_at",
            "created_by",
            "created_at",
            "evidence_pack",
        ]

    def get_overdue(self, escalation: Escalation) -> bool:
        return escalations.escalation_is_overdue(escalation)


class EscalateInputSerializer(serializers.Serializer[Any]):
    team = serializers.ChoiceField(
        choices=Team.choices, required=False, allow_blank=True, default=""
    )
    party = serializers.ChoiceField(
        choices=Party.choices, required=False, allow_blank=True, default=""
    )
    reason = serializers.CharField(max_length=escalations.MAX_REASON_LENGTH)
    external_reference = serializers.CharField(
        max_length=escalations.MAX_REFERENCE_LENGTH, required=False, allow_blank=True, default=""
    )


class EscalationTransitionInputSerializer(serializers.Serializer[Any]):
    to = serializers.ChoiceField(choices=EscalationStatus.choices)
    answer = serializers.CharField(
        max_length=escalations.MAX_ANSWER_LENGTH,
        required=False,
        allow_blank=True,
        default="",
        help_text="Required when `to` is `answered`.",
    )
    external_reference = serializers.CharField(
        max_length=escalations.MAX_REFERENCE_LENGTH,
        required=False,
        allow_null=True,
        default=None,
        help_text="Replaces their reference when given.",
    )


def _staff(request: Request) -> User:
    user: User = request.user  # type: ignore[assignment]
    require_staff(user)
    return user


class TicketEscalationsApi(APIView):
    """`GET|POST /api/v1/tickets/{id}/escalations/`: provider staff only."""

    @extend_schema(responses={200: EscalationOutputSerializer(many=True), **ERRORS})
    def get(self, request: Request, pk: int) -> Response:
        ticket = selectors.ticket_get(user=request.user, pk=pk)
        user = _staff(request)
        rows = escalations.escalation_list(user=user, ticket=ticket)
        return Response(EscalationOutputSerializer(rows, many=True).data)

    @extend_schema(
        request=EscalateInputSerializer,
        responses={201: EscalationOutputSerializer, **ERRORS, **CONFLICT},
    )
    def post(self, request: Request, pk: int) -> Response:
        ticket = selectors.ticket_get(user=request.user, pk=pk)
        user = _staff(request)
        data = EscalateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        escalation = escalations.escalate(ticket=ticket, actor=user, **data.validated_data)
        return Response(EscalationOutputSerializer(escalation).data, status=status.HTTP_201_CREATED)


class EscalationDetailApi(APIView):
    """`GET /api/v1/escalations/{id}/`."""

    @extend_schema(responses={200: EscalationOutputSerializer, **ERRORS})
    def get(self, request: Request, pk: int) -> Response:
        escalation = escalations.escalation_get(user=request.user, pk=pk)
        return Response(EscalationOutputSerializer(escalation).data)


class EscalationTransitionApi(APIView):
    """`POST /api/v1/escalations/{id}/transitions/`: acknowledged, answered, closed."""

    @extend_schema(
        request=EscalationTransitionInputSerializer,
        responses={200: EscalationOutputSerializer, **ERRORS, **CONFLICT},
    )
    def post(self, request: Request, pk: int) -> Response:
        escalation = escalations.escalation_get(user=request.user, pk=pk)
        data = EscalationTransitionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        actor: User = request.user  # type: ignore[assignment]
        updated = escalations.escalation_update(
            escalation=escalation, actor=actor, **data.validated_data
        )
        return Response(EscalationOutputSerializer(updated).data)


# --- Engineer visits --------------------------------------------------------------------------


class VisitOutputSerializer(serializers.ModelSerializer[EngineerVisit]):
    ticket = serializers.IntegerField(source="ticket_id")
    engineer = serializers.SerializerMethodField()
    notes = serializers.CharField(
        required=False, help_text="Staff only: left out of a merchant's answer."
    )

    class Meta:
        model = EngineerVisit
        fields = [
            "id",
            "ticket",
            "engineer",
            "window_start",
            "window_end",
            "status",
            "outcome",
            "completed_at",
            "created_at",
            "notes",
        ]

    def get_engineer(self, visit: EngineerVisit) -> str:
        return visit.engineer.get_full_name() or visit.engineer.get_username()


class MerchantVisitSerializer(VisitOutputSerializer):
    class Meta(VisitOutputSerializer.Meta):
        fields = [f for f in VisitOutputSerializer.Meta.fields if f != "notes"]


def _visit_data(user: Any, visit_or_visits: Any, *, many: bool = False) -> Any:
    serializer = VisitOutputSerializer if selectors.sees_internal(user) else MerchantVisitSerializer
    return serializer(visit_or_visits, many=many).data


class DispatchInputSerializer(serializers.Serializer[Any]):
    engineer = serializers.IntegerField(help_text="A field engineer of the ticket's provider.")
    window_start = serializers.DateTimeField()
    window_end = serializers.DateTimeField()
    notes = serializers.CharField(
        max_length=visits.MAX_NOTES_LENGTH, required=False, allow_blank=True, default=""
    )


class VisitTransitionInputSerializer(serializers.Serializer[Any]):
    to = serializers.ChoiceField(choices=VisitStatus.choices)
    outcome = serializers.ChoiceField(
        choices=VisitOutcome.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="Required when `to` is `done`, refused otherwise.",
    )
    notes = serializers.CharField(
        max_length=visits.MAX_NOTES_LENGTH, required=False, allow_blank=True, default=""
    )


class TicketVisitsApi(APIView):
    """`GET|POST /api/v1/tickets/{id}/visits/`: staff dispatch; merchants read."""

    @extend_schema(responses={200: VisitOutputSerializer(many=True), **ERRORS})
    def get(self, request: Request, pk: int) -> Response:
        ticket = selectors.ticket_get(user=request.user, pk=pk)
        rows = visits.visit_list(user=request.user, ticket=ticket)
        return Response(_visit_data(request.user, rows, many=True))

    @extend_schema(
        request=DispatchInputSerializer,
        responses={201: VisitOutputSerializer, **ERRORS, **CONFLICT},
    )
    def post(self, request: Request, pk: int) -> Response:
        ticket = selectors.ticket_get(user=request.user, pk=pk)
        user = _staff(request)
        data = DispatchInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        answers = dict(data.validated_data)
        engineer = visits.field_engineer_get(ticket=ticket, pk=answers.pop("engineer"))
        visit = visits.visit_dispatch(ticket=ticket, actor=user, engineer=engineer, **answers)
        return Response(VisitOutputSerializer(visit).data, status=status.HTTP_201_CREATED)


class VisitTransitionApi(APIView):
    """`POST /api/v1/visits/{id}/transitions/`: on site, done (with outcome), cancelled."""

    @extend_schema(
        request=VisitTransitionInputSerializer,
        responses={200: VisitOutputSerializer, **ERRORS, **CONFLICT},
    )
    def post(self, request: Request, pk: int) -> Response:
        visit = visits.visit_get(user=request.user, pk=pk)
        data = VisitTransitionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        actor: User = request.user  # type: ignore[assignment]
        updated = visits.visit_update(visit=visit, actor=actor, **data.validated_data)
        return Response(VisitOutputSerializer(updated).data)
