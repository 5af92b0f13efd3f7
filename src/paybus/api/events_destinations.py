"""EventBridge connections and API destinations over AWS JSON 1.1."""

from __future__ import annotations

from typing import Any

from paybus.api.aws import AwsContext, Operation
from paybus.api.aws.params import optional_int, optional_string, required_string
from paybus.api.events_shapes import page, present, seconds
from paybus.core.errors import ValidationError
from paybus.runtime.bus.destinations import Destinations, public_auth
from paybus.store.bus.records import ApiDestinationRecord, ConnectionRecord

Params = dict[str, Any]
Result = dict[str, Any]


def _auth(params: Params) -> dict[str, Any] | None:
    value = params.get("AuthParameters")
    if value is not None and not isinstance(value, dict):
        raise ValidationError("AuthParameters must be an object.")
    return value


class DestinationOperations:
    def __init__(self, destinations: Destinations) -> None:
        self.destinations = destinations

    def table(self) -> dict[str, Operation]:
        return {
            "CreateConnection": self.create_connection,
            "DescribeConnection": self.describe_connection,
            "ListConnections": self.list_connections,
            "UpdateConnection": self.update_connection,
            "DeauthorizeConnection": self.deauthorize_connection,
            "DeleteConnection": self.delete_connection,
            "CreateApiDestination": self.create_api_destination,
            "DescribeApiDestination": self.describe_api_destination,
            "ListApiDestinations": self.list_api_destinations,
            "UpdateApiDestination": self.update_api_destination,
            "DeleteApiDestination": self.delete_api_destination,
        }

    def _state(self, record: ConnectionRecord) -> Result:
        return {
            "ConnectionArn": self.destinations.connection_arn(record),
            "ConnectionState": record.state,
            "CreationTime": seconds(record.created_at_ms),
            "LastModifiedTime": seconds(record.updated_at_ms),
        }

    def _connection(self, record: ConnectionRecord) -> Result:
        return present(
            **self._state(record),
            Name=record.name,
            Description=record.description,
            AuthorizationType=record.authorization_type,
            AuthParameters=public_auth(record.authorization_type, record.auth_parameters),
            LastAuthorizedTime=seconds(record.updated_at_ms),
        )

    def _destination(self, record: ApiDestinationRecord) -> Result:
        connection_arn = self.destinations.connection_arn_of(record.connection_name)
        return present(
            ApiDestinationArn=self.destinations.destination_arn(record),
            Name=record.name,
            Description=record.description,
            ApiDestinationState=record.state,
            ConnectionArn=connection_arn,
            InvocationEndpoint=record.endpoint,
            HttpMethod=record.http_method,
            InvocationRateLimitPerSecond=record.rate_limit_per_second,
            CreationTime=seconds(record.created_at_ms),
            LastModifiedTime=seconds(record.updated_at_ms),
        )

    # -- connections ----------------------------------------------------------------------------

    async def create_connection(self, params: Params, context: AwsContext) -> Result:
        record = await self.destinations.create_connection(
            required_string(params, "Name"),
            required_string(params, "AuthorizationType"),
            _auth(params) or {},
            optional_string(params, "Description"),
        )
        return self._state(record)

    async def describe_connection(self, params: Params, context: AwsContext) -> Result:
        return self._connection(
            await self.destinations.describe_connection(required_string(params, "Name"))
        )

    async def list_connections(self, params: Params, context: AwsContext) -> Result:
        found = await self.destinations.list_connections(
            optional_string(params, "NamePrefix") or ""
        )
        state = optional_string(params, "ConnectionState")
        chunk, more = page([c for c in found if state in (None, c.state)], params)
        shaped = []
        for record in chunk:
            shown = self._connection(record)
            shown.pop("AuthParameters", None)
            shown.pop("Description", None)
            shaped.append(shown)
        return {"Connections": shaped, **more}

    async def update_connection(self, params: Params, context: AwsContext) -> Result:
        record = await self.destinations.update_connection(
            required_string(params, "Name"),
            optional_string(params, "AuthorizationType"),
            _auth(params),
            optional_string(params, "Description"),
        )
        return self._state(record)

    async def deauthorize_connection(self, params: Params, context: AwsContext) -> Result:
        record = await self.destinations.deauthorize_connection(required_string(params, "Name"))
        return self._state(record)

    async def delete_connection(self, params: Params, context: AwsContext) -> Result:
        record = await self.destinations.delete_connection(required_string(params, "Name"))
        return {**self._state(record), "ConnectionState": "DELETING"}

    # -- API destinations -----------------------------------------------------------------------

    async def create_api_destination(self, params: Params, context: AwsContext) -> Result:
        record = await self.destinations.create_destination(
            required_string(params, "Name"),
            required_string(params, "ConnectionArn"),
            required_string(params, "InvocationEndpoint"),
            required_string(params, "HttpMethod"),
            optional_int(params, "InvocationRateLimitPerSecond"),
            optional_string(params, "Description"),
        )
        return {
            "ApiDestinationArn": self.destinations.destination_arn(record),
            "ApiDestinationState": record.state,
            "CreationTime": seconds(record.created_at_ms),
            "LastModifiedTime": seconds(record.updated_at_ms),
        }

    async def describe_api_destination(self, params: Params, context: AwsContext) -> Result:
        return self._destination(
            await self.destinations.describe_destination(required_string(params, "Name"))
        )

    async def list_api_destinations(self, params: Params, context: AwsContext) -> Result:
        found = await self.destinations.list_destinations(
            optional_string(params, "NamePrefix") or "",
            optional_string(params, "ConnectionArn"),
        )
        chunk, more = page(found, params)
        return {"ApiDestinations": [self._destination(d) for d in chunk], **more}

    async def update_api_destination(self, params: Params, context: AwsContext) -> Result:
        record = await self.destinations.update_destination(
            required_string(params, "Name"),
            connection=optional_string(params, "ConnectionArn"),
            endpoint=optional_string(params, "InvocationEndpoint"),
            http_method=optional_string(params, "HttpMethod"),
            rate_limit_per_second=optional_int(params, "InvocationRateLimitPerSecond"),
            description=optional_string(params, "Description"),
        )
        return {
            "ApiDestinationArn": self.destinations.destination_arn(record),
            "ApiDestinationState": record.state,
            "CreationTime": seconds(record.created_at_ms),
            "LastModifiedTime": seconds(record.updated_at_ms),
        }

    async def delete_api_destination(self, params: Params, context: AwsContext) -> None:
        await self.destinations.delete_destination(required_string(params, "Name"))
