"""Render a Mermaid diagram to SVG and PNG offline, with a local mermaid.min.js and headless Chromium.

    python docs/tools/render_diagram.py PATH/TO/mermaid.min.js docs/architecture.mmd
        [--svg docs/architecture.svg] [--png docs/architecture.png] [--width 1800] [--scale 2] [--colors 256]

Nothing is downloaded: get `mermaid.min.js` from the npm package once, outside the repository
(`cd /tmp/mmd && npm install mermaid` → `/tmp/mmd/node_modules/mermaid/dist/mermaid.min.js`).
Chromium is Debian's (`/usr/bin/chromium`, or `NETFLOOX_CHROMIUM`), driven by the `playwright`
package from the project's dev requirements. The page may load nothing but the script given:
every other request is aborted, so a diagram that would fetch a font or an image fails loudly.

Labels are drawn as SVG text (`htmlLabels: false`), not HTML inside `<foreignObject>`, one text
run per line and on a white background, so the SVG also displays outside browsers (checked with
librsvg) and on dark pages.
"""
import argparse
import os
import re
import shutil
import sys
from pathlib import Path

CHROMIUM = os.environ.get("NETFLOOX_CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
CONFIG = {
    "startOnLoad": False,
    "theme": "default",
    "securityLevel": "strict",
    "htmlLabels": False,
    "flowchart": {"htmlLabels": False, "useMaxWidth": False, "wrappingWidth": 420, "curve": "basis",
                  "nodeSpacing": 40, "rankSpacing": 70},
    "sequence": {"useMaxWidth": False},
    "fontFamily": "DejaVu Sans, Verdana, Arial, sans-serif",
}


def render(mermaid_js: Path, source: str, *, width: int, scale: float) -> tuple[str, bytes]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": 1000}, device_scale_factor=scale)
            page.route("**/*", lambda route: route.abort())  # offline: the inline page needs nothing
            page.set_content("<!doctype html><html><body style='margin:0;background:#fff'>"
                             "<div id='out' style='display:inline-block;padding:16px'></div></body></html>")
            page.add_script_tag(content=mermaid_js.read_text(encoding="utf-8"))
            svg = page.evaluate(
                """async ([src, cfg]) => {
                    mermaid.initialize(cfg);
                    const {svg} = await mermaid.render('diagram', src);
                    document.getElementById('out').innerHTML = svg;
                    return svg;
                }""",
                [source, CONFIG],
            )
            png = page.locator("#out").screenshot(type="png")
        finally:
            browser.close()
    return svg, png


INNER_TSPAN = '<tspan font-style="normal" class="text-inner-tspan" font-weight="normal">'


def portable(svg: str) -> str:
    """Make Mermaid's SVG display the same outside browsers (librsvg, Inkscape):

    * one text run per line: Mermaid writes each word as its own <tspan> (" sources"), and
      renderers that trim a tspan's leading space glue the words together ("Outsidesources");
    * a white background: Mermaid's SVG is transparent, unreadable on a dark page.
    """
    svg = svg.replace("</tspan>" + INNER_TSPAN, "")
    return with_white_background(svg)


def with_white_background(svg: str) -> str:
    """Paint the viewBox white: Mermaid's SVG is transparent, unreadable on a dark page."""
    m = re.search(r'viewBox="([-\d.]+) ([-\d.]+) ([\d.]+) ([\d.]+)"', svg)
    if not m:
        return svg
    x, y, w, h = m.groups()
    rect = f'<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="#ffffff"/>'
    end = svg.find("</style>")
    at = end + len("</style>") if end != -1 else svg.find(">") + 1
    return svg[:at] + rect + svg[at:]


def quantized(png: bytes, colors: int) -> bytes:
    """A palette PNG (≈ 3× smaller for a diagram, text stays sharp); the RGB one without Pillow."""
    if not colors:
        return png
    try:
        from PIL import Image
    except ImportError:
        return png
    import io

    out = io.BytesIO()
    Image.open(io.BytesIO(png)).convert("RGB").quantize(colors).save(out, format="PNG", optimize=True)
    return out.getvalue()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mermaid_js", type=Path, help="path to mermaid.min.js (from the npm package)")
    ap.add_argument("source", type=Path, help="the .mmd file")
    ap.add_argument("--svg", type=Path, help="output SVG (default: the source with .svg)")
    ap.add_argument("--png", type=Path, help="output PNG (default: the source with .png)")
    ap.add_argument("--width", type=int, default=1800, help="viewport width in CSS pixels (default 1800)")
    ap.add_argument("--scale", type=float, default=2.0, help="PNG device scale factor (default 2)")
    ap.add_argument("--colors", type=int, default=256,
                    help="quantize the PNG to this many colours when Pillow is installed (0: keep RGB; default 256)")
    a = ap.parse_args(argv)
    if not a.mermaid_js.is_file():
        ap.error(f"{a.mermaid_js}: no such file (npm install mermaid, then pass node_modules/mermaid/dist/mermaid.min.js)")
    if not Path(CHROMIUM).exists():
        ap.error(f"Chromium not found at {CHROMIUM} (apt-get install chromium, or set NETFLOOX_CHROMIUM)")
    svg, png = render(a.mermaid_js, a.source.read_text(encoding="utf-8"), width=a.width, scale=a.scale)
    svg_path = a.svg or a.source.with_suffix(".svg")
    png_path = a.png or a.source.with_suffix(".png")
    if not svg.lstrip().startswith("<svg"):
        print(f"mermaid returned no SVG:\n{svg[:500]}", file=sys.stderr)
        return 1
    svg = portable(svg)
    svg_path.write_text('<?xml version="1.0" encoding="UTF-8"?>\n' + svg + "\n", encoding="utf-8")
    png = quantized(png, a.colors)
    png_path.write_bytes(png)
    print(f"wrote {svg_path} ({len(svg):,} characters) and {png_path} ({len(png):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
