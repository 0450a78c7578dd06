"""The app's page is filled from its files with every value escaped for where it lands."""

from __future__ import annotations

import pytest

from islandcare.app.page import WEB_DIR, Html, fill

HOSTILE = "</script><img src=x onerror=alert(1)> \"'&"


def test_text_fields_are_html_escaped_and_json_fields_are_script_safe():
    out = fill("<h1 title=\"{{ t|text }}\">{{ t|text }}</h1><script>var c = {{ c|json }};</script>",
               t=HOSTILE, c={"name": HOSTILE})
    assert "<img" not in out and "</script><img" not in out
    assert out.count("&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt; &quot;&#x27;&amp;") == 2
    script = out.split("<script>", 1)[1]
    assert script.count("</script>") == 1  # only the element's own end tag
    assert "\\u003c/script\\u003e" in script


def test_markup_fields_take_only_html_fragments():
    assert fill("<p>{{ x|markup }}</p>", x=Html("<b>a</b>")) == "<p><b>a</b></p>"
    with pytest.raises(TypeError, match="Html"):
        fill("<p>{{ x|markup }}</p>", x="<b>a</b>")


def test_every_field_needs_a_value_and_every_value_a_field():
    with pytest.raises(KeyError, match="'x'"):
        fill("{{ x|text }}")
    with pytest.raises(KeyError, match="y"):
        fill("{{ x|text }}", x=1, y=2)
    with pytest.raises(ValueError, match="raw"):
        fill("{{ x|raw }}", x=1)


def test_the_page_files_ship_beside_the_module():
    assert {"panel.html", "page.css", "page.js"} <= {p.name for p in WEB_DIR.iterdir()}
    panel = (WEB_DIR / "panel.html").read_text("utf-8")
    assert "{{ title|text }}" in panel and "{{ config|json }}" in panel


def test_the_app_is_built_by_the_run_of_the_area(monkeypatch):
    import islandcare.pipeline as pipeline
    from islandcare.app import App

    calls = []
    real = pipeline.run_area

    def spy(area, **kwargs):
        calls.append((area, kwargs))
        run = real(area, **kwargs)
        calls.append(run)
        return run

    monkeypatch.setattr(pipeline, "run_area", spy)
    app = App.build("shengsi", lang="en")
    assert [c[0] for c in calls[:1]] == ["shengsi"] and calls[0][1]["lang"] == "en"
    run = calls[1]
    assert app.area is run.area and app.checker.area is run.area
    assert app.underserved == run.summary["villages"]["underserved"] + run.summary["township_seats"]["underserved"]


def test_serve_draws_the_page_in_the_language_asked(monkeypatch):
    from islandcare.app import App
    from islandcare.cli import main
    from islandcare.errors import InputError

    seen = {}

    def build(cls, key, step=None, lang=None):
        seen.update(key=key, lang=lang)
        raise InputError("stop before serving")

    monkeypatch.setattr(App, "build", classmethod(build))
    assert main(["serve", "--area", "shengsi", "--lang", "en", "--port", "0"]) == 1
    assert seen == {"key": "shengsi", "lang": "en"}
