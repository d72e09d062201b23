"""Walk the guided interview the way a person with a given profile would (shared by the interview tests)."""

from __future__ import annotations

import re
from typing import Any

STEP_FIELDS = re.compile(r'<div class="q[^"]*" id="f-\w+"\s+data-field="(\w+)"')


def step_fields(html: str) -> list[str]:
    """The questions of the step on this page (not the credit-code facts box)."""
    start = html.index('<div id="step-questions">')
    return STEP_FIELDS.findall(html[start:html.index("</div>\n  <p class=\"step-buttons\">", start)])


def as_answer(value: Any) -> str:
    """A profile value as the form posts it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def walk(client, profile: dict[str, Any], as_of: str = "2026-06-01", stop=None, limit: int = 40) -> dict:
    """Answer every step from `profile` (不清楚 for what it lacks) until the result; what happened on the way."""
    html = client.get(f"/interview?as_of={as_of}").get_data(as_text=True)
    asked: list[str] = []
    given: list[str] = []
    answers: dict[str, str] = {}
    for step in range(limit):
        fids = step_fields(html)
        data = {"step": str(step), "action": "next"}
        for fid in fids:
            asked.append(fid)
            if fid in profile:
                data["q_" + fid] = answers[fid] = as_answer(profile[fid])
                given.append(fid)
            else:
                data["dk_" + fid] = "1"
                answers[fid] = ""
        if stop is not None and stop(answers):
            data["action"] = "finish"
        response = client.post("/interview", data=data)
        assert response.status_code == 302, response.get_data(as_text=True)[:3000]
        location = response.headers["Location"]
        if "/a/" in location:
            return {"asked": asked, "given": given, "result": location, "steps": step + 1}
        html = client.get(location).get_data(as_text=True)
    raise AssertionError(f"no result after {limit} steps")
