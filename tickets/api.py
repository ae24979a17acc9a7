"""The tickets API: report, list, read, converse, attach evidence. No business logic here."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse
from django.utils.translation import get_language
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from portal.api_filters import MAX_ID
from portal.models import User
from terminals.api import AllocationOutputSerializer
from terminals.selectors import allocation_get, terminal_list
from tickets import selectors, services, triage
from tickets.filters import QUEUE_ORDERING, TicketFilter
from tickets.models import Attachment, Comment, Scheme, SlaTarget, Status, Ticket
from tickets.services import assignment, backup, sla


class TicketOutputSerializer(serializers.ModelSerializer[Ticket]):
    class TerminalSerializer(serializers.Serializer[Any]):
        id = serializers.IntegerField()
        serial_number = serializers.CharField()
        tid = serializers.CharField(allow_null=True)
        model = serializers.CharField(source="model.__str__")

    class MerchantSerializer(serializers.Serializer[Any]):
        id = serializers.IntegerField()
        mid = serializers.CharField()
        name = serializers.CharField()

        class Meta:
            ref_name = "TicketMerchant"

    class SlaTargetSerializer(serializers.Serializer[Any]):
        target = serializers.ChoiceField(choices=SlaTarget.choices)
        name = serializers.CharField(source="label", help_text="The target's name, translated.")
        allowed_minutes = serializers.SerializerMethodField(
            help_text="Working minutes allowed by the policy (of the provider's calendar)."
        )
        due_at = serializers.DateTimeField(
            allow_null=True, help_text="Empty while the clock is paused."
        )
        met_at = serializers.DateTimeField(allow_null=True)
        breached_at = serializers.DateTimeField(allow_null=True)
        state = serializers.ChoiceField(
            choices=["met", "breached", "paused", "due_soon", "on_track"]
        )

        def get_allowed_minutes(self, view: sla.TargetView) -> int:
            return int(view.allowed.total_seconds() // 60)

    terminal = TerminalSerializer()
    merchant = MerchantSerializer()
    sla = serializers.SerializerMethodField(
        help_text="Each time target: due time on the provider's business calendar and state."
    )
    triage_reason = serializers.SerializerMethodField()
    advice = serializers.SerializerMethodField(help_text="What the merchant should do now.")
    assignee = serializers.CharField(source="assignee.username", allow_null=True, default=None)

    class Meta:
        model = Ticket
        fields = [
            "id",
            "reference",
            "terminal",
            "merchant",
            "status",
            "priority",
            "cause",
            "recommended_action",
            "triage_reason",
            "advice",
            "assignee",
            "level",
            "sla",
            "sla_due_at",
            "created_at",
            "updated_at",
            "first_response_at",
            "restored_at",
            "resolved_at",
            "closed_at",
        ]
        read_only_fields = fields

    @extend_schema_field(SlaTargetSerializer(many=True))
    def get_sla(self, ticket: Ticket) -> list[dict[str, Any]]:
        views = sla.sla_view(list(ticket.sla_targets.all()))
        return self.SlaTargetSerializer(views, many=True).data  # type: ignore[return-value]

    def get_triage_reason(self, ticket: Ticket) -> str:
        return triage.reason_for(ticket.triage_rule, default=ticket.triage_reason)

    def get_advice(self, ticket: Ticket) -> str:
        return triage.action_advice(ticket.recommended_action, get_language() or "en")


class ReportInputSerializer(serializers.Serializer[Any]):
    terminal = serializers.IntegerField()
    error_code = serializers.CharField(max_length=3, required=False, allow_blank=True)
    scheme = serializers.ChoiceField(choices=Scheme.choices, required=False, allow_blank=True)
    screen_message = serializers.CharField(max_length=300, required=False, allow_blank=True)
    all_cards_fail = serializers.BooleanField(required=False, allow_null=True, default=None)
    other_terminals_affected = serializers.BooleanField(
        required=False, allow_null=True, default=None
    )
    network_ok = serializers.BooleanField(required=False, allow_null=True, default=None)
    power_ok = serializers.BooleanField(required=False, allow_null=True, default=None)
    restarted = serializers.BooleanField(required=False, allow_null=True, default=None)
    signed_on = serializers.BooleanField(required=False, allow_null=True, default=None)
    moved_recently = serializers.BooleanField(required=False, allow_null=True, default=None)
    notice_received = serializers.BooleanField(required=False, allow_null=True, default=None)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True)


class TicketListApi(generics.ListAPIView[Ticket]):
    """`GET /api/v1/tickets/` (scoped) and `POST /api/v1/tickets/` (merchants report)."""

    serializer_class = TicketOutputSerializer
    filterset_class = TicketFilter
    ordering_fields = QUEUE_ORDERING
    ordering = ["-created_at"]

    def get_queryset(self) -> Any:
        return selectors.ticket_list(user=self.request.user)

    def get_throttles(self) -> list[Any]:
        if self.request.method == "POST":
            self.throttle_scope = "report"
            return [ScopedRateThrottle()]
        return super().get_throttles()

    @extend_schema(request=ReportInputSerializer, responses={201: TicketOutputSerializer})
    def post(self, request: Request) -> Response:
        data = ReportInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        answers = dict(data.validated_data)
        terminal_id = answers.pop("terminal")
        terminal = terminal_list(user=request.user).filter(pk=terminal_id).first()
        if terminal is None:
            raise serializers.ValidationError(
                {"terminal": ["There is no such terminal in your registry."]}
            )
        user: User = request.user  # type: ignore[assignment]
        ticket = services.ticket_report(terminal=terminal, reporter=user, **answers)
        ticket = selectors.ticket_get(user=user, pk=ticket.pk)
        return Response(TicketOutputSerializer(ticket).data, status=status.HTTP_201_CREATED)


class TicketDetailApi(generics.RetrieveAPIView[Ticket]):
    serializer_class = TicketOutputSerializer

    def get_queryset(self) -> Any:
        return selectors.ticket_list(user=self.request.user)


class TransitionInputSerializer(serializers.Serializer[Any]):
    to = serializers.ChoiceField(choices=Status.choices)
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class TransitionsSerializer(serializers.Serializer[Any]):
    status = serializers.ChoiceField(choices=Status.choices)
    allowed = serializers.ListField(
        child=serializers.ChoiceField(choices=Status.choices),
        help_text="The statuses the caller may move the ticket to now.",
    )


class TransitionApi(APIView):
    """`GET|POST /api/v1/tickets/{id}/transitions/`: where the ticket may go, and moving it.

    Merchants may only confirm a resolution (`closed`) or reopen (`in_progress`, within the
    reopen window); staff move along the transition table. An illegal move answers 409.
    """

    @extend_schema(responses={200: TransitionsSerializer})
    def get(self, request: Request, pk: int) -> Response:
        ticket = selectors.ticket_get(user=request.user, pk=pk)
        user: User = request.user  # type: ignore[assignment]
        allowed = services.allowed_moves(ticket, user)
        return Response({"status": ticket.status, "allowed": allowed})

    @extend_schema(
        request=TransitionInputSerializer,
        responses={
            200: TicketOutputSerializer,
            400: OpenApiResponse(description="Unknown status or a missing reason"),
            409: OpenApiResponse(description="The transition table does not allow this move"),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        ticket = selectors.ticket_get(user=request.user, pk=pk)
        data = TransitionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user: User = request.user  # type: ignore[assignment]
        services.ticket_transition(ticket=ticket, actor=user, **data.validated_data)
        ticket = selectors.ticket_get(user=user, pk=pk)
        return Response(TicketOutputSerializer(ticket).data)


class AssignmentInputSerializer(serializers.Serializer[Any]):
    assignee = serializers.CharField(
        allow_null=True,
        help_text='"me", a user id of the provider\'s staff, or null to unassign.',
    )
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


def _assignee(user: User, value: str | None) -> User | None:
    if value is None or value == "":
        return None
    if value == "me":
        return user
    found = selectors.colleagues(user).filter(pk=int(value)).first() if value.isdigit() else None
    if found is None:
        raise serializers.ValidationError({"assignee": ["No such colleague."]})
    return found


class AssignmentApi(APIView):
    """`POST /api/v1/tickets/{id}/assignment/`: claim (`"me"`), assign or unassign (staff)."""

    @extend_schema(request=AssignmentInputSerializer, responses={200: TicketOutputSerializer})
    def post(self, request: Request, pk: int) -> Response:
        ticket = selectors.ticket_get(user=request.user, pk=pk)
        data = AssignmentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user: User = request.user  # type: ignore[assignment]
        services.require_staff(user)
        assignment.ticket_assign(
            ticket=ticket,
            actor=user,
            assignee=_assignee(user, data.validated_data["assignee"]),
            reason=data.validated_data["reason"],
        )
        return Response(TicketOutputSerializer(selectors.ticket_get(user=user, pk=pk)).data)


class BulkInputSerializer(serializers.Serializer[Any]):
    tickets = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        min_length=1,
        max_length=assignment.MAX_BULK,
    )
    action = serializers.ChoiceField(choices=["assign", "transition"])
    assignee = serializers.CharField(
        required=False, allow_null=True, default=None, help_text='For assign: "me", an id or null.'
    )
    to = serializers.ChoiceField(
        choices=Status.choices, required=False, help_text="For transition."
    )
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["action"] == "transition" and not attrs.get("to"):
            raise serializers.ValidationError({"to": ["Say which status to move the tickets to."]})
        return attrs


class BulkResultSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    ok = serializers.BooleanField()
    message = serializers.CharField()


class BulkOutputSerializer(serializers.Serializer[Any]):
    results = BulkResultSerializer(many=True)


class BulkApi(APIView):
    """`POST /api/v1/tickets/bulk/`: assign or move many tickets; each ticket's outcome reported.

    Runs the same services as the single actions in one transaction; a refused ticket is
    reported with the reason and changes nothing, the others are applied.
    """

    @extend_schema(request=BulkInputSerializer, responses={200: BulkOutputSerializer})
    def post(self, request: Request) -> Response:
        data = BulkInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user: User = request.user  # type: ignore[assignment]
        services.require_staff(user)
        values = data.validated_data
        if values["action"] == "assign":
            results = assignment.bulk_assign(
                actor=user,
                ticket_ids=values["tickets"],
                assignee=_assignee(user, values["assignee"]),
            )
        else:
            results = assignment.bulk_transition(
                actor=user, ticket_ids=values["tickets"], to=values["to"], reason=values["reason"]
            )
        return Response(BulkOutputSerializer({"results": results}).data)


class BackupApi(APIView):
    """`POST /api/v1/tickets/{id}/backup/`: lend a backup terminal for the ticket's terminal.

    Provider staff and operator admins. 201 with a new allocation (reserved, or waiting when
    no ready spare fits); asking again while it is open answers 200 with the same one.
    """

    @extend_schema(
        request=None,
        responses={
            200: AllocationOutputSerializer,
            201: AllocationOutputSerializer,
            409: OpenApiResponse(description="The ticket is resolved or closed"),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        ticket = selectors.ticket_get(user=request.user, pk=pk)
        user: User = request.user  # type: ignore[assignment]
        allocation, created = backup.ticket_request_backup(ticket=ticket, actor=user)
        allocation = allocation_get(user=user, pk=allocation.pk)
        return Response(
            AllocationOutputSerializer(allocation).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class CommentSerializer(serializers.ModelSerializer[Comment]):
    author = serializers.CharField(source="author.get_full_name")

    class Meta:
        model = Comment
        fields = ["id", "author", "body", "internal", "created_at"]


class CommentInputSerializer(serializers.Serializer[Any]):
    body = serializers.CharField(max_length=5000)
    internal = serializers.BooleanField(required=False, default=False)


class CommentApi(APIView):
    """`GET|POST /api/v1/tickets/{id}/comments/`: the conversation the caller may see."""

    @extend_schema(responses={200: CommentSerializer(many=True)})
    def get(self, request: Request, pk: int) -> Response:
        ticket = selectors.ticket_get(user=request.user, pk=pk)
        comments = selectors.comment_list(user=request.user, ticket=ticket)
        return Response(CommentSerializer(comments, many=True).data)

    @extend_schema(request=CommentInputSerializer, responses={201: CommentSerializer})
    def post(self, request: Request, pk: int) -> Response:
        ticket = selectors.ticket_get(user=request.user, pk=pk)
        data = CommentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        author: User = request.user  # type: ignore[assignment]
        comment = services.comment_add(ticket=ticket, author=author, **data.validated_data)
        return Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)


class AttachmentSerializer(serializers.ModelSerializer[Attachment]):
    download = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = ["id", "kind", "original_name", "content_type", "size", "created_at", "download"]

    def get_download(self, attachment: Attachment) -> str:
        return f"/api/v1/attachments/{attachment.pk}/download/"


class AttachmentInputSerializer(serializers.Serializer[Any]):
    file = serializers.FileField()
    kind = serializers.ChoiceField(choices=Attachment.Kind.choices, required=False, default="other")


class AttachmentApi(APIView):
    """`GET|POST /api/v1/tickets/{id}/attachments/`: evidence, checked by content."""

    parser_classes = [MultiPartParser]

    @extend_schema(responses={200: AttachmentSerializer(many=True)})
    def get(self, request: Request, pk: int) -> Response:
        ticket = selectors.ticket_get(user=request.user, pk=pk)
        attachments = selectors.attachment_list(user=request.user, ticket=ticket)
        return Response(AttachmentSerializer(attachments, many=True).data)

    @extend_schema(request=AttachmentInputSerializer, responses={201: AttachmentSerializer})
    def post(self, request: Request, pk: int) -> Response:
        ticket = selectors.ticket_get(user=request.user, pk=pk)
        data = AttachmentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        uploader: User = request.user  # type: ignore[assignment]
        attachment = services.attachment_add(
            ticket=ticket,
            uploaded_by=uploader,
            upload=data.validated_data["file"],
            kind=data.validated_data["kind"],
        )
        return Response(AttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)


class AttachmentDownloadApi(APIView):
    """`GET /api/v1/attachments/{id}/download/`: the file, only to those who may see it."""

    @extend_schema(
        responses={(200, "application/octet-stream"): OpenApiResponse(description="The file")}
    )
    def get(self, request: Request, pk: int) -> FileResponse:
        attachment = selectors.attachment_get(user=request.user, pk=pk)
        return attachment_response(attachment)


def attachment_response(attachment: Attachment) -> FileResponse:
    """Stream a stored evidence file as a download, never rendered inline by the browser."""
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
