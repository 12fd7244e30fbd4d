"""User-facing error types.

Every error a person can cause (bad file, wrong column, bad policy...) is raised as a
:class:`StewardError` subclass with a message written for that person. The UI shows
the message in an ``st.error`` box; the CLI prints it on one line and exits 2.
"""


class StewardError(Exception):
    """An error whose message is safe and useful to show to a user."""


class DatasetError(StewardError):
    """A dataset could not be read or does not have the expected shape."""


class ConfigError(StewardError):
    """A setting, policy or config file is invalid."""


def validation_message(exc, labels: dict[str, str] | None = None) -> str:
    """One line from a pydantic ``ValidationError``: 'label: problem; label: problem'.

    ``labels`` maps field names to what the user typed (a CLI flag, a form label), so the
    CLI and the pages print the same words.
    """
    labels = labels or {}
    problems = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "value"
        where = labels.get(where, where)
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown option (typo?)"
        elif err["type"] == "finite_number":
            msg = "must be a number (not nan or infinity)"
        elif err["type"] == "string_too_long":
            limit = (err.get("ctx") or {}).get("max_length")
            msg = f"is {len(str(err.get('input', ''))):,} characters; at most {limit:,} allowed"
        problems.append(f"{where}: {msg}")
    return "; ".join(problems)


def over_size_limit(name: str, n_bytes: int, limit_bytes: int, limit_name: str = "limit") -> str:
    """'NAME is X MB, over the Y MB limit' in one unit (MB = 1,000,000 bytes), never a
    size that rounds to the limit or below it."""
    if limit_bytes < 100_000:
        return f"{name} is {n_bytes:,} bytes, over the {limit_bytes:,}-byte {limit_name}."
    limit_mb = limit_bytes / 1e6
    limit = f"{limit_mb:,.0f}" if limit_mb == round(limit_mb) else f"{limit_mb:,.1f}"
    size = f"{n_bytes / 1e6:,.1f} MB"
    if round(n_bytes / 1e6, 1) <= float(limit.replace(",", "")):
        size = f"{n_bytes:,} bytes"
    return f"{name} is {size}, over the {limit} MB {limit_name}."


def os_error_message(exc: OSError) -> str:
    """One line for a failed read or write: what went wrong, on which path."""
    reason = exc.strerror or str(exc) or type(exc).__name__
    paths = [p for p in (exc.filename, exc.filename2) if p is not None]
    if not paths:
        return f"{reason}."
    shown = " -> ".join(shown_path(p) for p in paths)
    return f"{reason}: {shown}"


def shown_path(path) -> str:
    """A path as printable text: undecodable bytes of a file name become \\xNN."""
    import os

    raw = os.fsencode(path) if not isinstance(path, int) else str(path).encode()
    return raw.decode("utf-8", "backslashreplace")


def require_utf8_name(path) -> None:
    """Refuse a path whose name is not valid UTF-8: it cannot be stored or shown."""
    text = str(path)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise DatasetError(
            f"The file name {shown_path(path)} is not valid UTF-8: rename the file (for "
            "example with only letters, digits, '-' and '_') and try again."
        ) from None


def check_output_file(path, *, create_parent: bool = False):
    """Refuse an output path that cannot become a file, before any work is done.

    Returns the path as a :class:`~pathlib.Path`. A folder, a name ending in ``/``, a
    missing folder (unless ``create_parent``) and a folder the process cannot write in
    are :class:`StewardError` s naming the path.
    """
    import os
    from pathlib import Path

    require_utf8_name(path)
    text = os.fspath(path)
    out = Path(text).expanduser()
    if text.endswith(("/", os.sep)) or out.is_dir():
        raise StewardError(f"{shown_path(out)} is a folder: give a file name to write to.")
    parent = out.parent
    if not parent.exists():
        if not create_parent:
            raise StewardError(f"The folder {shown_path(parent)} does not exist.")
        try:
            parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StewardError(f"Cannot create the folder: {os_error_message(exc)}") from None
    elif not parent.is_dir():
        raise StewardError(f"{shown_path(parent)} is a file, not a folder.")
    if not os.access(parent, os.W_OK | os.X_OK) and not out.exists():
        raise StewardError(
            f"Cannot write in the folder {shown_path(parent)} (no write permission, or a read-only file system)."
        )
    return out


class JobCancelled(Exception):
    """Raised inside a job when cancellation was requested (not an error)."""
