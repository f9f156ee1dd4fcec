"""Feed text (HTML fragments, entity-laden titles, mis-decoded bytes) to clean Unicode.

What comes out is plain text that rules can match on and alerts can quote safely:

- markup is gone and the content of ``script``, ``style`` and other non-text elements is
  dropped with it (a rule must never fire on markup, an alert must never carry a script);
- entities are decoded once (``&amp;eacute;`` shown in a title stays ``&eacute;``, as written);
- block elements become line breaks, runs of spaces fold to one, paragraphs to one blank line;
- UTF-8 bytes that were read as Windows-1252 (``Ã©`` for ``é``, ``â€™`` for ``’``) are repaired,
  but only a sequence that is valid UTF-8 once re-encoded: real text rarely contains them;
- the result is NFC, so that "é" written as one or as two code points matches the same rules.
"""

from __future__ import annotations

import html
import re
import unicodedata
from html.parser import HTMLParser

from vigie.common.text import sentence_ends

# Elements whose content is never text a reader sees.
_SKIP = frozenset({"script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "math",
                   "head", "title", "select", "button", "canvas", "audio", "video", "map", "textarea"})
_BLOCK = frozenset({"p", "div", "section", "article", "header", "footer", "aside", "nav", "main", "blockquote",
                    "pre", "ul", "ol", "dl", "table", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "figure",
                    "figcaption", "form", "fieldset", "address", "hr", "html", "body"})
_LINE = frozenset({"br", "li", "dt", "dd", "td", "th", "caption"})
_VOID = frozenset({"br", "hr", "img", "input", "meta", "link", "area", "base", "col", "wbr", "source", "track", "param"})

