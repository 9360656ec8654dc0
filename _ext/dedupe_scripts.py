"""Sphinx extension (dedupe_scripts): drop duplicate inline ``<script>`` blocks from every page.

sphinx-thebe 0.3.1 registers its configuration as an inline script with ``app.add_js_file(None,
body=...)`` after the HTML builder exists; Sphinx 7.4 then keeps it twice (once from the
registry, once on the builder) and, unlike files, does not de-duplicate inline bodies. Every
page declared ``const THEBE_JS_URL`` twice and the browser logged "Identifier 'THEBE_JS_URL'
has already been declared" (found by the browser test in tests/test_site.py).
"""
from __future__ import annotations


def _dedupe_scripts(app, pagename, templatename, context, doctree) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        # Inline scripts come with filename None or "" (both mean "no file"): compare bodies.
        key = (str(getattr(script, "filename", script) or ""),
               tuple(sorted(getattr(script, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    scripts[:] = unique


def setup(app):
    # Late (999), after the theme and extensions have added their scripts to the page.
    app.connect("html-page-context", _dedupe_scripts, priority=999)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
