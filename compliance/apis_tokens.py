"""API tokens over the API: sign in with a password for a token, list yours, revoke one.

POST /api/v1/auth/token/ checks the password through Django's authenticate(), so
django-axes throttles it per account like every other sign-in (429 when locked).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions, serializers, status
from rest_framework.exceptions import AuthenticationFailed, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from compliance.audit.context import actor_bind_user
from compliance.models import ApiToken
from compliance.security.api_auth import AuditedTokenAuthentication, SignInLocked
from compliance.security.lockout import lockout_message
from compliance.security.tokens import api_token_issue, api_token_revoke, tokens_visible_to
from projects.errors import ApplicationError

MSG_BAD_CREDENTIALS = "Unable to sign in with the username and password given."


class ApiTokenSerializer(serializers.ModelSerializer):
    token_key = serializers.CharField(source="token.token_key", read_only=True)
    user = serializers.CharField(source="token.user.username", read_only=True)
    created = serializers.DateTimeField(source="token.created", read_only=True)
    expiry = serializers.DateTimeField(source="token.expiry", read_only=True, allow_null=True)

    class Meta:
        model = ApiToken
        fields = ["token_key", "name", "user", "read_only", "created", "expiry"]


class ApiTokenCreatedSerializer(ApiTokenSerializer):
    token = serializers.CharField(read_only=True, help_text="Shown once; only a hash is kept.")

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "token"]


class TokenLoginInputSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, style={"input_type": "password"})
    name = serializers.CharField(max_length=100)
    read_only = serializers.BooleanField(required=False, default=False)  # type: ignore[assignment]
    days = serializers.IntegerField(required=False, min_value=1)


class TokenLoginApi(APIView):
    """Exchange a username and password for a new API token (throttled per account)."""

    authentication_classes: list[Any] = []
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        request=TokenLoginInputSerializer,
        responses={201: ApiTokenCreatedSerializer},
        auth=[],
    )
    def post(self, request: Request) -> Response:
        data = TokenLoginInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        django_request = request._request
        user = authenticate(
            django_request, username=values["username"], password=values["password"]
        )
        if user is None:
            if getattr(django_request, "axes_locked_out", False):
                raise SignInLocked(lockout_message(django_request))
            raise AuthenticationFailed(MSG_BAD_CREDENTIALS)
        actor_bind_user(user)
        try:
            token, text = api_token_issue(
                issued_by=user,
                name=values["name"],
                read_only=values["read_only"],
                days=values.get("days") or settings.API_TOKEN_DEFAULT_DAYS,
            )
        except ApplicationError as exc:
            raise ValidationError({"detail": exc.message}) from exc
        body = {**ApiTokenSerializer(token).data, "token": text}
        return Response(body, status=status.HTTP_201_CREATED)

    def get_authenticate_header(self, request: Request) -> str:
        return 'Token realm="grantcheck"'


class TokenListApi(generics.ListAPIView):
    """Your API tokens (every token, for administrators); never the token text."""

    serializer_class = ApiTokenSerializer
    queryset = ApiToken.objects.none()

    def get_queryset(self) -> Any:
        return tokens_visible_to(user=self.request.user)


class TokenRevokeApi(APIView):
    """Revoke the token this request was made with (read-only tokens too)."""

    authentication_classes = [AuditedTokenAuthentication]
    read_only_tokens_allowed = True

    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request) -> Response:
        token: Any = request.auth
        api_token_revoke(token_key=token.token_key, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
