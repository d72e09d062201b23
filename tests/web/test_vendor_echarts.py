"""The vendored ECharts is the file its README names (sha256), with its licence, and the CSP still allows no inline
script or other origin."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from checker.web.security import CSP

VENDOR = Path(__file__).resolve().parents[2] / "checker" / "web" / "static" / "vendor" / "echarts"


def test_the_vendored_build_matches_the_recorded_sum_and_keeps_its_licence():
    recorded = re.search(r"`echarts.min.js`.*?sha256: `([0-9a-f]{64})`", (VENDOR / "README.md").read_text(), re.S)
    assert recorded and hashlib.sha256((VENDOR / "echarts.min.js").read_bytes()).hexdigest() == recorded.group(1)
    assert "Apache License" in (VENDOR / "LICENSE").read_text() and (VENDOR / "NOTICE").exists()
    assert "script-src 'self';" in CSP and "unsafe" not in CSP
