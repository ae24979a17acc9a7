"""The tickets API: report, list, read, converse, attach evidence. No business logic here."""

from __future__ import annotations

from typing import Any

import django_filters
from django.http import FileResponse
from django.utils.translation import get_language
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from portal.models import User
from terminals.selectors import terminal_list
from tickets import selectors, services, triage
from tickets.models import Attachment, Cause, Comment, Priority, Scheme, Status, Ticket


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

    terminal = TerminalSerializer()
    merchant = MerchantSerializer()
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
            "created_at",
            "updated_at",
            "resolved_at",
        ]

    def get_triage_reason(self, ticket: Ticket) -> str:
        return triage.reason_for(ticket.triage_rule, default=ticket.triage_reason)

    def get_advice(self, ticket: Ticket) -> str:
        return triage.action_advice(ticket.recommended_action, get_language() or "en")


class TicketFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Status.choices)
    priority = django_filters.MultipleChoiceFilter(choices=Priority.choices)
    cause = django_filters.MultipleChoiceFilter(choices=Cause.choices)
    terminal = django_filters.NumberFilter(field_name="terminal_id")
    assignee = django_filters.CharFilter(
        method="filter_assignee", help_text="me, none, or a user id"
    )

    class Meta:
        model = Ticket
        fields = ["status", "priority", "cause", "terminal", "assignee"]

    def filter_assignee(self, queryset: Any, name: str, value: str) -> Any:
        if value == "me":
            return queryset.filter(assignee=self.request.user)
        if value == "none":
            return queryset.filter(assignee__isnull=True)
        if value.isdigit():
            return queryset.filter(assignee_id=int(value))
        raise serializers.ValidationError({"assignee": ["Use me, none, or a user id."]})


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
    ordering_fields = ["created_at", "updated_at", "priority", "status", "reference"]
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
