"""cnnlib.display: the Table every chapter shows."""
import pytest

from cnnlib.display import Table


def test_table_renders_and_checks_columns():
    t = Table([{"a": 1234, "b": 0.5, "c": "x"}, {"a": 7, "b": 2.25, "c": "y"}],
                   formats={"b": ".1f"}, caption="cap")
    assert t.column("a") == [1234, 7]
    text = str(t)
    assert "1,234" in text and "0.5" in text and text.startswith("cap")
    html = t._repr_html_()
    assert html.count("<tr>") == 3 and "<caption>cap</caption>" in html
    with pytest.raises(KeyError, match="no column"):
        t.column("z")
    with pytest.raises(ValueError, match="columns"):
        Table([{"a": 1}, {"b": 2}])
    with pytest.raises(ValueError, match="at least one row"):
        Table([])
