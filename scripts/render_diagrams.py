"""Render every diagram of processes/ to PNG with bpmn-js in headless Chromium (a visual layout check); a
collapsed sub-process's own diagram (what a drill-down shows) as `<file>.<sub-process id>.png`.

Usage: .venv/bin/python scripts/render_diagrams.py OUT_DIR   (needs node_modules/bpmn-js and /usr/bin/chromium)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VIEWER = ROOT / "node_modules" / "bpmn-js" / "dist" / "bpmn-viewer.production.min.js"
PAGE = """<!doctype html><html><head><meta charset="utf-8">
<link rel="stylesheet" href="file://{assets}/diagram-js.css"><link rel="stylesheet" href="file://{assets}/bpmn-js.css">
<script src="file://{viewer}"></script></head>
<body style="margin:0"><div id="c" style="width:{w}px;height:{h}px"></div><script>
const v = new BpmnJS({{container: '#c'}});
v.importXML({xml}).then(r => {{ window.warnings = r.warnings.map(w => w.message);
  const canvas = v.get('canvas'); canvas.zoom('fit-viewport');
  window.planes = canvas.getRootElements().map(root => root.id).filter(id => id.endsWith('_plane'));
  window.showPlane = id => {{ canvas.setRootElement(canvas.findRoot(id)); canvas.zoom('fit-viewport'); }};
  window.done = true; }})
 .catch(e => {{ window.warnings = ['ERROR ' + e.message]; window.done = true; }});
</script></body></html>"""


def render(out: Path, width: int = 3200, height: int = 1800) -> dict[str, list[str]]:
    """Write one PNG per .bpmn file; return the import warnings of each."""
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    warnings: dict[str, list[str]] = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--allow-file-access-from-files",
            ],
        )
        page = browser.new_page(viewport={"width": width, "height": height})
        for path in sorted((ROOT / "processes").glob("*.bpmn")):
            html = out / f"{path.stem}.html"
            html.write_text(
                PAGE.format(
                    assets=VIEWER.parent / "assets", viewer=VIEWER, w=width, h=height, xml=json.dumps(path.read_text())
                )
            )
            page.goto(f"file://{html}")
            page.wait_for_function("window.done === true")
            warnings[path.name] = page.evaluate("window.warnings")
            page.screenshot(path=str(out / f"{path.stem}.png"))
            for plane in page.evaluate("window.planes || []"):
                page.evaluate(f"window.showPlane({json.dumps(plane)})")
                page.screenshot(path=str(out / f"{path.stem}.{plane.removesuffix('_plane')}.png"))
        browser.close()
    return warnings


if __name__ == "__main__":
    result = render(Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/closeloop-diagrams"))
    for name, items in result.items():
        print(name, "ok" if not items else items)