# Invisible characters that split words for a matcher but mean nothing to a reader.
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"), None)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SPACES = re.compile(r"[^\S\n]+")
_BLANKS = re.compile(r"\n{3,}")
_LOOKS_HTML = re.compile(r"<\s*/?\s*[a-zA-Z!][^>]*>|&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z][a-zA-Z0-9]{1,31});")


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


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip_depth = 0
        self.skip_stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP and tag not in _VOID:
            self.skip_stack.append(tag)
            return
        if self.skip_stack:
            return
        if tag in _BLOCK:
            self.parts.append("\n\n")
        elif tag in _LINE:
            self.parts.append("\n")
        elif tag == "img":
            alt = dict(attrs).get("alt")
            if alt:  # an image's alt text is what a reader without images gets
                self.parts.append(f" {alt} ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            return  # <script/>: nothing inside, nothing to skip
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if self.skip_stack:
            if tag in self.skip_stack:
                while self.skip_stack and self.skip_stack.pop() != tag:
                    pass
            return
        if tag in _BLOCK:
            self.parts.append("\n\n")
        elif tag in _LINE and tag != "br":
            self.parts.append(" ")  # the next item starts its own line; this one just ends

    def handle_data(self, data: str) -> None:
        if not self.skip_stack:
            self.parts.append(data)


def fold_whitespace(text: str, *, single_line: bool = False) -> str:
    """Spaces folded to one, lines stripped, at most one blank line; one line when ``single_line``."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if single_line:
        return re.sub(r"\s+", " ", text).strip()
    text = _SPACES.sub(" ", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    return _BLANKS.sub("\n\n", text).strip()


def _finish(text: str, single_line: bool) -> str:
    text = repair_mojibake(text)
    text = text.translate(_INVISIBLE)
    text = _CONTROL.sub(" ", text)
    text = unicodedata.normalize("NFC", text)
    return fold_whitespace(text, single_line=single_line)


def html_to_text(fragment: str, *, single_line: bool = False) -> str:
    """Readable plain text of an HTML fragment or document."""
    if not fragment:
        return ""
    parser = _TextExtractor()
    try:
        parser.feed(fragment)
        parser.close()
    except Exception:  # noqa: BLE001 - html.parser is lenient; if it ever gives up, drop anything tag-like
        return _finish(html.unescape(re.sub(r"<[^>]*>", " ", fragment)), single_line)
    return _finish("".join(parser.parts), single_line)


def plain_to_text(text: str, *, single_line: bool = False) -> str:
    """Clean plain text: no markup parsing, only repair and folding."""
    return _finish(text or "", single_line)


def clean(text: str, content_type: str = "text/html", *, single_line: bool = False) -> str:
    """Clean text of the given type. Plain text that still looks like HTML is treated as HTML
    (feeds often declare ``text`` and send markup): carrying markup into text is the worse error."""
    if content_type == "text/html" or "html" in content_type or _LOOKS_HTML.search(text or ""):
        return html_to_text(text, single_line=single_line)
    return plain_to_text(text, single_line=single_line)


def first_sentence(text: str, limit: int = 120) -> str:
    """The first sentence of ``text``, cut at a word boundary to about ``limit`` characters."""
    text = fold_whitespace(text, single_line=True)
    ends = sentence_ends(text)
    sentence = text[: ends[0]] if ends else text
    if len(sentence) <= limit:
        return sentence
    cut = sentence[: limit + 1]
    space = cut.rfind(" ")
    cut = cut[:space] if space > limit // 2 else sentence[:limit]
    return cut.rstrip(" ,;:–—-") + "…"


# -- main text of an article page (for sources with ``full_text: true``) -------------------------------------------

# Containers that are never the article, by tag or by a class/id word.
_BOILERPLATE_TAGS = frozenset({"nav", "header", "footer", "aside", "form", "menu", "dialog"})
_BOILERPLATE_WORDS = re.compile(
    r"(?:^|[\s_-])(?:comment|comments|share|sharing|social|related|promo|advert|ads?|sponsor|footer|header|nav|navbar|"
    r"menu|sidebar|cookie|cookies|newsletter|subscribe|banner|breadcrumbs?|popup|modal|outbrain|taboola)(?:$|[\s_-])",
    re.IGNORECASE)
_PARA_TAGS = frozenset({"p", "h2", "h3", "blockquote", "li", "pre"})
MIN_PARAGRAPH = 40  # characters; shorter lines are captions, bylines, buttons


class _MainTextExtractor(HTMLParser):
    """Collects paragraphs with the path of the element that holds them.

    The article is taken to be the container whose paragraphs hold the most text (a small
    readability: long paragraphs cluster in the article body, boilerplate is short lines).
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []  # (tag, is boilerplate)
        self.skip = 0  # depth inside _SKIP or boilerplate elements
        self.para: list[str] | None = None
        self.para_parent = ""
        self.para_tag = ""
        self.paragraphs: list[tuple[str, str, str]] = []  # (parent path, tag, text)
        self.in_article = 0

    def _path(self) -> str:
        return "/".join(tag for tag, _ in self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            if tag == "br" and self.para is not None:
                self.para.append("\n")
            return
        a = dict(attrs)
        marker = f"{a.get('class') or ''} {a.get('id') or ''} {a.get('role') or ''}"
        bad = tag in _SKIP or tag in _BOILERPLATE_TAGS or bool(_BOILERPLATE_WORDS.search(marker))
        if tag == "article" or a.get("itemprop") == "articleBody":
            bad = False
        self.stack.append((tag + (f"#{a.get('id')}" if a.get("id") else f".{(a.get('class') or '').split(' ')[0]}" if a.get("class") else ""), bad))
        if bad:
            self.skip += 1
        if tag in _PARA_TAGS and not self.skip and self.para is None:
            self.para, self.para_tag = [], tag
            self.para_parent = "/".join(t for t, _ in self.stack[:-1])

    def handle_endtag(self, tag: str) -> None:
        # Pop to the matching element; HTML in the wild leaves elements unclosed.
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0].split("#")[0].split(".")[0] == tag:
                for _, bad in self.stack[i:]:
                    if bad:
                        self.skip -= 1
                del self.stack[i:]
                break
        if self.para is not None and tag == self.para_tag:
            text = fold_whitespace("".join(self.para), single_line=True)
            if text:
                self.paragraphs.append((self.para_parent, self.para_tag, text))
            self.para = None

    def handle_data(self, data: str) -> None:
        if self.para is not None and not self.skip:
            self.para.append(data)


def extract_main_text(page: str) -> str:
    """The main text of an article page: the paragraphs of the container that holds the most
    prose, headings and quotes included, navigation, comments and scripts left out; "" when the
    page has no paragraph of prose."""
    parser = _MainTextExtractor()
    try:
        parser.feed(page)
        parser.close()
    except Exception:  # noqa: BLE001 - a page we cannot read adds nothing
        return ""
    scores: dict[str, int] = {}
    for parent, tag, text in parser.paragraphs:
        if tag == "p" and len(text) >= MIN_PARAGRAPH:
            scores[parent] = scores.get(parent, 0) + len(text) + 50 * text.count(", ")
    if not scores:
        return ""
    best = max(scores, key=lambda k: scores[k])
    kept = [text for parent, tag, text in parser.paragraphs
            if parent == best and (tag != "p" or len(text) >= 2) and (tag != "li" or len(text) >= MIN_PARAGRAPH)]
    return _finish("\n\n".join(kept), single_line=False)
