"""Find names in text: whole words, any case, accents and possessives tolerated.

Text and names are *folded* the same way before comparing: accents removed
("Zoë" -> "zoe"), case folded ("Strauß" -> "strauss"), and everything that is
not a letter treated as a break between words. So "ZOE", "Zoë's", "zoe’s" and
"Zoe-Marsh" all contain the name "Zoë", but "Zoey" and "Chloe" do not. A name
of several words ("Mary Jane") matches those words in order.

A record is first checked with :meth:`NameIndex.might_contain`, which only asks
"is any first word of any name among the words of this text?" using bytes
operations; the exact matching in :meth:`NameIndex.find` runs only when it says
yes, which keeps scanning thousands of records cheap.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Callable, Iterable
from functools import lru_cache

Hit = tuple[int, int, str]

_TOKEN = re.compile(r"[^\W\d_]+")
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
#: Combining diacritical marks (U+0300 to U+036F) in UTF-8.
_COMBINING = re.compile(rb"\xcc[\x80-\xbf]|\xcd[\x80-\xaf]")
#: bytes -> lower-case ASCII letters, everything else a space.
_LETTERS = bytes(c + 32 if 65 <= c <= 90 else c if 97 <= c <= 122 else 32 for c in range(256))


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    decomposed = unicodedata.normalize("NFKD", ch)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def fold(text: str) -> tuple[str, Callable[[int], int]]:
    """``text`` folded for comparison, and a map from folded to original offsets."""
    if text.isascii():
        return text.lower(), _same
    pieces: list[str] = []
    starts: list[int] = []          # folded offset where each piece starts
    origins: list[tuple[int, bool]] = []  # (original offset, piece keeps its length)
    pos = out = 0

    def add(piece: str, origin: int, same: bool) -> None:
        nonlocal out
        pieces.append(piece)
        starts.append(out)
        origins.append((origin, same))
        out += len(piece)

    for m in _NON_ASCII.finditer(text):
        if m.start() > pos:
            add(text[pos:m.start()].lower(), pos, True)
        for offset, ch in enumerate(m.group(), start=m.start()):
            add(_fold_char(ch), offset, False)
        pos = m.end()
    if pos < len(text):
        add(text[pos:].lower(), pos, True)
    length = len(text)

    def original(k: int) -> int:
        if k >= out:
            return length
        index = bisect_right(starts, k) - 1
        origin, same = origins[index]
        return origin + (k - starts[index]) if same else origin

    return "".join(pieces), original


def _same(k: int) -> int:
    return k


def words(name: str) -> tuple[str, ...]:
    """The folded words of a name: "O'Brien-Smith" -> ("o", "brien", "smith")."""
    return tuple(_TOKEN.findall(fold(name)[0]))


class NameIndex:
    """Names to look for, each with the rule id a match is reported under."""

    def __init__(self) -> None:
        self._first: dict[str, list[tuple[tuple[str, ...], str, int]]] = {}
        self._keys: set[bytes] = set()
        self._ascii = True
        self._casefold = False  # a name holds a letter like ß whose case folding differs
        self._patterns: dict[str, re.Pattern[str]] = {}
        self._seen: set[tuple[str, tuple[str, ...], str, int]] = set()
        self._unsorted: set[str] = set()  # first words whose entries are sorted when used
        self.count = 0

    def add(self, name: str, rule: str, priority: int = 0) -> None:
        """Look for ``name`` (its words in order); lower ``priority`` wins an overlap."""
        found = words(name)
        if not name.isascii() and any(ch.casefold() != ch.lower() for ch in name):
            self._casefold = True
        if not found or sum(len(w) for w in found) < 2:
            return
        first, rest = found[0], found[1:]
        if (first, rest, rule, priority) in self._seen:
            return
        self._seen.add((first, rest, rule, priority))
        # Sorted when first looked up (see _entries), not on every add: thousands of
        # staff names share the first word "mr" once titles are added.
        self._first.setdefault(first, []).append((rest, rule, priority))
        self._unsorted.add(first)
        self.count += 1
        self._key(first)
        if not rest and len(first) >= 3:  # "Jaydens mum": a possessive without its apostrophe
            self._first.setdefault(first + "s", []).append(((), rule, priority))
            self._key(first + "s")

    def _key(self, word: str) -> None:
        if word.isascii():
            self._keys.add(word.encode("ascii"))
        else:
            self._ascii = False

    def _entries(self, first: str) -> list[tuple[tuple[str, ...], str, int]]:
        """The names starting with ``first``: longest first, then by priority."""
        entries = self._first[first]
        if first in self._unsorted:
            entries.sort(key=lambda e: (-len(e[0]), e[2]))
            self._unsorted.discard(first)
        return entries

    def add_all(self, names: Iterable[str], rule: str, priority: int = 0) -> None:
        for name in names:
            self.add(name, rule, priority)

    def might_contain(self, text: str) -> bool:
        """False only when no name can be in ``text``; cheap enough for every record."""
        if not self._first:
            return False
        if text.isascii():
            return not self._keys.isdisjoint(text.encode("ascii").translate(_LETTERS).split())
        if not self._ascii:
            return True
        # Accents dropped (the combining marks NFKD splits off are deleted from the
        # UTF-8 bytes); any other non-ASCII character (’ – £) becomes a break between words.
        if self._casefold:
            text = text.casefold()
        raw = _COMBINING.sub(b"", unicodedata.normalize("NFKD", text).encode("utf-8"))
        return not self._keys.isdisjoint(raw.translate(_LETTERS).split())

    def find(self, text: str) -> list[Hit]:
        """Every name in ``text`` as (start, end, rule); overlaps keep the longest."""
        if not self._first:
            return []
        folded, original = fold(text)
        if folded.isascii():
            present = {k.decode("ascii") for k in self._keys.intersection(
                folded.encode("ascii").translate(_LETTERS).split())}
        else:
            present = set(_TOKEN.findall(folded)) & self._first.keys()
        found: list[tuple[int, int, int, str]] = []
        for key in present:
            entries = self._entries(key)
            for m in self._pattern(key).finditer(folded):
                following = None
                for rest, rule, priority in entries:
                    end = m.end()
                    if rest:
                        if following is None:
                            following = _following(folded, end, max(
                                len(r) for r, _rule, _p in entries))
                        if [w for w, _e in following[:len(rest)]] != list(rest):
                            continue
                        end = following[len(rest) - 1][1]
                    found.append((m.start(), end, priority, rule))
                    break
        found.sort(key=lambda h: (h[0], h[0] - h[1], h[2]))
        hits: list[Hit] = []
        last_end = -1
        for start, end, _priority, rule in found:
            if start >= last_end:
                hits.append((original(start), original(end - 1) + 1, rule))
                last_end = end
        return hits

    def _pattern(self, key: str) -> re.Pattern[str]:
        pattern = self._patterns.get(key)
        if pattern is None:
            pattern = self._patterns[key] = re.compile(
                rf"(?<![^\W\d_]){re.escape(key)}(?![^\W\d_])")
        return pattern


def _following(folded: str, at: int, count: int) -> list[tuple[str, int]]:
    """The ``count`` words after offset ``at``: (word, end offset)."""
    out: list[tuple[str, int]] = []
    for m in _TOKEN.finditer(folded, at):
        out.append((m.group(), m.end()))
        if len(out) == count:
            break
    return out
