"""Rebuild docs/walkthrough.gif and docs/walkthrough.webm from the browser journeys.

    .venv/bin/python docs/tools/make_walkthrough.py [--frames DIR] [--no-run] [--seconds 2.5]
        [--gif-width 960] [--webm-width 1366] [--update-screenshots] [--out-dir docs]

1. Runs `pytest tests/browser` with NETFLOOX_WALKTHROUGH_DIR=DIR: the journeys (sign up →
   onboarding → home → a title → the player played to the end → the new picks and the "Because
   you watched" row → "I liked…" → the popularity estimator → the analytics dashboard → French)
   save each step there as `NN-step-name.png` (a 1366×850 viewport) with its caption in
   `NN-step-name.txt` (see `step()` in tests/browser/conftest.py). The tests must pass.
   Their usual screenshots go to a temporary folder unless --update-screenshots (then
   docs/screenshots/ is refreshed too). --no-run reuses the frames already in --frames DIR.
2. Calls ffmpeg: each frame is scaled, gets a caption band (DejaVu Sans from /usr/share/fonts,
   or the first TrueType font there; no font → no captions) and the step number, and is held
   --seconds. The GIF uses one palette per frame (palettegen/paletteuse); the WebM is VP9.

Needs Debian's Chromium (as the browser tests do) and ffmpeg with libfreetype and libvpx.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FONT_CANDIDATES = ["dejavu/DejaVuSans.ttf", "truetype/dejavu/DejaVuSans.ttf"]
BACKGROUND = "0x141414"
ACCENT = "0xE50914"


def find_font() -> Path | None:
    root = Path("/usr/share/fonts")
    for rel in FONT_CANDIDATES:
        if (root / rel).exists():
            return root / rel
    found = sorted(root.rglob("*.ttf")) if root.exists() else []
    return found[0] if found else None


def run_journeys(frames: Path, screenshots: Path | None) -> None:
    env = dict(os.environ, NETFLOOX_WALKTHROUGH_DIR=str(frames))
    if screenshots is not None:
        env["NETFLOOX_SCREENSHOT_DIR"] = str(screenshots)
    cmd = [sys.executable, "-m", "pytest", "tests/browser", "-q", "-p", "no:cacheprovider"]
    print(f"$ NETFLOOX_WALKTHROUGH_DIR={frames} python {' '.join(cmd[1:])}", flush=True)
    if subprocess.run(cmd, cwd=REPO, env=env).returncode != 0:
        sys.exit("the browser journeys failed: no walkthrough built")


def _filter_path(path: Path) -> str:
    """A path as a quoted value inside an ffmpeg filter graph."""
    return "'" + str(path).replace("\\", "\\\\").replace("'", r"'\''").replace(":", r"\:") + "'"


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", *args], check=True)


def render_frames(pngs: list[Path], out: Path, width: int, font: Path | None) -> None:
    """out/001.png… : each screenshot scaled to `width` with its caption in a band below it."""
    out.mkdir(parents=True, exist_ok=True)
    band = round(width / 15) // 2 * 2  # 64 px at 960 wide; even, for yuv420p
    for i, png in enumerate(pngs, start=1):
        caption = png.with_suffix(".txt")
        chain = [f"scale={width}:-2:flags=lanczos"]
        if font is not None:
            text = caption.read_text(encoding="utf-8").strip() if caption.exists() else png.stem[3:]
            size = min(round(band * 0.36), int((width - 2.6 * band) / (0.58 * max(len(text), 1))))
            fitted = out / f"{i:03d}.txt"
            fitted.write_text(text, encoding="utf-8")
            font_arg = _filter_path(font)
            chain += [
                f"pad=iw:ih+{band}:0:0:color={BACKGROUND}",
                f"drawbox=x=0:y=ih-{band}:w={max(4, band // 12)}:h={band}:color={ACCENT}:t=fill",
                f"drawtext=fontfile={font_arg}:textfile={_filter_path(fitted)}:expansion=none:fontcolor=white:"
                f"fontsize={size}:x={band // 3}:y=h-{band}+({band}-th)/2",
                f"drawtext=fontfile={font_arg}:text='{i} / {len(pngs)}':expansion=none:fontcolor=0x9a9a9a:"
                f"fontsize={round(band * 0.3)}:x=w-tw-{band // 3}:y=h-{band}+({band}-th)/2",
            ]
        _ffmpeg("-i", str(png), "-vf", ",".join(chain), str(out / f"{i:03d}.png"))


def make_gif(frames: Path, seconds: float, target: Path) -> None:
    _ffmpeg("-framerate", f"1/{seconds}", "-i", str(frames / "%03d.png"),
            "-lavfi", "split[a][b];[a]palettegen=stats_mode=single:reserve_transparent=0[p];"
                      "[b][p]paletteuse=new=1:dither=bayer:bayer_scale=4",
            "-loop", "0", str(target))


def make_webm(frames: Path, seconds: float, target: Path) -> None:
    _ffmpeg("-framerate", f"1/{seconds}", "-i", str(frames / "%03d.png"),
            "-vf", "fps=4,format=yuv420p", "-c:v", "libvpx-vp9", "-crf", "32", "-b:v", "0",
            "-deadline", "good", "-cpu-used", "4", "-row-mt", "1", "-g", str(max(1, round(4 * seconds))),
            "-an", str(target))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--frames", type=Path,
                        help="where the journeys save their numbered frames (default: a temporary folder)")
    parser.add_argument("--no-run", action="store_true", help="reuse the frames already in --frames")
    parser.add_argument("--seconds", type=float, default=2.5, help="how long each step is shown")
    parser.add_argument("--gif-width", type=int, default=960)
    parser.add_argument("--webm-width", type=int, default=1366)
    parser.add_argument("--update-screenshots", action="store_true",
                        help="let the journeys refresh docs/screenshots/ too")
    parser.add_argument("--out-dir", type=Path, default=REPO / "docs")
    args = parser.parse_args(argv)
    if shutil.which("ffmpeg") is None:
        sys.exit("ffmpeg is not installed (apt-get install ffmpeg)")
    if args.no_run and args.frames is None:
        parser.error("--no-run needs --frames DIR")

    with tempfile.TemporaryDirectory(prefix="walkthrough-") as tmp:
        tmp = Path(tmp)
        frames = args.frames or tmp / "frames"
        if not args.no_run:
            if frames.exists():
                for old in list(frames.glob("[0-9][0-9]-*.png")) + list(frames.glob("[0-9][0-9]-*.txt")):
                    old.unlink()
            run_journeys(frames, REPO / "docs" / "screenshots" if args.update_screenshots else tmp / "screenshots")
        pngs = sorted(frames.glob("[0-9][0-9]-*.png"))
        if not pngs:
            sys.exit(f"no frames in {frames}: were the browser tests skipped (Chromium, playwright)?")
        font = find_font()
        if font is None:
            print("no TrueType font under /usr/share/fonts: frames without captions", file=sys.stderr)
        args.out_dir.mkdir(parents=True, exist_ok=True)
        gif, webm = args.out_dir / "walkthrough.gif", args.out_dir / "walkthrough.webm"
        render_frames(pngs, tmp / "gif", args.gif_width, font)
        make_gif(tmp / "gif", args.seconds, gif)
        render_frames(pngs, tmp / "webm", args.webm_width, font)
        make_webm(tmp / "webm", args.seconds, webm)
    for path in (gif, webm):
        print(f"{path.relative_to(REPO) if path.is_relative_to(REPO) else path}: "
              f"{len(pngs)} steps × {args.seconds:g} s, {path.stat().st_size / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
