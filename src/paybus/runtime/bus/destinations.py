"""Connections (how to authorize against an HTTP endpoint) and API destinations (an endpoint,
a method and an invocation rate limit), managed with EventBridge's validation.

Secrets stay in the store: they are used when invoking, never answered back.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from paybus.core.errors import ValidationError
from paybus.core.events.arns import api_destination_arn, check_name, connection_arn, named_in_arn
from paybus.runtime.bus.service import BusService
from paybus.store.bus import destinations
from paybus.store.bus.records import ApiDestinationRecord, ConnectionRecord

AUTHORIZATION_TYPES = ("BASIC", "OAUTH_CLIENT_CREDENTIALS", "API_KEY")
HTTP_METHODS = ("POST", "GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE")
_AUTH_KEYS = {
    "BASIC": ("BasicAuthParameters", ("Username", "Password")),
    "API_KEY": ("ApiKeyAuthParameters", ("ApiKeyName", "ApiKeyValue")),
    "OAUTH_CLIENT_CREDENTIALS": ("OAuthParameters", ("AuthorizationEndpoint", "HttpMethod")),
}


def _suffix(name: str) -> str:
    """The id part of the ARN AWS gives (a UUID there); here derived from the name, so the ARN
    can be rebuilt wherever only the name is known."""
    digest = hashlib.sha256(name.encode()).hexdigest()
    return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"


def check_auth(authorization_type: str, parameters: Mapping[str, Any]) -> None:
    if authorization_type not in AUTHORIZATION_TYPES:
        raise ValidationError(
            f"1 validation error detected: Value '{authorization_type}' at 'authorizationType' "
            f"failed to satisfy constraint: Member must satisfy enum value set: "
            f"[{', '.join(AUTHORIZATION_TYPES)}]"
        )
    key, required = _AUTH_KEYS[authorization_type]
    given = parameters.get(key)
    if not isinstance(given, Mapping):
        raise ValidationError(f"{key} is required when AuthorizationType is {authorization_type}.")
    for field in required:
        if not isinstance(given.get(field), str) or not given[field]:
            raise ValidationError(f"{key}.{field} is required.")
    if authorization_type == "OAUTH_CLIENT_CREDENTIALS":
        client = given.get("ClientParameters") or {}
        if not client.get("ClientID") or not client.get("ClientSecret"):
            raise ValidationError(
                "OAuthParameters.ClientParameters needs ClientID and ClientSecret."
            )


def public_auth(authorization_type: str, parameters: Mapping[str, Any]) -> dict[str, Any]:
    """AuthParameters as DescribeConnection shows them: no passwords, keys or client secrets."""
    shown: dict[str, Any] = {}
    basic = parameters.get("BasicAuthParameters")
    if basic:
        shown["BasicAuthParameters"] = {"Username": basic.get("Username")}
    api_key = parameters.get("ApiKeyAuthParameters")
    if api_key:
        shown["ApiKeyAuthParameters"] = {"ApiKeyName": api_key.get("ApiKeyName")}
    oauth = parameters.get("OAuthParameters")
    if oauth:
        shown["OAuthParameters"] = {
            "ClientParameters": {"ClientID": (oauth.get("ClientParameters") or {}).get("ClientID")},
            "AuthorizationEndpoint": oauth.get("AuthorizationEndpoint"),
            "HttpMethod": oauth.get("HttpMethod"),
        }
    invocation = parameters.get("InvocationHttpParameters")
    if invocation:
        shown["InvocationHttpParameters"] = {
            kind: [
                {**p, "Value": "********"} if p.get("IsValueSecret") else p
                for p in invocation.get(kind, [])
            ]
            for kind in ("HeaderParameters", "QueryStringParameters", "BodyParameters")
            if invocation.get(kind)
        }
    return shown


def _check_destination(endpoint: str, method: str, rate: int | None) -> None:
    if not endpoint.startswith("https://") and not endpoint.startswith("http://"):
        raise ValidationError(
            f"Parameter InvocationEndpoint is not valid: {endpoint!r} must be an http(s) URL."
        )
    if method not in HTTP_METHODS:
        raise ValidationError(
            f"1 validation error detected: Value '{method}' at 'httpMethod' failed to satisfy "
            f"constraint: Member must satisfy enum value set: [{', '.join(HTTP_METHODS)}]"
        )
    if rate is not None and not 1 <= rate <= 300:
        raise ValidationError(
            f"1 validation error detected: Value '{rate}' at 'invocationRateLimitPerSecond' "
            "failed to satisfy constraint: Member must have value between 1 and 300"
        )


class Destinations:
    def __init__(self, bus: BusService) -> None:
        self.bus = bus
        self.store = bus.store

    def connection_arn(self, record: ConnectionRecord) -> str:
        return self.connection_arn_of(record.name)

    def connection_arn_of(self, name: str) -> str:
        """A connection's ARN by name alone (its id part is a digest of the name only here)."""
        return connection_arn(self.bus.region, self.bus.account, name, _suffix(name))

    def destination_arn(self, record: ApiDestinationRecord) -> str:
        suffix = _suffix(record.name)
        return api_destination_arn(self.bus.region, self.bus.account, record.name, suffix)

    # -- connections ----------------------------------------------------------------------------

    async def create_connection(
        self,
        name: str,
        authorization_type: str,
        auth_parameters: Mapping[str, Any],
        description: str | None = None,
    ) -> ConnectionRecord:
        check_name("name", name, 64)
        check_auth(authorization_type, auth_parameters)
        now = self.store.now_ms()
        record = ConnectionRecord(
            name, authorization_type, dict(auth_parameters), description, "AUTHORIZED", now, now
        )
        return await self.store.write(lambda: destinations.create_connection(record))

    async def describe_connection(self, name: str) -> ConnectionRecord:
        return await self.store.read(
            lambda: destinations.get_connection(named_in_arn(name, "connection"))
        )

    async def list_connections(self, prefix: str = "") -> list[ConnectionRecord]:
        return await self.store.read(lambda: destinations.list_connections(prefix))

    async def update_connection(
        self,
        name: str,
        authorization_type: str | None = None,
        auth_parameters: Mapping[str, Any] | None = None,
        description: str | None = None,
    ) -> ConnectionRecord:
        current = await self.describe_connection(name)
        kind = authorization_type or current.authorization_type
        merged = {**current.auth_parameters, **(auth_parameters or {})}
        check_auth(kind, merged)
        updated = replace(
            current,
            authorization_type=kind,
            auth_parameters=merged,
            description=current.description if description is None else description,
            state="AUTHORIZED",
            updated_at_ms=self.store.now_ms(),
        )
        return await self.store.write(lambda: destinations.update_connection(updated))

    async def deauthorize_connection(self, name: str) -> ConnectionRecord:
        current = await self.describe_connection(name)
        changed = replace(current, state="DEAUTHORIZED", updated_at_ms=self.store.now_ms())
        return await self.store.write(lambda: destinations.update_connection(changed))

    async def delete_connection(self, name: str) -> ConnectionRecord:
        bare = named_in_arn(name, "connection")
        return await self.store.write(lambda: destinations.delete_connection(bare))

    # -- API destinations -----------------------------------------------------------------------

    async def create_destination(
        self,
        name: str,
        connection: str,
        endpoint: str,
        http_method: str,
        rate_limit_per_second: int | None = None,
        description: str | None = None,
    ) -> ApiDestinationRecord:
        check_name("name", name, 64)
        _check_destination(endpoint, http_method, rate_limit_per_second)
        now = self.store.now_ms()
        record = ApiDestinationRecord(
            name,
            named_in_arn(connection, "connection"),
            endpoint,
            http_method,
            rate_limit_per_second,
            description,
            "ACTIVE",
            now,
            now,
        )
        return await self.store.write(lambda: destinations.create_destination(record))

    async def describe_destination(self, name: str) -> ApiDestinationRecord:
        bare = named_in_arn(name, "api-destination")
        return await self.store.read(lambda: destinations.get_destination(bare))

    async def list_destinations(
        self, prefix: str = "", connection: str | None = None
    ) -> list[ApiDestinationRecord]:
        owner = None if connection is None else named_in_arn(connection, "connection")
        return await self.store.read(lambda: destinations.list_destinations(prefix, owner))

    async def update_destination(
        self,
        name: str,
        *,
        connection: str | None = None,
        endpoint: str | None = None,
        http_method: str | None = None,
        rate_limit_per_second: int | None = None,
        description: str | None = None,
    ) -> ApiDestinationRecord:
        current = await self.describe_destination(name)
        updated = replace(
            current,
            connection_name=named_in_arn(connection, "connection")
            if connection
            else current.connection_name,
            endpoint=endpoint or current.endpoint,
            http_method=http_method or current.http_method,
            rate_limit_per_second=rate_limit_per_second or current.rate_limit_per_second,
            description=current.description if description is None else description,
            updated_at_ms=self.store.now_ms(),
        )
        _check_destination(updated.endpoint, updated.http_method, updated.rate_limit_per_second)
        return await self.store.write(lambda: destinations.update_destination(updated))

    async def delete_destination(self, name: str) -> None:
        bare = named_in_arn(name, "api-destination")
        await self.store.write(lambda: destinations.delete_destination(bare))
