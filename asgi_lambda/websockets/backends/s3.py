"""``s3://bucket/prefix?region=&endpoint_url=``: connection state as S3 objects.

Under ``prefix/``: ``connections/{id}`` holds the connection's data; ``groups/{group}/{id}`` (empty)
is a membership, so ``members`` lists one prefix; ``joined/{id}/{group}`` (empty) is the same
membership seen from the connection, so ``delete`` finds every group with one listing.  Ids and
group names are percent-encoded, so a group called ``a/b`` can never be mistaken for part of group
``a``.

The bucket must exist: this backend creates nothing, so it needs no ``s3:CreateBucket``.  S3 is
strongly consistent for reads after writes and for listings, which ``members`` relies on.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, unquote

from ._aws import aws_client, unavailable_as
from ._base import BackendUnavailableError

DELETE_BATCH = 1000  # DeleteObjects' limit


def _encode(name: str) -> str:
    return quote(name, safe="")


class S3Store:
    def __init__(
        self, bucket: str, *, prefix: str, region: str | None, endpoint_url: str | None
    ) -> None:
        self._bucket = bucket
        self._prefix = prefix
        self._region = region
        self._endpoint_url = endpoint_url
        self._client: Any = None  # botocore S3 client, created on first use

    def save(self, connection_id: str, data: str) -> None:
        with unavailable_as("S3"):
            self._s3().put_object(
                Bucket=self._bucket, Key=self._data_key(connection_id), Body=data.encode()
            )

    def load(self, connection_id: str) -> str | None:
        with unavailable_as("S3"):
            client = self._s3()
            try:
                response = client.get_object(Bucket=self._bucket, Key=self._data_key(connection_id))
            except client.exceptions.NoSuchKey:
                return None
            with response["Body"] as body:
                return bytes(body.read()).decode()

    def delete(self, connection_id: str) -> None:
        keys = [self._data_key(connection_id)]
        joined = f"{self._prefix}joined/{_encode(connection_id)}/"
        for group in self._list(joined):
            keys.append(f"{joined}{group}")
            keys.append(f"{self._prefix}groups/{group}/{_encode(connection_id)}")
        self._delete(keys)

    def join(self, group: str, connection_id: str) -> None:
        with unavailable_as("S3"):
            for key in self._membership_keys(group, connection_id):
                self._s3().put_object(Bucket=self._bucket, Key=key, Body=b"")

    def leave(self, group: str, connection_id: str) -> None:
        self._delete(self._membership_keys(group, connection_id))

    def members(self, group: str) -> list[str]:
        return [unquote(name) for name in self._list(f"{self._prefix}groups/{_encode(group)}/")]

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def _data_key(self, connection_id: str) -> str:
        return f"{self._prefix}connections/{_encode(connection_id)}"

    def _membership_keys(self, group: str, connection_id: str) -> list[str]:
        group_name, connection = _encode(group), _encode(connection_id)
        return [
            f"{self._prefix}groups/{group_name}/{connection}",
            f"{self._prefix}joined/{connection}/{group_name}",
        ]

    def _list(self, prefix: str) -> Iterator[str]:
        """The (still encoded) key names directly under a prefix, following pagination."""
        with unavailable_as("S3"):
            paginator = self._s3().get_paginator("list_objects_v2")
            for page in paginator.paginate(Bucket=self._bucket, Prefix=prefix):
                for item in page.get("Contents", []):
                    yield str(item["Key"])[len(prefix) :]

    def _delete(self, keys: list[str]) -> None:
        with unavailable_as("S3"):
            for first in range(0, len(keys), DELETE_BATCH):
                objects = [{"Key": key} for key in keys[first : first + DELETE_BATCH]]
                response = self._s3().delete_objects(
                    Bucket=self._bucket, Delete={"Objects": objects, "Quiet": True}
                )
                errors = response.get("Errors")
                if errors:
                    raise BackendUnavailableError(f"S3 could not delete {errors[0]}")

    def _s3(self) -> Any:
        if self._client is None:
            self._client = aws_client("s3", self._region, self._endpoint_url)
        return self._client
