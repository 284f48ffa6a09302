"""Pinyin search keys for names: 张三 -> ("zs", "zhangsan"). Latin names fold to lower case."""

from __future__ import annotations

from functools import lru_cache

from pypinyin import Style, lazy_pinyin


@lru_cache(maxsize=65536)
def _syllable(char: str) -> str:
    syllables = lazy_pinyin(char, style=Style.NORMAL, errors="default")
    return syllables[0].lower() if syllables else char.lower()


_MEMO_LIMIT = 500_000
_memo: dict[str, tuple[str, str]] = {}


def name_keys(name: str) -> tuple[str, str]:
    """(initials, full pinyin) for `name`, spaces and punctuation dropped.

    Memoised per whole name: names repeat a lot (a million customers have far fewer distinct
    names), and the keys depend on the name alone, so a hit gives the identical result.
    """
    keys = _memo.get(name)
    if keys is None:
        if len(_memo) >= _MEMO_LIMIT:
            _memo.clear()
        keys = _memo[name] = _name_keys(name)
    return keys


def _name_keys(name: str) -> tuple[str, str]:
    """(initials, full pinyin) for `name`, spaces and punctuation dropped.

    Per-character lookup (cached) keeps bulk sync fast; a Latin word counts as one syllable
    ("Li Lei" -> ("ll", "lilei"), "Anna 王" -> ("aw", "annawang")).
    """
    initials: list[str] = []
    full: list[str] = []
    word = ""
    for char in name:
        if char.isascii():
            if char.isalnum():
                word += char.lower()
                continue
            if word:
                initials.append(word[0])
                full.append(word)
                word = ""
            continue
        if word:
            initials.append(word[0])
            full.append(word)
            word = ""
        syllable = _syllable(char)
        if syllable and syllable.isascii() and syllable.isalpha():
            initials.append(syllable[0])
            full.append(syllable)
    if word:
        initials.append(word[0])
        full.append(word)
    return "".join(initials), "".join(full)


def search_key(text: str) -> str:
    """Fold user input for pinyin matching: lower case, letters only ("Zhang San" -> "zhangsan")."""
    return "".join(ch for ch in text.lower() if ch.isascii() and ch.isalpha())
