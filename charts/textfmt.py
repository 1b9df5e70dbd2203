"""Text wrapping for charts; the other text helpers live in the core (bot.textfmt) and are shared."""

from __future__ import annotations

from bot.textfmt import char_width, display_width, number, pct, when, zone

__all__ = ["char_width", "display_width", "number", "pct", "when", "wrap", "zone"]


def wrap(text: str, columns: int, max_lines: int | None = None) -> list[str]:
    """Wrap on spaces by display width; words longer than a line (or CJK runs) are split anywhere."""
    columns = max(columns, 4)
    lines: list[str] = []
    line, width = "", 0
    for word in " ".join(text.split()).split(" "):
        w = display_width(word)
        if line and width + 1 + w <= columns:
            line, width = f"{line} {word}", width + 1 + w
            continue
        if line:
            lines.append(line)
        line, width = "", 0
        for ch in word:  # split an over-long word by characters
            cw = char_width(ch)
            if width + cw > columns and line:
                lines.append(line)
                line, width = "", 0
            line, width = line + ch, width + cw
    if line or not lines:
        lines.append(line)
    if max_lines is not None and len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][: max(len(lines[-1]) - 1, 0)].rstrip() + "…"
    return lines
