"""Citations of the five source documents: defined in docs/sources.md, findable, quotations verbatim.

On the repository alone: every citation in the docs, the parameter registry and code comments and
docstrings names a key and a place that docs/sources.md defines; no citation uses line numbers of a text
file or a path outside the repository; every quotation in the ODD and the calibration notes carries a
citation; quotations of the model brief are in the brief's quoted parts in docs/sources.md.

Where ``PARTNERSHIPS_SOURCES`` names a folder of plain-text copies of the five documents (file names
beginning with their collection ids, ``000`` to ``004``), every place of docs/sources.md is found in its
document, in order, the pages cited for PAS 2007 are those of its contents list, and every quotation must be
verbatim in the place its citation names.
"""

from __future__ import annotations

import ast
import io
import os
import re
import tokenize
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from partnerships.model.parameters import PARAMETERS

ROOT = Path(__file__).resolve().parent.parent
SOURCES_MD = ROOT / "docs" / "sources.md"
ENV = "PARTNERSHIPS_SOURCES"
START = Path.cwd()  # a relative PARTNERSHIPS_SOURCES is relative to where the tests were started
MIN_QUOTE = 12  # shorter double-quoted strings are terms, not quotations

# Code and docs whose citations are checked (comments and docstrings only, for code).
CODE_DIRS = ("model", "agents", "experiments", "viz", "partnerships", "tests", "benchmarks")
DOC_FILES = sorted((ROOT / "docs").glob("*.md")) + [ROOT / "README.md", ROOT / "benchmarks" / "README.md"]
QUOTED_DOCS = (ROOT / "docs" / "ODD.md", ROOT / "docs" / "calibration.md")

OLD_STYLE = {  # a citation a reader cannot follow to the published document
    "collection id used as a citation": re.compile(r"(?<![\w.,\-/])00[0-4](?![\d\w])"),
    "line numbers": re.compile(r"\bl\. ?\d|\blines? \d+-\d+"),
    "path outside the repository": re.compile(r"shared/(?:seeds|model-brief)|\.\./shared|/work/"),
}

# Where the texts' layout needs it: an anchor for a place whose heading also appears earlier (inside
# figure one), and headings that are not cited but end the place before them.
ANCHOR_OVERRIDES = {("001", "§3 'Leadership'"): "'you have to be happy with mess and complexity'"}
EXTRA_BOUNDARIES = {
    "000": ("How to collaborate?",),
    "001": ("Chasing the illusion of a perfect structure", "The themes emerging from the interviews",
            "Other local government perspectives", "Input from health", "The business voice",
            "The development of combined authorities", "Does the public notice all this effort?",
            "What do we mean by collaboration?", "What are the drivers to collaborate?",
            "What models of collaboration exist in local government?",
            "What factors influence collaborative performance?", "Individual factors",
            "Who makes a good collaborative entrepreneur?",
            "Inter-organisational relationships in local government", "Structural factors",
            "Are there any drawbacks to collaboration?", "Collaboration: at the core of the role for districts",
            "Districts can do more to foster a collaborative culture",
            "National bodies can play a higher profile role to make this happen"),
}


# --- docs/sources.md ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Document:
    key: str
    collection_id: str
    entry: str  # the document's whole entry in docs/sources.md
    rows: tuple[tuple[str, str], ...]  # (place, what the model takes from it), in document order

    @property
    def places(self) -> tuple[str, ...]:
        return tuple(place for place, _ in self.rows)


@cache
def documents() -> dict[str, Document]:
    text = SOURCES_MD.read_text(encoding="utf-8")
    five = text.split("## The five documents")[1].split("\n## ")[0]
    found = {}
    for block in re.split(r"^### ", five, flags=re.MULTILINE)[1:]:
        key, entry = block.split("\n", 1)
        cid = re.search(r"\*\*Collection id\.\*\* `(\d{3})`", entry)
        rows = tuple((cells[0].strip(), cells[1].strip()) for line in entry.splitlines()
                     if line.startswith("| ") and not line.startswith("| place ")
                     for cells in [line.strip().strip("|").split(" | ", 1)])
        assert cid, f"docs/sources.md: no collection id for {key}"
        found[key.strip()] = Document(key.strip(), cid.group(1), entry, rows)
    return found


