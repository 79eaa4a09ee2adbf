"""docs/scientists.md's config reference is generated from the schema and kept in sync."""

from __future__ import annotations

import difflib

from wavecast.config import load_schema
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


#: What a property's schema may say (JSON Schema 2020-12 keywords the config schema uses).
KEYWORDS = {
    "type", "description", "default", "enum", "format", "pattern", "minimum", "maximum",
    "exclusiveMinimum", "exclusiveMaximum", "minItems", "maxItems", "items", "properties",
    "required", "additionalProperties", "uniqueItems", "const", "examples",
    "x-pattern-fix",  # wavecast's own: the fix a pattern error gives, in words
}  # fmt: skip


def _property_schemas(node):
    if isinstance(node, dict):
        yield from (node.get("properties") or {}).items()
        for value in node.values():
            yield from _property_schemas(value)
    elif isinstance(node, list):
        for value in node:
            yield from _property_schemas(value)


def test_every_property_schema_uses_known_keywords_only():
    """An unquoted comma in a flow-mapping description (`{description: Time (ISO 8601, UTC).}`)
    splits it into a cut-off description and a stray key; the docs then print half a sentence."""
    schema = load_schema()
    stray = {
        (name, key) for name, sub in _property_schemas(schema) for key in sub if key not in KEYWORDS
    }
    assert not stray, stray
