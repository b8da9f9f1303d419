"""Which text encoding a CSV file was saved in, with how sure we are.

Excel's "CSV" is written in the ANSI code page of the Windows locale: cp1252 in western
Europe and the Americas, cp1251 in Russian, cp1256 in Arabic, gb18030 (GBK) in Chinese.
Nothing in the file says which, and each of those bytes decodes "successfully" in the
others, so a fixed fallback (what the importer did: cp1252 with replacement characters)
silently garbles three of the six UN languages.

Why charset-normalizer rather than our own scoring: a script-share heuristic (the share
of decoded letters in the script a code page is for), the obvious thing to write, fails
exactly on the hard cases: Cyrillic bytes read as cp1252 are all Latin letters ("Ìèíèñòåðñòâî"),
and cp1251 bytes read as gb18030 are valid rare ideographs. charset-normalizer measures
both the mess of each decoding (odd symbols, case changes inside words) and its
coherence with letter frequencies of real languages, which separates those cases; it is
already installed (requests depends on it), pure Python, and we restrict it to the code
pages that matter here (`cp_isolation`), which also keeps it fast. What it cannot know,
very short files ("Café" is as plausible in cp1251 as "Cafй"), we settle with the
interface language as a prior and report as unsure, so the window asks the person.
"""
from __future__ import annotations

import codecs
from dataclasses import dataclass, field

from fieldapp.i18n import _

# The ANSI code page Excel uses for "CSV" under each interface language.
CODE_PAGE_OF_LANGUAGE = {"en": "cp1252", "fr": "cp1252", "es": "cp1252", "ru": "cp1251", "ar": "cp1256", "zh": "gb18030"}
# Every code page of the UN languages, the western one first (most files are western).
CODE_PAGES = ("cp1252", "cp1251", "cp1256", "gb18030")
UNICODE = ("utf-8", "utf-8-sig", "utf-16", "utf-32")
UNSURE_BELOW = 0.8
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


@dataclass(frozen=True)
class Candidate:
    encoding: str
    confidence: float  # 0..1


@dataclass(frozen=True)
class Detection:
    """The chosen encoding and the decoded text; `candidates` (best first, the chosen one
    included) are what a person may pick from when `unsure`."""

    encoding: str
    text: str
    confidence: float
    candidates: tuple[Candidate, ...] = field(default_factory=tuple)

    @property
    def unsure(self) -> bool:
        return self.confidence < UNSURE_BELOW

    @property
    def warning(self) -> str:
        """What to tell a person when the guess may be wrong ('' when sure)."""
        if not self.unsure:
            return ""
        others = [c.encoding for c in self.candidates if c.encoding != self.encoding]
        return _("The file's encoding is not certain: read as {encoding}; it may also be {others}. "
                 "Check the preview and choose another encoding if the text looks wrong.").format(
                     encoding=label(self.encoding), others=", ".join(label(o) for o in others) or "?")


def label(encoding: str) -> str:
    """How an encoding is named to a person: the language it is for, then its name."""
    names = {
        "utf-8": _("Unicode (UTF-8)"), "utf-8-sig": _("Unicode (UTF-8 with BOM)"), "utf-16": _("Unicode (UTF-16)"),
        "utf-32": _("Unicode (UTF-32)"), "cp1252": _("Western European (Windows-1252)"),
        "cp1251": _("Cyrillic (Windows-1251)"), "cp1256": _("Arabic (Windows-1256)"),
        "gb18030": _("Chinese Simplified (GB18030)"),
    }
    return names.get(encoding, encoding)


def choices() -> tuple[str, ...]:
    """Every encoding a person may choose in the import window."""
    return ("utf-8", "utf-8-sig", "utf-16", *CODE_PAGES)


def decode(data: bytes, encoding: str) -> str:
    """`data` read as `encoding`; raises ValueError naming the encoding when it does not fit."""
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise ValueError(_("the file cannot be read as {encoding}: {reason}").format(encoding=label(encoding), reason=exc)) from None


def detect(data: bytes, interface_language: str = "en") -> Detection:
    """The most likely encoding of `data` among Unicode and the UN languages' code pages.

    A BOM or valid UTF-8 is certain (stray UTF-8 in a code-page file is practically
    impossible past a few bytes). Otherwise charset-normalizer ranks the code pages;
    the interface language's code page wins ties and very short files."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return Detection(name, data.decode(name), 1.0, (Candidate(name, 1.0),))
    try:
        text = data.decode("utf-8")
        return Detection("utf-8", text, 1.0, (Candidate("utf-8", 1.0),))
    except UnicodeDecodeError:
        pass
    preferred = CODE_PAGE_OF_LANGUAGE.get(interface_language, "cp1252")
    ranked = _rank(data, preferred)
    if not ranked:  # nothing decodes cleanly: the western code page reads every byte but 5
        text = data.decode("cp1252", errors="replace")
        return Detection("cp1252", text, 0.0, (Candidate("cp1252", 0.0),))
    best = ranked[0]
    return Detection(best.encoding, data.decode(best.encoding), best.confidence, tuple(ranked))


def _rank(data: bytes, preferred: str) -> list[Candidate]:
    from charset_normalizer import from_bytes  # imported late: only for non-UTF-8 files

    order = (preferred, *(c for c in CODE_PAGES if c != preferred))
    results = from_bytes(data, cp_isolation=list(order), explain=False)
    scored: dict[str, tuple[float, float]] = {}
    for match in results:
        name = codecs.lookup(match.encoding).name.replace("_", "")
        name = {"cp936": "gb18030", "gbk": "gb18030"}.get(name, name)
        if name in order and name not in scored:
            scored[name] = (match.chaos, match.coherence)
    for name in order:  # charset-normalizer drops decodings it finds too messy; keep the
        if name not in scored:  # ones that decode at all, ranked last, so a person can choose them
            try:
                data.decode(name)
            except UnicodeDecodeError:
                continue
            scored[name] = (1.0, 0.0)
    if not scored:
        return []
    names = sorted(scored, key=lambda n: (scored[n][0] - scored[n][1] * 0.5 - (0.001 if n == preferred else 0), order.index(n)))
    best_chaos, best_coherence = scored[names[0]]
    runner_up = scored[names[1]] if len(names) > 1 else (1.0, 0.0)
    # Sure when the best reads cleanly and either it alone does, or it is clearly more
    # like a real language than the next one.
    margin = (runner_up[0] - best_chaos) + (best_coherence - runner_up[1])
    confidence = max(0.0, 1.0 - best_chaos * 2) * (1.0 if len(names) == 1 else min(1.0, 0.5 + margin * 2))
    ranked = [Candidate(names[0], round(confidence, 3))]
    for n in names[1:]:
        chaos, coherence = scored[n]
        ranked.append(Candidate(n, round(max(0.0, min(confidence, 1.0 - chaos * 2) * 0.5), 3)))
    return ranked


__all__ = ["CODE_PAGES", "CODE_PAGE_OF_LANGUAGE", "Candidate", "Detection", "choices", "decode", "detect", "label"]
