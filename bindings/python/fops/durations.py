"""Durations as Tilt and Go write them: "250ms", "90s", "5m", "1h30m"."""

_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse(text: str) -> float:
    """Seconds in ``text``: a number ("90", "1.5") or a Go duration ("1h30m").

    Raises ValueError for anything else, negative values included.
    """
    try:
        seconds = float(text)
    except ValueError:
        import re  # only when a duration string is used

        parts = re.findall(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)", text)
        if not parts or "".join(n + u for n, u in parts) != text:
            raise ValueError(f"bad duration {text!r} (expected seconds, or a duration like "
                             f"'90s', '5m', '1h30m')") from None
        seconds = sum(float(n) * _UNITS[u] for n, u in parts)
    if seconds < 0 or seconds != seconds:
        raise ValueError(f"bad duration {text!r}: must not be negative")
    return seconds
