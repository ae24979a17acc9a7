"""Inbound provider webhooks: `POST /api/v1/webhooks/escalations/{provider}/`.

No session or token: the request is authenticated by its signature (tickets.webhooks). The
view only verifies, validates and calls one service; every refusal is a JSON body with a
`code` and a `detail`.
"""

from __future__ import annotations

import json
from typing import Any

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.models import Provider
from tickets.models import Escalation, EscalationStatus
from tickets.webhooks import (
    DELIVERY_HEADER,
    SIGNATURE_HEADER,
    WebhookRejected,
    escalation_for_provider,
    webhook_escalation_update,
    webhook_verify,
)

INBOUND_STATUSES = [
    (EscalationStatus.ACKNOWLEDGED.value, EscalationStatus.ACKNOWLEDGED.label),
    (EscalationStatus.ANSWERED.value, EscalationStatus.ANSWERED.label),
    (EscalationStatus.CLOSED.value, EscalationStatus.CLOSED.label),
]


class EscalationWebhookInputSerializer(serializers.Serializer[Any]):
    escalation = serializers.IntegerField(
        required=False, min_value=1, help_text="The escalation's id, as sent in our events."
    )
    external_reference = serializers.CharField(
        required=False, max_length=100, help_text="Or your own reference for it."
    )
    status = serializers.ChoiceField(choices=INBOUND_STATUSES)
    answer = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Required for answered."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("escalation" in attrs) == bool(attrs.get("external_reference")):
            raise serializers.ValidationError(
                "Name the escalation by `escalation` (id) or by `external_reference`, not both."
            )
        return attrs


class EscalationWebhookOutputSerializer(serializers.ModelSerializer[Escalation]):
    escalation = serializers.IntegerField(source="pk")
    ticket = serializers.CharField(source="ticket.reference")

    class Meta:
        model = Escalation
        fields = ["escalation", "ticket", "status", "external_reference", "answered_at"]


class WebhookErrorSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    detail = serializers.CharField()


def _error(status: int, code: str, detail: Any) -> Response:
    return Response({"code": code, "detail": detail}, status=status)


class EscalationWebhookApi(APIView):
    """Signed updates on an escalation from its provider's system."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="webhooks_escalation_update",
        summary="Update an escalation from the provider's system (signed)",
        description=(
            "Sign the raw body: `X-Portal-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "
            '"<t>." + body with the endpoint\'s secret>`. Timestamps more than 5 minutes off '
            "are refused; each `X-Portal-Delivery` id and each signature is accepted once."
        ),
        auth=[],
        parameters=[
            OpenApiParameter(
                SIGNATURE_HEADER,
                str,
                OpenApiParameter.HEADER,
                required=True,
                description="t=<unix seconds>,v1=<hex>",
            ),
            OpenApiParameter(
                DELIVERY_HEADER,
                str,
                OpenApiParameter.HEADER,
                required=True,
                description="Your unique id for this update (at most 100 characters).",
            ),
        ],
        request=EscalationWebhookInputSerializer,
        responses={
            200: EscalationWebhookOutputSerializer,
            400: OpenApiResponse(WebhookErrorSerializer, description="Invalid body or headers."),
            401: OpenApiResponse(WebhookErrorSerializer, description="Bad or stale signature."),
            403: OpenApiResponse(WebhookErrorSerializer, description="Inbound not enabled."),
            404: OpenApiResponse(WebhookErrorSerializer, description="No such escalation."),
            409: OpenApiResponse(
                WebhookErrorSerializer, description="A replay, or a move the table refuses."
            ),
        },
    )
    def post(self, request: Request, provider: str) -> Response:
        found = Provider.objects.filter(code=provider).first()
        if found is None:
            return _error(404, "not_found", "No such provider.")
        body = request.body
        try:
            verified = webhook_verify(
                provider=found, header=request.headers.get(SIGNATURE_HEADER, ""), body=body
            )
            delivery_id = request.headers.get(DELIVERY_HEADER, "").strip()
            if not delivery_id or len(delivery_id) > 100:
                raise WebhookRejected(400, "bad_delivery", f"Send {DELIVERY_HEADER}: <unique id>.")
            data = _validated(body)
            escalation = escalation_for_provider(
                provider=found,
                escalation_id=data.get("escalation"),
                external_reference=data.get("external_reference", ""),
            )
            updated = webhook_escalation_update(
                verified=verified,
                delivery_id=delivery_id,
                escalation=escalation,
                to=data["status"],
                answer=data["answer"],
            )
        except WebhookRejected as exc:
            return _error(exc.status, exc.code, str(exc))
        return Response(EscalationWebhookOutputSerializer(updated).data)


def _validated(body: bytes) -> dict[str, Any]:
    try:
        payload = json.loads(body)
    except ValueError:
        raise WebhookRejected(400, "bad_json", "The body is not JSON.") from None
    serializer = EscalationWebhookInputSerializer(data=payload)
    if not serializer.is_valid():
        raise WebhookRejected(400, "invalid", serializer.errors)  # type: ignore[arg-type]
    return dict(serializer.validated_data)
