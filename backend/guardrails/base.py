"""The scanner protocol and the typed results every scanner returns.

A scanner looks at one text (or a batch) and says how risky it is: a score in ``[0, 1]``,
whether that crosses its threshold, which spans made it say so, how long it took and which
backend produced the number. Scanners never decide what happens next; the policy does.
"""

from __future__ import annotations

import contextlib
import functools
import re
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol, runtime_checkable

#: Texts longer than this are truncated before scanning (bounded time and memory). The
#: result carries a note so nobody believes the tail was checked.
DEFAULT_MAX_CHARS = 100_000

#: Embedding windows shared by the injection and topic scanners: the same window strings
#: hit the encoder's cache, so a prompt is embedded once for both.
EMBED_WINDOW_CHARS = 300
EMBED_MAX_WINDOWS = 8
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


@dataclass(frozen=True)
class Span:
    """``text[start:end]`` (offsets in the text the caller passed) and why it matters."""

    label: str
    start: int
    end: int
    score: float | None = None

    def to_dict(self) -> dict[str, Any]:
        out = {"label": self.label, "start": self.start, "end": self.end}
        if self.score is not None:
            out["score"] = round(float(self.score), 4)
        return out


@dataclass
class ScanResult:
    """What one scanner says about one text.

    Attributes
    ----------
    scanner
        Scanner name as used in the policy (``toxicity``, ``pii``, ``injection``...).
    score
        Risk in ``[0, 1]``; higher is riskier.
    flagged
        ``score >= threshold`` for the threshold the scanner ran with.
    spans
        Evidence, with offsets into the scanned text.
    latency_ms
        Wall time of this scan (a share of the batch time when scanned in a batch).
    backend
        The model or method that produced the score, e.g. ``Detoxify (original)``.
    details
        Scanner-specific extras (matched topic, entity counts, decoded payloads...).
    notes
        Caveats a person should read (truncated input, fallback backend...).
    redacted
        Sanitised text, for scanners that can redact (PII).
    """

    scanner: str
    score: float
    flagged: bool
    threshold: float
    spans: list[Span] = field(default_factory=list)
    latency_ms: float = 0.0
    backend: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    redacted: str | None = None

    def __post_init__(self) -> None:
        self.score = float(min(1.0, max(0.0, float(self.score))))

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape the CLI prints for one check."""
        out = {
            "score": round(self.score, 4),
            "flagged": bool(self.flagged),
            "spans": [s.to_dict() for s in self.spans],
            "latency_ms": round(self.latency_ms, 3),
            "backend": self.backend,
        }
        if self.notes:
            out["notes"] = list(self.notes)
        if self.details:
            out["details"] = _jsonable(self.details)
        return out


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "__dataclass_fields__"):
        return _jsonable(asdict(value))
    if isinstance(value, float):
        return round(value, 4)
    if hasattr(value, "item"):  # numpy scalars
        return _jsonable(value.item())
    return value


@runtime_checkable
class Scanner(Protocol):
    """One guardrail check. Implementations live one per file in ``backend.guardrails.scanners``."""

    name: str
    threshold: float

    @property
    def backend(self) -> str:
        """Human label of what produces the score (model name, or "rules")."""
        ...

    def scan(self, text: str) -> ScanResult:
        """Scan one text."""
        ...

    def scan_batch(self, texts: Sequence[str]) -> list[ScanResult]:
        """Scan many texts, batching model calls; same results as ``scan`` one by one."""
        ...

    def warm_up(self) -> None:
        """Load models and run one tiny input so the first real scan is not slow."""
        ...


class Timer:
    """``with Timer() as t: ...; t.ms`` using ``perf_counter``."""

    def __enter__(self) -> Timer:
        self._start = time.perf_counter()
        self.ms = 0.0
        return self

    def __exit__(self, *exc: object) -> None:
        self.ms = (time.perf_counter() - self._start) * 1000.0


def bounded(text: str, max_chars: int) -> tuple[str, list[str]]:
    """Truncate ``text`` to ``max_chars`` characters, returning the note to attach if we did."""
    if text is None:
        return "", []
    if len(text) <= max_chars:
        return text, []
    return text[:max_chars], [
        f"text truncated: only the first {max_chars:,} of {len(text):,} characters were scanned"
    ]


def chunk_text(text: str, size: int, *, max_chunks: int | None = None) -> list[tuple[int, int]]:
    """Split ``text`` into ``(start, end)`` windows of about ``size`` characters.

    Windows end on a sentence or whitespace boundary when one is near, so a sentence is
    rarely cut in half. ``max_chunks`` bounds the work on huge inputs.
    """
    n = len(text)
    if n <= size:
        return [(0, n)]
    windows: list[tuple[int, int]] = []
    start = 0
    while start < n and (max_chunks is None or len(windows) < max_chunks):
        end = min(n, start + size)
        if end < n:
            cut = max(
                text.rfind(". ", start + size // 2, end), text.rfind("\n", start + size // 2, end)
            )
            if cut == -1:
                cut = text.rfind(" ", start + size // 2, end)
            if cut != -1:
                end = cut + 1
        windows.append((start, end))
        start = end
    return windows


def flag(score: float, threshold: float) -> bool:
    """One definition of "flagged" for every scanner and the red-team metrics."""
    return float(score) >= float(threshold)


def sentence_windows(text: str, window_chars: int, max_windows: int) -> list[tuple[int, int]]:
    """Windows to embed: the whole text if short, else one per sentence.

    A harmful request hidden among friendly sentences would be diluted in a long window,
    so long texts are embedded sentence by sentence (over-long sentences are cut). When
    there are more than ``max_windows`` sentences, neighbours are merged into
    ``max_windows`` groups of similar length, which bounds the cost.
    """
    if len(text) <= window_chars:
        return [(0, len(text))]
    units: list[tuple[int, int]] = []
    start = 0
    for m in [*_SENTENCE_END.finditer(text), None]:
        end = m.start() if m else len(text)
        while end - start > window_chars:
            units.append((start, start + window_chars))
            start += window_chars
        if text[start:end].strip():
            units.append((start, end))
        if m:
            start = m.end()
    if len(units) <= max_windows:
        return units
    total = sum(e - s for s, e in units)
    target = total / max_windows
    groups: list[tuple[int, int]] = []
    g_start, g_len, prev_end = units[0][0], 0, units[0][1]
    for s, e in units:
        if g_len and g_len + (e - s) > target and len(groups) < max_windows - 1:
            groups.append((g_start, prev_end))
            g_start, g_len = s, 0
        g_len += e - s
        prev_end = e
    groups.append((g_start, prev_end))
    return groups


@dataclass
class EmbeddingWindows:
    """The sentence windows of a batch of texts, ready for the shared encoder.

    ``texts[k]`` is a window of the normalised text; ``owners[k]`` is ``(i, start, end)``:
    the index of the text it came from and its offsets in the text the caller passed.
    ``notes[i]`` are the caveats for text ``i`` (truncation, grouped sentences).
    """

    texts: list[str]
    owners: list[tuple[int, int, int]]
    notes: list[list[str]]


def embedding_windows(
    texts: Sequence[str],
    *,
    max_chars: int = DEFAULT_MAX_CHARS,
    window_chars: int = EMBED_WINDOW_CHARS,
    max_windows: int = EMBED_MAX_WINDOWS,
) -> EmbeddingWindows:
    """Bound, normalise (look-alike letters and hidden characters cannot dodge a model)
    and cut every text into :func:`sentence_windows`, mapping windows back to the
    caller's offsets. Scanners that embed the same windows share the encoder's cache
    (and this cut: the harm scanner reads the windows the injection scanner made)."""
    out = EmbeddingWindows([], [], [])
    for i, raw in enumerate(texts):
        body, notes = bounded(raw or "", max_chars)
        grouped, windows = _text_windows(body, window_chars, max_windows)
        if grouped:
            notes = [
                *notes,
                f"long text: sentences were grouped into {max_windows} windows, "
                "so one harmful sentence can be diluted by its neighbours",
            ]
        out.notes.append(notes)
        for start, end, window in windows:
            out.owners.append((i, start, end))
            out.texts.append(window)
    return out


@functools.lru_cache(maxsize=256)
def _text_windows(
    body: str, window_chars: int, max_windows: int
) -> tuple[bool, tuple[tuple[int, int, str], ...]]:
    """Whether sentences were grouped, and the ``(start, end, window text)`` windows of one
    (already bounded) text; immutable, so scanners share them."""
    from backend.guardrails.normalize import normalize

    norm = normalize(body).base
    spans = sentence_windows(norm.text, window_chars, max_windows)
    grouped = len(spans) == max_windows and len(norm.text) > window_chars * max_windows
    windows = tuple(
        (*norm.original_span(start, end), norm.text[start:end])
        for start, end in spans
        if norm.text[start:end].strip()
    )
    return grouped, windows


class SentenceWindowScanner:
    """Base of the scanners that score sentence windows embedded by the shared MiniLM
    encoder (harm, topics): their settings, the lazy encoder, texts to windows, and the
    riskiest window of each text to its :class:`ScanResult`.

    Parameters
    ----------
    threshold
        Flag when the riskiest window scores at least this.
    encoder
        A :class:`~backend.models.SentenceEncoder` (the shared one by default).
    max_chars, window_chars, max_windows
        Input bound and windowing (see :func:`sentence_windows`).
    """

    name = "windows"

    def __init__(
        self,
        threshold: float = 0.5,
        *,
        encoder=None,
        max_chars: int = DEFAULT_MAX_CHARS,
        window_chars: int = EMBED_WINDOW_CHARS,
        max_windows: int = EMBED_MAX_WINDOWS,
    ) -> None:
        self.threshold = float(threshold)
        self._encoder = encoder
        self.max_chars = max_chars
        self.window_chars = window_chars
        self.max_windows = max_windows

    @property
    def encoder(self):
        if self._encoder is None:
            from backend.models import get_encoder

            self._encoder = get_encoder()
        return self._encoder

    @property
    def backend(self) -> str:
        return getattr(self._encoder, "label", "all-MiniLM-L6-v2")

    def scan(self, text: str) -> ScanResult:
        return self.scan_batch([text])[0]

    def scan_batch(self, texts: Sequence[str]) -> list[ScanResult]:
        raise TypeError(f"{type(self).__name__} must define scan_batch")

    def windows(self, texts: Sequence[str]) -> EmbeddingWindows:
        """:func:`embedding_windows` with this scanner's settings."""
        return embedding_windows(
            texts,
            max_chars=self.max_chars,
            window_chars=self.window_chars,
            max_windows=self.max_windows,
        )

    def results(
        self,
        windows: EmbeddingWindows,
        scores: Sequence[float],
        *,
        describe: Callable[[int], dict[str, Any]],
        span_label: Callable[[dict[str, Any]], str],
    ) -> list[ScanResult]:
        """One result per text from per-window ``scores``: the riskiest window decides.

        ``describe(k)`` gives the details of window ``k`` (called for the winning windows
        only); ``span_label(details)`` names the evidence span when the text is flagged.
        Texts without a window (empty) score 0.
        """
        best: dict[int, int] = {}
        for k, (i, _start, _end) in enumerate(windows.owners):
            if i not in best or scores[k] > scores[best[i]]:
                best[i] = k
        results = []
        for i, notes in enumerate(windows.notes):
            k = best.get(i)
            if k is None:
                results.append(
                    ScanResult(
                        self.name, 0.0, False, self.threshold, backend=self.backend, notes=notes
                    )
                )
                continue
            _, start, end = windows.owners[k]
            score = float(scores[k])
            details = describe(k)
            flagged = flag(score, self.threshold)
            results.append(
                ScanResult(
                    self.name,
                    score,
                    flagged,
                    self.threshold,
                    spans=[Span(span_label(details), start, end, score)] if flagged else [],
                    backend=self.backend,
                    details=details,
                    notes=notes,
                )
            )
        return results