@cache
def brief_text() -> str:
    quoted = SOURCES_MD.read_text(encoding="utf-8").split("## The model brief")[1]
    return _normalise(re.sub(r"^\s*>\s?", "", quoted, flags=re.MULTILINE))


def _normalise(text: str) -> str:
    text = re.sub("[\u2018\u2019\u201c\u201d\"']", "'", text).replace("\u2013", "-").replace("\u2014", "-")
    text = text.replace("\u2026", "...")
    return re.sub(r"\s+", " ", text.replace("*", "")).strip().lower()


def _fragments(quote: str) -> list[str]:
    return [part.strip() for part in _normalise(quote).split("...") if part.strip()]


# --- finding citations and quotations ----------------------------------------------------------------

PLACE = r"(?:§\d+(?: '[^']+')?(?:, figure [a-z]+)?|'[^']+'(?:, pp?\. \d+(?:-\d+)?)?|Annex [IVX]+)"
BRIEF = r"model brief(?:,? (?:process \d+|'[^']+'))?"


@dataclass(frozen=True)
class Citation:
    key: str  # a document key, or "model brief"
    place: str
    start: int
    end: int


def citations(text: str) -> list[Citation]:
    """Every citation of a document or of the brief in ``text`` (whitespace already collapsed)."""
    keys = "|".join(re.escape(k) for k in documents())
    found = [Citation(m.group(1), m.group(2) or "", m.start(), m.end())
             # `KEY` names a key; "...Together?" is a title
             for m in re.finditer(rf"(?<!`)({keys})(?![`?])(?:, ({PLACE}))?", text)]
    found += [Citation("model brief", m.group(0), m.start(), m.end()) for m in re.finditer(BRIEF, text)]
    return sorted(found, key=lambda c: c.start)


def quotations(text: str) -> list[tuple[str, Citation | None]]:
    """Each double-quoted quotation of at least MIN_QUOTE characters with the citation it carries.

    A quotation carries the citation right after it (in parentheses, or after a comma), or else the one
    right before it (after a comma or a colon and at most six words). Quotations at most six words apart
    share the citation after the last of them, or else the one before the first.
    """
    cites = citations(text)
    quotes = list(re.finditer(r'"([^"]*)"', text))

    def after(i: int) -> Citation | None:
        end = quotes[i].end()
        return next((c for c in cites if c.start >= end
                     and re.fullmatch(r"\s*(?:\(\s*|,\s*)", text[end:c.start])), None)

    def before(i: int) -> Citation | None:
        start = quotes[i].start()
        return next((c for c in reversed(cites) if c.end <= start and re.fullmatch(
            r"(?:\s*\([^()\"]*\))?\s*[,:]\s*(?:[\w'-]+\s+){0,6}", text[c.end:start])), None)

    def joined(i: int) -> bool:  # quotation i and i + 1 share a citation: a few words apart, no citation between
        gap = text[quotes[i].end():quotes[i + 1].start()]
        return re.fullmatch(r"\s*[,;]?\s*(?:[\w'-]+\s+){0,6}", gap) is not None

    def carried(i: int) -> Citation | None:
        last, first = i, i
        while last + 1 < len(quotes) and joined(last):
            last += 1
        while first > 0 and joined(first - 1):
            first -= 1
        return after(i) or before(i) or after(last) or before(first)

    return [(q.group(1), carried(i)) for i, q in enumerate(quotes) if len(q.group(1)) >= MIN_QUOTE]


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def _prose(path: Path) -> str:
    """A doc without the ODD's generated parameter table (its sources are checked from the registry)."""
    text = path.read_text(encoding="utf-8")
    if "<!-- parameters:start -->" in text:
        head, rest = text.split("<!-- parameters:start -->")
        text = head + rest.split("<!-- parameters:end -->")[1]
    return _flat(text)


