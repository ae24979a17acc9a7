from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from portal.audit import audit_record
from portal.models import AuditEntry


class TokenCreateApi(APIView):
    """`POST /api/v1/auth/token/`: exchange a username and password for an API token."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"

    class InputSerializer(serializers.Serializer[Any]):
        username = serializers.CharField(max_length=150)
        password = serializers.CharField(max_length=256, trim_whitespace=False)

        class Meta:
            ref_name = "TokenSignIn"

    class OutputSerializer(serializers.Serializer[Any]):
        token = serializers.CharField()

        class Meta:
            ref_name = "Token"

    @extend_schema(
        request=InputSerializer,
        responses={
            200: OutputSerializer,
            400: OpenApiResponse(description="Wrong username or password, or a field missing."),
            429: OpenApiResponse(
                response=inline_serializer(
                    "TokenSignInPaused", {"detail": serializers.CharField()}
                ),
                description="Too many failed sign-ins for this user or address, or too many "
                "requests: `detail` says when to try again.",
            ),
        },
        auth=[],
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(
            request._request,
            username=data.validated_data["username"],
            password=data.validated_data["password"],
        )
        if user is None or not user.is_active:
            raise serializers.ValidationError(
                {"non_field_errors": [_("Unable to sign in with that username and password.")]}
            )
        token, created = Token.objects.get_or_create(user=user)
        # A token sign-in is a sign-in: last_login, axes' reset and the audit log all hear it.
        user_logged_in.send(sender=type(user), request=request._request, user=user)
        if created:
            audit_record(
                action=AuditEntry.Action.TOKEN_CREATED,
                request=request._request,
                actor=user,
                target=user,
            )
        return Response(self.OutputSerializer({"token": token.key}).data, status=status.HTTP_200_OK)
