"""Response shapes for the OpenAPI document (documentation and contract tests only).

Records are the dataclasses of `calldesk_domain.models` themselves, so the published schema
cannot drift from the client's records. Endpoints build their JSON directly (no per-request
pydantic validation on the hot path).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from calldesk_domain.models import Customer, MarketingTouch, Order, PointsEntry, ServiceRecord


class ErrorBody(BaseModel):
    code: str
    message: str
    field: str | None


class ErrorResponse(BaseModel):
    error: ErrorBody


class HealthResponse(BaseModel):
    status: Literal["ok"]
    db: Literal["sqlite", "postgresql"]
    version: str


class TokenResponse(BaseModel):
    access_token: str
    token_type: Literal["bearer"]
    expires_in: int
    refresh_token: str
    refresh_expires_in: int
    role: Literal["agent", "supervisor", "admin"]
    agent_id: str
    display_name: str


class PublicKeyResponse(BaseModel):
    alg: Literal["EdDSA"]
    crv: Literal["Ed25519"]
    kid: str
    public_key_pem: str


class WhoamiResponse(BaseModel):
    username: str
    agent_id: str
    role: Literal["agent", "supervisor", "admin"]
    display_name: str
    pbx_interface: str | None
    queues: list[str]
    team: str | None
    expires_at: str


class LookupResponse(BaseModel):
    phone: str
    matches: list[Customer]


class CustomerDetailResponse(BaseModel):
    customer: Customer
    orders: list[Order]
    points: list[PointsEntry]
    service: list[ServiceRecord]
    marketing: list[MarketingTouch]


class CustomerSummaryResponse(BaseModel):
    customer: Customer
    last_order: Order | None
    open_service: int


class SearchResponse(BaseModel):
    results: list[Customer]


class Change(BaseModel):
    seq: int
    entity: str  # customer, order, points, service, marketing, or a generic entity (ticket, note...)
    id: str
    op: Literal["upsert", "delete"]
    version: int
    data: dict | None


class ChangesResponse(BaseModel):
    changes: list[Change]
    next_since: int
    has_more: bool
    remaining: int
    server_time: str


class BootstrapHeadResponse(BaseModel):
    seq: int  # the feed's newest seq now: H0 of a bootstrap
    counts: dict[str, int]  # changes per requested entity with seq <= seq
    server_time: str


class BootstrapChangesResponse(BaseModel):
    changes: list[Change]
    next_since: int
    has_more: bool
    server_time: str


class BootstrapWindowResponse(BaseModel):
    changes: list[Change]  # seq 0: read from the record tables, not the feed
    next_after: str
    has_more: bool
    server_time: str


class BootstrapCountsResponse(BaseModel):
    counts: dict[str, int]
    server_time: str
