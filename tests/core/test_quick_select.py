"""QuickSelect renders the same <select> as Django's Select, escaping included."""

from __future__ import annotations

from html.parser import HTMLParser

from django import forms

from escalade.core.forms import QuickSelect


class _Options(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.select: dict[str, str | None] = {}
        self.options: list[tuple[str, bool, str]] = []
        self._current: tuple[str, bool] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "select":
            self.select = dict(attrs)
        if tag == "option":
            values = dict(attrs)
            self._current = (values.get("value") or "", "selected" in values)

    def handle_data(self, data: str) -> None:
        if self._current is not None and data.strip():
            self.options.append((*self._current, data.strip()))
            self._current = None


def _parsed(widget: forms.Select, value: object) -> _Options:
    widget.choices = [("", "—"), ("1", "Dupont & fils <SA>"), ("2", 'Le "Bon" coin'), ("3", "Élodie")]
    parser = _Options()
    parser.feed(str(widget.render("assignee", value, attrs={"id": "id_assignee", "required": True})))
    return parser


def test_quick_select_renders_what_django_renders():
    for value in (None, "2", 3):
        quick, django = _parsed(QuickSelect(), value), _parsed(forms.Select(), value)
        assert quick.options == django.options
        assert quick.select == django.select


def test_labels_are_escaped():
    widget = QuickSelect(choices=[("x", "<script>alert(1)</script>")])
    html = str(widget.render("field", None))
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
