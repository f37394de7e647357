"""`manage.py analytics_report`: static HTML charts that work offline, PNGs, and a summary for slides."""
import pytest
from django.core.management import CommandError, call_command

from analytics import kpis


def test_report_writes_offline_html_and_summary(catalog, tmp_path):
    out = tmp_path / "report"
    call_command("analytics_report", "--out", str(out), "--no-png")
    charts = [c for k in kpis.KPIS.values() for c in k.charts]
    for chart in charts:
        html = (out / f"{chart}.html").read_text()
        assert 'src="plotly.min.js"' in html and "cdn.plot.ly" not in html
    assert (out / "plotly.min.js").stat().st_size > 1_000_000
    summary = (out / "summary.md").read_text()
    assert "Alice is the most present actor with 4 titles (1960–2018); the top 5 were busiest in the 2010s" in summary
    assert "- m (votes): 1000" in summary
    assert "PNG images skipped: not requested (--no-png)." in summary
    assert (out / "index.html").exists()


def test_report_rejects_bad_filters(db, tmp_path):
    with pytest.raises(CommandError, match="year_max"):
        call_command("analytics_report", "--out", str(tmp_path), "--year-min", "2000", "--year-max", "1990")


@pytest.mark.browser
def test_report_renders_png_images_with_chromium(catalog, tmp_path):
    out = tmp_path / "report"
    call_command("analytics_report", "--out", str(out))
    png = (out / "size.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5_000
    assert "![Catalog size](size.png)" in (out / "summary.md").read_text()
