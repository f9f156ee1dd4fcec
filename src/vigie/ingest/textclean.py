"""Feed text (HTML fragments, entity-laden titles, mis-decoded bytes) to clean Unicode.

What comes out is plain text that rules can match on and alerts can quote safely:

- markup is gone and the content of ``script``, ``style`` and other non-text elements is
  dropped with it (a rule must never fire on markup, an alert must never carry a script);
- entities are decoded once (``&amp;eacute;`` shown in a title stays ``&eacute;``, as written);
- block elements become line breaks, runs of spaces fold to one, paragraphs to one blank line;
- UTF-8 bytes that were read as Windows-1252 or Latin-1 (``Ã©`` for ``é``, ``â€™`` for ``’``) are
  repaired by ftfy, which leaves real text alone (``python -m bench --only ingest`` measures it beside
  the hand-written repair it replaced);
- the result is NFC, so that "é" written as one or as two code points matches the same rules.
"""

from __future__ import annotations

import functools
import html
import re
import unicodedata
from html.parser import HTMLParser
from typing import Any

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


# ftfy undoes text that was encoded in one charset and decoded in another (UTF-8 read as
# Windows-1252 or Latin-1, once or twice, CJK and Indic scripts included) and leaves real text
# alone; only its encoding fixes are used here. Quotes stay curled, full-width forms stay as written
# (CJK text uses them), entities are not touched (html_to_text decodes them once), and the result is
# NFC-normalized by _finish. ftfy is imported with the first suspect text (most runs never meet one).
@functools.cache
def _ftfy() -> tuple[Any, Any]:
    import ftfy

    return ftfy, ftfy.TextFixerConfig(unescape_html=False, remove_terminal_escapes=False, fix_latin_ligatures=False,
                                      fix_character_width=False, uncurl_quotes=False, fix_line_breaks=False,
                                      remove_control_chars=False, normalization=None, explain=False)


def _char(byte: int, encoding: str) -> str:
    try:
        return bytes([byte]).decode(encoding)
    except UnicodeDecodeError:  # bytes a charset leaves undefined: decoders on the web give C1 controls
        return chr(byte)


# UTF-8 read in a one-byte charset always shows a lead byte (0xC2-0xF4) followed by a continuation
# byte (0x80-0xBF), each as that charset's character; text without such a pair is not mojibake of
# the charsets feeds are served in (Latin-1, Windows-1252, Windows-1251) and skips ftfy's slower
# checks: most text, French and German included, is never handed to it.
_CHARSETS = ("latin-1", "cp1252", "cp1251")
_LEADS = "".join(sorted({_char(b, e) for e in _CHARSETS for b in range(0xC2, 0xF5)}))
_CONTS = "".join(sorted({_char(b, e) for e in _CHARSETS for b in range(0x80, 0xC0)}))
_MAYBE_MOJIBAKE = re.compile(f"[{re.escape(_LEADS)}][{re.escape(_CONTS)}]")


def repair_mojibake(text: str) -> str:
    """Undo UTF-8 that was read as Windows-1252 or Latin-1 (``Ã©`` for ``é``, ``â€™`` for ``’``),
    with ftfy; text that shows no sign of it is returned as it is."""
    if not _MAYBE_MOJIBAKE.search(text):
        return text
    ftfy, config = _ftfy()
    return ftfy.fix_text(text, config)


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
