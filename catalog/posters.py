"""Generated artwork: a deterministic SVG poster (2:3) and backdrop (16:9) for any title.

Everything is computed from the title's id, name, year and first genre, so the same title
always gets the same picture, no file is stored and no image can ever be broken. Pure
functions (no ORM): the views pass plain values in.
"""
import hashlib
import textwrap
from xml.sax.saxutils import escape

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"


def _seed(title_id) -> bytes:
    return hashlib.sha256(f"netfloox-art-{title_id}".encode()).digest()


def palette(title_id) -> dict:
    """Colours derived from the id: a main hue, a companion hue and a dark base."""
    s = _seed(title_id)
    hue = s[0] * 360 // 256
    companion = (hue + 25 + s[1] % 80) % 360
    return {
        "hue": hue,
        "light": f"hsl({hue}, 70%, 46%)",
        "mid": f"hsl({companion}, 62%, 26%)",
        "dark": f"hsl({(hue + 200) % 360}, 45%, 7%)",
        "accent": f"hsl({companion}, 85%, 62%)",
    }


def _wrap(text: str, width: int, max_lines: int) -> list[str]:
    lines = textwrap.wrap(text or "", width=width, break_long_words=True) or [""]
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][: max(1, width - 1)].rstrip() + "…"
    return lines


def _rng(title_id):
    """A tiny deterministic number stream from the seed (no global random state)."""
    seed = _seed(title_id)
    i = 0
    while True:
        block = hashlib.sha256(seed + i.to_bytes(4, "big")).digest()
        for b in block:
            yield b / 255
        i += 1


def _scene(title_id, w: int, h: int, horizon: float, sun_x=(0.25, 0.75)) -> str:
    """Generated 'film still': a glowing sun or moon, stars, and three layers of ridges or
    skyline, darker towards the front. Everything placed by the seed."""
    pal = palette(title_id)
    r = _rng(title_id)
    hue = pal["hue"]
    out = []
    # stars
    for _ in range(int(18 + next(r) * 30)):
        x, y = next(r) * w, next(r) * h * horizon * 0.9
        out.append(f'<circle cx="{x:.0f}" cy="{y:.0f}" r="{0.6 + next(r) * 1.4:.1f}" fill="#fff" '
                   f'fill-opacity="{0.25 + next(r) * 0.5:.2f}"/>')
    # sun / moon with a glow
    sx, sy = w * (sun_x[0] + next(r) * (sun_x[1] - sun_x[0])), h * horizon * (0.35 + next(r) * 0.45)
    sr = min(w, h) * (0.07 + next(r) * 0.08)
    out.append(f'<circle cx="{sx:.0f}" cy="{sy:.0f}" r="{sr * 3.2:.0f}" fill="url(#glow)"/>')
    out.append(f'<circle cx="{sx:.0f}" cy="{sy:.0f}" r="{sr:.0f}" fill="hsl({(hue + 40) % 360}, 90%, 78%)" '
               f'fill-opacity="0.92"/>')
    # ridges (mountains) or a skyline, three layers
    city = next(r) < 0.35
    for layer in range(3):
        base = h * (horizon + layer * 0.09)
        light = 22 - layer * 7
        colour = f"hsl({(hue + 200 + layer * 10) % 360}, 40%, {light}%)"
        pts = [f"0,{h}"]
        x = 0.0
        if city:
            while x < w:
                bw = w * (0.03 + next(r) * 0.07)
                bh = h * (0.04 + next(r) * (0.22 - layer * 0.05))
                pts += [f"{x:.0f},{base - bh:.0f}", f"{x + bw:.0f},{base - bh:.0f}"]
                x += bw
        else:
            y = base - h * next(r) * 0.08
            step = w / (6 + layer * 3)
            while x <= w + step:
                pts.append(f"{x:.0f},{y:.0f}")
                x += step * (0.6 + next(r) * 0.8)
                y = base - h * (0.02 + next(r) * (0.16 - layer * 0.04))
        pts.append(f"{w},{h}")
        out.append(f'<polygon points="{" ".join(pts)}" fill="{colour}"/>')
    return "".join(out)


def _defs(title_id) -> str:
    pal = palette(title_id)
    return (f'<linearGradient id="sky" x1="0" y1="0" x2="0.3" y2="1">'
            f'<stop offset="0" stop-color="{pal["dark"]}"/><stop offset="0.55" stop-color="{pal["mid"]}"/>'
            f'<stop offset="1" stop-color="{pal["light"]}"/></linearGradient>'
            f'<radialGradient id="glow"><stop offset="0" stop-color="{pal["accent"]}" stop-opacity="0.75"/>'
            f'<stop offset="1" stop-color="{pal["accent"]}" stop-opacity="0"/></radialGradient>')


def poster_svg(*, title_id: int, title: str, year: int | None = None, genre: str = "") -> str:
    """A 300×450 poster: a generated scene, the title in big letters, year and genre."""
    w, h = 300, 450
    lines = _wrap(title, 13, 4)
    size = 40 if max(len(x) for x in lines) <= 10 else 32
    first_y = h - 70 - (len(lines) - 1) * (size + 4)
    text = "".join(
        f'<text x="22" y="{first_y + i * (size + 4)}" font-size="{size}" font-weight="800" fill="#fff" '
        f'letter-spacing="-0.5">{escape(line)}</text>'
        for i, line in enumerate(lines)
    )
    meta = " · ".join(str(x) for x in (year, genre) if x)
    label = escape(f"{title} ({year})" if year else title, {'"': "&quot;"})
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
        f'aria-label="{label}" font-family="{FONT}">'
        f'<defs>{_defs(title_id)}'
        f'<linearGradient id="shade" x1="0" y1="0" x2="0" y2="1"><stop offset="0.4" stop-color="#000" '
        f'stop-opacity="0"/><stop offset="1" stop-color="#000" stop-opacity="0.85"/></linearGradient></defs>'
        f'<rect width="{w}" height="{h}" fill="url(#sky)"/>{_scene(title_id, w, h, 0.5)}'
        f'<rect width="{w}" height="{h}" fill="url(#shade)"/>'
        f'<text x="20" y="44" font-size="30" font-weight="900" fill="#e50914">N</text>'
        f'{text}'
        f'<text x="22" y="{h - 30}" font-size="15" font-weight="600" fill="#fff" fill-opacity="0.8" '
        f'letter-spacing="1">{escape(meta.upper())}</text>'
        f'</svg>'
    )


def backdrop_svg(*, title_id: int) -> str:
    """A 1280×720 wide artwork for hero banners and the player (no text: the page overlays it)."""
    w, h = 1280, 720
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" '
        f'preserveAspectRatio="xMidYMid slice" aria-hidden="true">'
        f'<defs>{_defs(title_id)}</defs>'
        f'<rect width="{w}" height="{h}" fill="url(#sky)"/>{_scene(title_id, w, h, 0.62, sun_x=(0.55, 0.88))}'
        f'</svg>'
    )


def placeholder_svg() -> str:
    """What an unknown id gets: a neutral poster rather than a broken image."""
    return poster_svg(title_id=0, title="Netfloox", year=None, genre="")
