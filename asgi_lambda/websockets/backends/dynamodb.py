"""``dynamodb://table?region=&endpoint_url=&create=``: connection state in one DynamoDB table.

Single-table design, string keys ``pk`` (partition) and ``sk`` (sort):

- ``pk=conn#{id}, sk=#data``: the connection's data (attribute ``data``);
- ``pk=group#{name}, sk={id}``: a membership, so ``members`` is one Query on the group;
- ``pk=conn#{id}, sk=group#{name}``: the same membership seen from the connection, so ``delete``
  finds every group with one Query on the connection.

The table is created on first use when missing (on-demand billing, with DynamoDB's Time to Live
on ``expires_at``), unless ``create=false``: a fresh deployment works without extra
infrastructure, and a table managed by CloudFormation/Terraform is used as is (enable TTL on
``expires_at`` there).  Every item carries ``expires_at`` (epoch seconds, two hours after its
write): a connection whose ``$disconnect`` never reached the table is deleted by DynamoDB instead
of lingering forever.  Reads are strongly consistent, since a message can arrive right after its
``$connect``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from ._aws import aws_client, unavailable_as, untyped
from ._base import BackendUnavailableError

T = TypeVar("T")

BATCH_SIZE = 25  # BatchWriteItem's limit
DATA_SK = "#data"
UNPROCESSED_ATTEMPTS = 8
TTL_ATTRIBUTE = "expires_at"
TTL_SECONDS = 2 * 60 * 60  # API Gateway closes a connection after two hours at most


def _expires_at() -> dict[str, str]:
    return {"N": str(int(time.time()) + TTL_SECONDS)}


def _write_request(kind: str, pk: str, sk: str) -> dict[str, Any]:
    key = {"pk": {"S": pk}, "sk": {"S": sk}}
    if kind == "PutRequest":
        return {kind: {"Item": {**key, TTL_ATTRIBUTE: _expires_at()}}}
    return {kind: {"Key": key}}


def _batch_write(items: dict[str, Any]) -> Callable[[Any], Any]:
    return lambda db: db.batch_write_item(RequestItems=items)


class DynamoDBStore:
    def __init__(
        self, table: str, *, region: str | None, endpoint_url: str | None, create: bool
    ) -> None:
        self._table = table
        self._region = region
        self._endpoint_url = endpoint_url
        self._create = create
        self._client: Any = None  # botocore DynamoDB client, created on first use

    def save(self, connection_id: str, data: str) -> None:
        item = {
            "pk": {"S": f"conn#{connection_id}"},
            "sk": {"S": DATA_SK},
            "data": {"S": data},
            TTL_ATTRIBUTE: _expires_at(),
        }
        self._call(lambda db: db.put_item(TableName=self._table, Item=item))

    def load(self, connection_id: str) -> str | None:
        key = {"pk": {"S": f"conn#{connection_id}"}, "sk": {"S": DATA_SK}}
        response = self._call(
            lambda db: db.get_item(TableName=self._table, Key=key, ConsistentRead=True)
        )
        item = response.get("Item")
        return None if item is None else str(item["data"]["S"])

    def delete(self, connection_id: str) -> None:
        keys = []
        for sk in self._query(f"conn#{connection_id}"):
            keys.append((f"conn#{connection_id}", sk))
            if sk.startswith("group#"):
                keys.append((sk, connection_id))
        self._write([("DeleteRequest", pk, sk) for pk, sk in keys])

    def join(self, group: str, connection_id: str) -> None:
        self._write(
            [
                ("PutRequest", f"group#{group}", connection_id),
                ("PutRequest", f"conn#{connection_id}", f"group#{group}"),
            ]
        )

    def leave(self, group: str, connection_id: str) -> None:
        self._write(
            [
                ("DeleteRequest", f"group#{group}", connection_id),
                ("DeleteRequest", f"conn#{connection_id}", f"group#{group}"),
            ]
        )

    def members(self, group: str) -> list[str]:
        return list(self._query(f"group#{group}"))

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def _query(self, pk: str) -> Iterator[str]:
        """The sort keys under one partition key, following pagination."""
        start: dict[str, Any] | None = None
        while True:
            extra = {} if start is None else {"ExclusiveStartKey": start}

            def query(db: Any, extra: dict[str, Any] = extra) -> Any:
                return db.query(
                    TableName=self._table,
                    KeyConditionExpression="pk = :pk",
                    ExpressionAttributeValues={":pk": {"S": pk}},
                    ProjectionExpression="sk",
                    ConsistentRead=True,
                    **extra,
                )

            page = self._call(query)
            for item in page.get("Items", []):
                yield str(item["sk"]["S"])
            start = page.get("LastEvaluatedKey")
            if start is None:
                return

    def _write(self, requests: list[tuple[str, str, str]]) -> None:
        """BatchWriteItem in chunks of 25, resubmitting whatever DynamoDB left unprocessed."""
        for first in range(0, len(requests), BATCH_SIZE):
            batch = [_write_request(*request) for request in requests[first : first + BATCH_SIZE]]
            pending: dict[str, Any] = {self._table: batch}
            for attempt in range(UNPROCESSED_ATTEMPTS):
                if attempt:
                    time.sleep(min(0.05 * 2**attempt, 1.0))
                pending = self._call(_batch_write(pending)).get("UnprocessedItems") or {}
                if not pending:
                    break
            else:
                raise BackendUnavailableError(
                    f"DynamoDB table {self._table!r} kept throttling writes"
                )

    def _call(self, operation: Callable[[Any], T]) -> T:
        """Run one API call; create the table and retry if it is missing and creation is allowed."""
        ClientError = untyped("botocore.exceptions").ClientError  # noqa: N806

        with unavailable_as("DynamoDB"):
            client = self._dynamodb()
            try:
                return operation(client)
            except ClientError as exc:
                code = exc.response.get("Error", {}).get("Code")
                if code == "ValidationException":
                    self._explain_foreign_schema(client, exc)
                if code != "ResourceNotFoundException":
                    raise
                if not self._create:
                    raise BackendUnavailableError(
                        f"DynamoDB table {self._table!r} does not exist (create=false)"
                    ) from exc
            self._create_table(client)
            return operation(client)

    def _explain_foreign_schema(self, client: Any, error: Exception) -> None:
        """A table of another layout (Mangum's: hash key ``connectionId``) gets a clear error.

        DynamoDB only says a key "does not match the schema"; the table's key schema says why.
        """
        try:
            table = client.describe_table(TableName=self._table)["Table"]
        except Exception:
            return  # the original error stands
        keys = {key["AttributeName"]: key["KeyType"] for key in table.get("KeySchema", [])}
        if keys == {"pk": "HASH", "sk": "RANGE"}:
            return
        layout = "Mangum's layout" if "connectionId" in keys else "another layout"
        raise BackendUnavailableError(
            f"DynamoDB table {self._table!r} has {layout} (keys {keys}); asgi-lambda needs "
            "string keys pk (HASH) and sk (RANGE): point the dsn at a new table (created on "
            "first use unless create=false, or see docs/websocket-backends.md for its "
            "template). Nothing needs migrating: API Gateway closes connections within 2 hours"
        ) from error

    def _create_table(self, client: Any) -> None:
        ClientError = untyped("botocore.exceptions").ClientError  # noqa: N806

        try:
            client.create_table(
                TableName=self._table,
                KeySchema=[
                    {"AttributeName": "pk", "KeyType": "HASH"},
                    {"AttributeName": "sk", "KeyType": "RANGE"},
                ],
                AttributeDefinitions=[
                    {"AttributeName": "pk", "AttributeType": "S"},
                    {"AttributeName": "sk", "AttributeType": "S"},
                ],
                BillingMode="PAY_PER_REQUEST",
            )
        except ClientError as exc:
            # another execution environment is creating it right now: just wait for it too
            if exc.response.get("Error", {}).get("Code") != "ResourceInUseException":
                raise
        client.get_waiter("table_exists").wait(
            TableName=self._table, WaiterConfig={"Delay": 1, "MaxAttempts": 60}
        )
        try:
            client.update_time_to_live(
                TableName=self._table,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE},
            )
        except ClientError as exc:  # already on (another environment created the table)
            if exc.response.get("Error", {}).get("Code") != "ValidationException":
                raise

    def _dynamodb(self) -> Any:
        if self._client is None:
            self._client = aws_client("dynamodb", self._region, self._endpoint_url)
        return self._client
