"""docs/scientists.md's config reference is generated from the schema and kept in sync."""

from __future__ import annotations

import difflib

from wavecast.configdocs import BEGIN, DOC_PATH, END, render_reference, updated_document


def test_config_reference_in_docs_is_in_sync():
    text = DOC_PATH.read_text(encoding="utf-8")
    assert BEGIN in text and END in text
    want = updated_document(text, render_reference())
    diff = "".join(
        difflib.unified_diff(
            text.splitlines(True), want.splitlines(True), "docs/scientists.md", "generated"
        )
    )
    assert not diff, f"{diff}\nRegenerate: python -m wavecast.configdocs"


def test_reference_lists_nested_and_list_keys():
    ref = render_reference()
    assert "| `cyclone.track[].lat` |" in ref
    assert "| `bathymetry.idealised.coast_side` |" in ref
    assert "`west` / `east` / `north` / `south`" in ref