def share_latency(results: list[ScanResult], total_ms: float) -> list[ScanResult]:
    """Give every result of a batch its share of the batch's wall time."""
    share = total_ms / max(1, len(results))
    for r in results:
        r.latency_ms = share
    return results


_BLAS: Any = None
_BLAS_MODULES = -1  # len(sys.modules) when _BLAS was built
_BLAS_LOCK = threading.RLock()
_BLAS_DEPTH = threading.local()


@contextlib.contextmanager
def one_blas_thread():
    """Run the numpy matrix products inside on one BLAS thread.

    A scanner's products are small (one prompt's windows against a few thousand stored
    vectors): a second BLAS thread only adds hand-off cost, and on a busy machine the
    threads wait for each other (measured under load: the harm head's ``predict`` on one
    prompt took 136 ms p50 with two OpenBLAS threads, 0.15 ms with one). The lock keeps
    concurrent scans from restoring each other's setting out of order.

    The controller only knows the BLAS libraries loaded when it was built (building one
    costs ~3 ms), so it is rebuilt when modules were imported since: a library that
    arrived with, say, scipy afterwards would otherwise keep its threads.

    Re-entrant: inside an outer ``one_blas_thread()`` of the same thread, it only runs the
    body (the limit is already in place).
    """
    global _BLAS, _BLAS_MODULES
    with _BLAS_LOCK:
        depth = getattr(_BLAS_DEPTH, "n", 0)
        if depth:
            yield
            return
        if _BLAS is None or (_BLAS and len(sys.modules) != _BLAS_MODULES):
            try:
                from threadpoolctl import ThreadpoolController

                _BLAS = ThreadpoolController()
            except ImportError:  # scikit-learn brings it; without it, numpy's default
                _BLAS = False
            _BLAS_MODULES = len(sys.modules)
        if not _BLAS:
            yield
            return
        _BLAS_DEPTH.n = 1
        try:
            with _BLAS.limit(limits=1, user_api="blas"):
                yield
        finally:
            _BLAS_DEPTH.n = 0
