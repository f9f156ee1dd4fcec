"""Baseline for ``bench_ingest_libs``: the hand-written mojibake repair vigie used before ftfy.

Kept verbatim from ``vigie.ingest.textclean`` (as of the commit that replaced it) so the benchmark
measures today's ftfy-based repair beside what it replaced, in the same run.
"""

from __future__ import annotations

import re

def _cp1252_char_of_byte(b: int) -> str:
    try:
        return bytes([b]).decode("cp1252")
    except UnicodeDecodeError:  # 0x81, 0x8d, 0x8f, 0x90, 0x9d: latin-1 shows them as C1 controls
        return chr(b)


_CONT = "".join(re.escape(_cp1252_char_of_byte(b)) for b in range(0x80, 0xC0))
_MOJIBAKE = re.compile(
    f"[\u00c2-\u00df][{_CONT}]|[\u00e0-\u00ef][{_CONT}]{{2}}|[\u00f0-\u00f4][{_CONT}]{{3}}"
)
_TO_BYTE = {_cp1252_char_of_byte(b): b for b in range(0x80, 0x100)}
_CP1252_ONLY = frozenset(_cp1252_char_of_byte(b) for b in range(0x80, 0xA0))


def _unambiguous(seq: str) -> bool:
    """A sequence that real text does not contain: proof that the text was mis-decoded.

    "Ã©", "Â°" (Latin-1 supplement), "Å“", "Ñ‚" (œ, Cyrillic, with a cp1252-only second
    character), "â€™", "â‚¬" (punctuation, currency), "ï»¿" (a byte-order mark), "ðŸ" (emoji).
    Not "é\u00a0»" nor "é”\u00a0" of French text, which also re-encode to valid UTF-8.
    """
    lead, second = seq[0], seq[1]
    if len(seq) == 2:
        return lead in "\u00c2\u00c3" or (lead in "\u00c5\u00d0\u00d1" and second in _CP1252_ONLY)
    if len(seq) == 3:
        return (lead == "\u00e2" and second in _CP1252_ONLY) or (lead == "\u00ef" and second == "\u00bb")
    return lead == "\u00f0" and second == "\u0178"


def _repairable(seq: str) -> bool:
    # In a text known to be mis-decoded, two-byte sequences (Latin, Greek, Cyrillic ...) and the
    # punctuation, BOM and emoji ranges are repaired; other three-byte leads are common letters
    # (é, à, ê ...) more often than CJK, so they are left as written.
    return len(seq) == 2 or seq[0] in "\u00e2\u00ef\u00f0"


def repair_mojibake(text: str) -> str:
    """Undo UTF-8-read-as-cp1252 in a text that shows at least one unambiguous sign of it;
    a sequence that does not decode as UTF-8 stays as it is."""
    found = _MOJIBAKE.findall(text)
    if not found or not any(_unambiguous(seq) for seq in found):
        return text

    def fix(m: re.Match[str]) -> str:
        seq = m.group(0)
        if not _repairable(seq):
            return seq
        try:
            return bytes(_TO_BYTE[c] for c in seq).decode("utf-8")
        except UnicodeDecodeError:
            return seq

    return _MOJIBAKE.sub(fix, text)