def _comments_and_docstrings(path: Path) -> list[str]:
    source = path.read_text(encoding="utf-8")
    texts = [tok.string.lstrip("#") for tok in tokenize.generate_tokens(io.StringIO(source).readline)
             if tok.type == tokenize.COMMENT]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            doc = ast.get_docstring(node, clean=False)
            if doc:
                texts.append(doc)
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "_column":  # property docs
            texts += [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
    return [_flat(t) for t in texts]


def _toml_comments(path: Path) -> list[str]:
    return [_flat(line.split("#", 1)[1]) for line in path.read_text(encoding="utf-8").splitlines() if "#" in line]


@cache
def cited_texts() -> dict[str, str]:
    """Every text that may cite a source, by a label naming where it is."""
    texts = {str(p.relative_to(ROOT)): _prose(p) for p in DOC_FILES if p != SOURCES_MD}
    for name, p in PARAMETERS.items():
        texts[f"model/parameters.py: source of {name}"] = p.source
    this = Path(__file__).resolve()
    for folder in CODE_DIRS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path != this:
                for i, text in enumerate(_comments_and_docstrings(path)):
                    texts[f"{path.relative_to(ROOT)} (comment or docstring {i})"] = text
        for path in sorted((ROOT / folder).rglob("*.toml")):
            for i, text in enumerate(_toml_comments(path)):
                texts[f"{path.relative_to(ROOT)} (comment {i})"] = text
    return texts


# --- on the repository alone -----------------------------------------------------------------------


def test_sources_md_gives_five_full_references_with_their_places():
    docs = documents()
    assert list(docs) == ["Centre for Cities 2017", "INLOGOV 2015", "PAS 2007", "Young Foundation 2008",
                          "Rallying Together"]
    assert [d.collection_id for d in docs.values()] == ["000", "001", "002", "003", "004"]
    for doc in docs.values():
        for field in ("**Reference.**", "**How the reference was established.**", "**What the model takes from it.**"):
            assert field in doc.entry, f"{doc.key}: no {field}"
        assert doc.rows and all(place and use for place, use in doc.rows), doc.key
        assert len(set(doc.places)) == len(doc.places), f"{doc.key}: a place listed twice"
        malformed = [p for p in doc.places if not re.fullmatch(PLACE, p)]
        assert not malformed, f"{doc.key}: places not in the citation form: {malformed}"
    pages = [p for p in docs["PAS 2007"].places if not re.search(r", p\. \d+$", p)]
    assert not pages, f"PAS 2007 places must give the page: {pages}"


def test_every_citation_names_a_defined_place():
    docs = documents()
    count, bad = 0, []
    for label, text in cited_texts().items():
        for c in citations(text):
            if c.key == "model brief":
                number = re.search(r"process (\d+)", c.place)
                if number and not 1 <= int(number.group(1)) <= 10:
                    bad.append(f"{label}: {c.place} (the brief has processes 1 to 10)")
                continue
            count += 1
            if c.place not in docs[c.key].places:
                bad.append(f"{label}: {c.key}, {c.place or '(no place)'}")
    assert count > 150, count
    assert not bad, "citations of places docs/sources.md does not define:\n" + "\n".join(bad)


def test_no_citation_by_line_number_or_path_outside_the_repository():
    bad = [f"{label}: {what}: ...{text[max(0, m.start() - 30):m.end() + 30]}..."
           for label, text in cited_texts().items() for what, pattern in OLD_STYLE.items()
           for m in pattern.finditer(text)]
    assert not bad, "\n".join(bad)


def test_no_test_reads_a_file_outside_the_repository():
    this = Path(__file__).resolve()
    outside = re.compile(r"parent\s*/\s*[\"']shared|[\"']\.\./shared|/work/shared")
    bad = [str(p.relative_to(ROOT)) for p in sorted((ROOT / "tests").rglob("*.py"))
           if p != this and outside.search(p.read_text(encoding="utf-8"))]
    assert not bad


def test_every_quotation_in_the_odd_and_calibration_carries_a_citation():
    for path in QUOTED_DOCS:
        quotes = quotations(_prose(path))
        assert len(quotes) > (50 if path.name == "ODD.md" else 3), path.name
        uncited = [q for q, c in quotes if c is None]
        assert not uncited, f"{path.name}: quotations without a citation: {uncited}"


def test_quotations_of_the_brief_are_in_its_quoted_parts():
    brief = brief_text()
    quoted = [(label, q) for label, text in cited_texts().items() for q, c in quotations(text)
              if c is not None and c.key == "model brief"]
    assert quoted
    missing = [f"{label}: {q}" for label, q in quoted if not all(part in brief for part in _fragments(q))]
    assert not missing, "not in docs/sources.md, 'The model brief':\n" + "\n".join(missing)


def test_quotation_finder_pairs_quotes_with_their_citations():
    text = _flat('"We were stuck at that point" (INLOGOV 2015, §3 \'Momentum\') and PAS 2007, '
                 '\'managing time\', p. 16, "plan regular meetings as far in advance"; "the speed of the '
                 'slowest partner" and "move at the speed" (INLOGOV 2015, §3 \'Momentum\'); "an uncited quotation".')
    found = [(q, c.place if c else None) for q, c in quotations(text)]
    assert found == [("We were stuck at that point", "§3 'Momentum'"),
                     ("plan regular meetings as far in advance", "'managing time', p. 16"),
                     ("the speed of the slowest partner", "§3 'Momentum'"),
                     ("move at the speed", "§3 'Momentum'"), ("an uncited quotation", None)]


# --- against the source texts (PARTNERSHIPS_SOURCES) -------------------------------------------------


@dataclass(frozen=True)
class Text:
    lines: tuple[str, ...]  # normalised, leading markdown '#' removed
    spans: dict[str, tuple[int, int]]  # place -> [first, last) line

    def section(self, place: str) -> str:
        first, last = self.spans[place]
        return " ".join(self.lines[first:last])

    def whole(self) -> str:
        return " ".join(self.lines)


def _heading_of(place: str) -> str | None:
    match = re.search(r"'([^']+)'", place)
    return _normalise(match.group(1)) if match else None


def _section_line(lines: tuple[str, ...], number: int, start: int = 0) -> int | None:
    """The heading of numbered section ``number``: a short line beginning with the number."""
    for i in range(start, len(lines)):
        if re.match(rf"{number}\.?\s", lines[i]) and len(lines[i].split()) <= 10:
            return i
    return None


def _locate(cid: str, raw: list[str], places: tuple[str, ...]) -> Text:
    lines = tuple(_normalise(line.lstrip("# ")) for line in raw)
    markdown = {i for i, line in enumerate(raw) if line.startswith("#")}
    extra = {_normalise(h) for h in EXTRA_BOUNDARIES.get(cid, ())}
    starts: list[int] = []
    for place in places:
        start = starts[-1] + 1 if starts else 0
        override, heading = ANCHOR_OVERRIDES.get((cid, place)), _heading_of(place)
        figure, annex = re.search(r"figure ([a-z]+)", place), re.match(r"Annex ([IVX]+)", place)
        number = re.match(r"§(\d+)", place)
        if override:
            hit = next((i for i in range(start, len(lines)) if lines[i].startswith(_normalise(override))), None)
        elif heading:
            hit = next((i for i in range(start, len(lines)) if lines[i] == heading), None)
        elif figure or annex:
            prefix = f"figure {figure.group(1)}" if figure else f"annex {annex.group(1).lower()}."
            hit = next((i for i in range(start, len(lines)) if lines[i].startswith(prefix)), None)
        else:
            hit = _section_line(lines, int(number.group(1)), start) if number else None
        assert hit is not None, f"{cid}: place {place} not found (after line {start})"
        if number and (heading or figure):
            section = _section_line(lines, int(number.group(1)))
            assert section is not None and section < hit, f"{cid}: {place} is not in §{number.group(1)}"
        starts.append(hit)
    spans = {}
    for k, (place, first) in enumerate(zip(places, starts)):
        ends = [starts[k + 1]] if k + 1 < len(places) else [len(lines)]
        number = re.match(r"§(\d+)", place)
        if number:
            nxt = _section_line(lines, int(number.group(1)) + 1, first + 1)
            ends += [nxt] if nxt is not None else []
        if not number or _heading_of(place) or "figure" in place:
            ends += [i for i in range(first + 1, len(lines)) if lines[i] in extra][:1]
        if not number and not place.startswith("Annex"):
            ends += [i for i in sorted(markdown) if i > first][:1]
        spans[place] = (first, min(ends))
    return Text(lines, spans)


@pytest.fixture(scope="module")
def texts() -> dict[str, Text]:
    folder = os.environ.get(ENV, "").strip()
    if not folder:
        pytest.skip(f"{ENV} is not set: the quotations are checked only against a folder of the five source texts")
    path = START / Path(folder).expanduser()
    if not path.is_dir():
        pytest.skip(f"{ENV}={folder} is not a folder: the quotations are checked only against the source texts")
    found = {}
    for key, doc in documents().items():
        files = sorted(path.glob(f"{doc.collection_id}*.txt"))
        assert len(files) == 1, f"{ENV}={folder}: expected one {doc.collection_id}*.txt for {key}, found {files}"
        found[key] = _locate(doc.collection_id, files[0].read_text(encoding="utf-8").splitlines(), doc.places)
    return found


def _misplaced(quote: str, place: str, text: Text) -> str | None:
    """Why ``quote`` is not verbatim at ``place``, or None if it is."""
    parts = _fragments(quote)
    if all(part in text.section(place) for part in parts):
        return None
    return "in the document, but not at that place" if all(part in text.whole() for part in parts) else \
        "not verbatim in the document"


def test_every_place_is_found_in_its_document(texts):
    for key, doc in documents().items():
        spans = texts[key].spans
        assert list(spans) == list(doc.places)
        empty = [p for p, (first, last) in spans.items() if last <= first]
        assert not empty, f"{key}: places with no text: {empty}"


def test_quotations_are_verbatim_at_the_cited_place(texts):
    checked, bad = 0, []
    for label, text in cited_texts().items():
        for quote, c in quotations(text):
            if c is not None and c.key != "model brief" and c.place in documents()[c.key].places:
                checked += 1
                why = _misplaced(quote, c.place, texts[c.key])
                if why:
                    bad.append(f"{label}: \"{quote}\" ({c.key}, {c.place}): {why}")
    assert checked > 80, checked
    assert not bad, "\n".join(bad)


def test_quotations_in_the_sources_table_are_at_their_place(texts):
    bad = []
    for key, doc in documents().items():
        for place, use in doc.rows:
            for quote in re.findall(r'"([^"]*)"', use):
                why = len(quote) >= MIN_QUOTE and _misplaced(quote, place, texts[key])
                if why:
                    bad.append(f"{key}, {place}: \"{quote}\": {why}")
    assert not bad, "\n".join(bad)


def test_every_quotation_of_the_odd_and_calibration_is_in_a_source(texts):
    corpus = " ".join(t.whole() for t in texts.values()) + " " + brief_text()
    invented = [f"{path.name}: {q}" for path in QUOTED_DOCS for q, _ in quotations(_prose(path))
                if not all(part in corpus for part in _fragments(q))]
    assert not invented, "quotations found in no source document or the brief:\n" + "\n".join(invented)


def test_pages_are_those_of_the_contents_list():
    """Each page cited for PAS 2007 is the one its table of contents gives for that section."""
    folder = os.environ.get(ENV, "").strip()
    if not folder or not (START / folder).is_dir():
        pytest.skip(f"{ENV} is not set to a folder: the pages are checked only against the source texts")
    doc = documents()["PAS 2007"]
    raw = next((START / folder).glob(f"{doc.collection_id}*.txt")).read_text(encoding="utf-8")
    contents = dict(m.groups() for line in raw.split("## preface")[0].splitlines()
                    if (m := re.fullmatch(r"(.+?) ?\.{4,}(\d+)", _normalise(line))))
    contents.setdefault("success breeds success", contents.get("success breed success"))  # sic, in the contents
    wrong = []
    for place in doc.places:
        heading, page = _heading_of(place), re.search(r"p\. (\d+)$", place).group(1)
        listed = next((p for name, p in contents.items() if name.startswith(heading)), None)
        if listed != page:
            wrong.append(f"{place}: the contents list gives p. {listed}")
    assert len(contents) > 20 and not wrong, wrong


def test_a_misquotation_or_a_wrong_place_is_caught(texts):
    """The check can fail: a changed word, and a right quotation at the wrong place."""
    pas = texts["PAS 2007"]
    assert _misplaced("The project manager plays a critical role in ensuring progress and momentum",
                      "'managing time', p. 16", pas) is None
    assert _misplaced("The project manager plays a vital role in ensuring progress and momentum",
                      "'managing time', p. 16", pas) == "not verbatim in the document"
    assert _misplaced("The project manager plays a critical role in ensuring progress and momentum",
                      "'building trust', p. 11", pas) == "in the document, but not at that place"
