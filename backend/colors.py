"""Colour contrast (WCAG 2.1): which text colour reads on a brand colour, and how far a colour must darken
to read as text on white. Used by the branding settings (warnings) and the page shell (CSS variables)."""

from __future__ import annotations

AA_CONTRAST = 4.5
WHITE, BLACK, INK = "#ffffff", "#000000", "#111827"
# The page background (--canvas in static/css/app.css): slightly darker than white, so links are checked on it.
CANVAS = "#f6f7f9"


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    text = hex_colour.lstrip("#")
    if len(text) != 6:
        raise ValueError(f"not a #rrggbb colour: {hex_colour!r}")
    return int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16)


def luminance(hex_colour: str) -> float:
    r, g, b = (_channel(v) for v in _rgb(hex_colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """The WCAG contrast ratio of two colours, 1.0 to 21.0."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def text_on(background: str) -> str:
    """White or black, whichever contrasts more with `background`: one of them always reaches 4.58:1."""
    return WHITE if contrast(background, WHITE) >= contrast(background, BLACK) else BLACK


def readable_link(colour: str, *, minimum: float = AA_CONTRAST) -> str:
    """`colour` itself if it reads as link text on white and on the page canvas, else the same hue darkened
    just enough."""
    r, g, b = _rgb(colour)
    for step in range(0, 101):
        factor = 1 - step / 100
        candidate = f"#{round(r * factor):02x}{round(g * factor):02x}{round(b * factor):02x}"
        if contrast(candidate, CANVAS) >= minimum:
            return candidate
    return INK


def branding_warnings(*, primary: str, secondary: str) -> list[str]:
    """Plain-language warnings for colours that cannot be used as chosen (the page shell adapts them)."""
    warnings = []
    text = text_on(primary)
    if contrast(primary, text) < AA_CONTRAST:  # pragma: no cover - black or white always reaches 4.5:1
        warnings.append(f"The primary colour {primary} cannot reach a 4.5:1 contrast with any text colour.")
    elif text != WHITE:
        warnings.append(
            f"White text on the primary colour {primary} would be hard to read "
            f"({contrast(primary, WHITE):.1f}:1); the header and buttons use dark text instead."
        )
    ratio = contrast(secondary, CANVAS)
    if readable_link(secondary) != secondary:
        warnings.append(
            f"The secondary colour {secondary} is too light for links on white ({ratio:.1f}:1, needs 4.5:1); "
            f"links use the darker {readable_link(secondary)} instead."
        )
    return warnings
