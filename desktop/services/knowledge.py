"""KnowledgeService: FAQ articles from the central API, cached in memory for the session.

A search that cannot reach the server answers from the articles seen so far (title/body/tag
substring match) and says so (`offline=True`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from desktop.services.api import ApiError

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Article:
    id: str
    title: str
    body: str
    category: str = ""
    tags: tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Article:
        return cls(
            str(data["id"]),
            str(data.get("title", "")),
            str(data.get("body", "")),
            str(data.get("category", "")),
            tuple(str(t) for t in data.get("tags") or ()),
        )


@dataclass(slots=True)
class SearchResult:
    articles: list[Article] = field(default_factory=list)
    offline: bool = False
    error: str = ""


class KnowledgeService:
    def __init__(self, api) -> None:
        self.api = api
        self.cache: dict[str, Article] = {}

    async def search(self, text: str, limit: int = 20) -> SearchResult:
        try:
            body = await self.api._request(
                "GET", "/api/v1/kb/search", params={"q": text.strip(), "limit": limit}
            )
            articles = [
                Article.from_dict(a) for a in body.get("articles", []) if isinstance(a, dict) and "id" in a
            ]
        except (ApiError, KeyError, TypeError, ValueError, RuntimeError) as exc:
            log.warning("knowledge search %r answered from the cache: %s", text, exc)
            return SearchResult(self.search_cached(text, limit), True, str(exc))
        for article in articles:
            self.cache[article.id] = article
        return SearchResult(articles)

    def search_cached(self, text: str, limit: int = 20) -> list[Article]:
        words = [w.lower() for w in text.split()]
        hits = [
            a
            for a in self.cache.values()
            if all(w in f"{a.title}\n{a.body}\n{' '.join(a.tags)}".lower() for w in words)
        ]
        return sorted(hits, key=lambda a: a.id)[:limit]
