"""The error summary macro of every form page: form-level errors, subforms, lists, CSRF."""

from __future__ import annotations

import re

import pytest
from flask import render_template_string
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import FieldList, Form, FormField, StringField
from wtforms.validators import DataRequired, Length

SUMMARY = '{% from "_forms.html" import error_summary %}{{ error_summary(form) }}'


class RowForm(Form):
    amount = StringField(_l("Amount (yuan)"),
                         validators=[DataRequired(_l("This field is required."))])
    name = StringField(_l("Or its name as printed"), validators=[Length(max=3)])


class ListForm(FlaskForm):
    class Meta:
        csrf = False

    name = StringField(_l("Quantity"), validators=[DataRequired(_l("This field is required."))])
    rows = FieldList(FormField(RowForm), _l("Charge"), min_entries=2)
    codes = FieldList(StringField("Code", validators=[Length(max=2)]), _l("Charge"),
                      min_entries=1)


def _items(html):
    return [re.sub(r"\s+", " ", item).strip() for item in re.findall(r"<li>(.*?)</li>", html, re.S)]


def _render(app, language, form_data, prepare=None, form_class=ListForm, **form_kwargs):
    with app.test_request_context(f"/?lang={language}", method="POST"):
        form = form_class(formdata=MultiDict(form_data), **form_kwargs)
        form.validate()
        if prepare:
            prepare(form)
        return render_template_string(SUMMARY, form=form)


def test_no_errors_no_summary(app):
    html = _render(app, "en", {"name": "1", "rows-0-amount": "1", "rows-1-amount": "2"})
    assert "error-summary" not in html


def test_nested_errors_are_one_linked_item_per_subfield(app):
    html = _render(app, "en", {"name": "", "rows-0-amount": "1", "rows-1-amount": "",
                               "rows-1-name": "toolong", "codes-0": "xyz"})
    assert _items(html) == [
        '<a href="#name">Quantity: This field is required.</a>',
        '<a href="#rows-1-amount">Charge 2 · Amount (yuan): This field is required.</a>',
        '<a href="#rows-1-name">Charge 2 · Or its name as printed: '
        'Field cannot be longer than 3 characters.</a>',
        '<a href="#codes-0">Charge 1: Field cannot be longer than 2 characters.</a>',
    ]
    assert "{" not in html and "[" not in html  # no raw dictionaries or lists


def test_labels_are_translated(app):
    html = _render(app, "zh", {"name": "1", "rows-0-amount": "1", "rows-1-amount": ""})
    assert _items(html) == ['<a href="#rows-1-amount">收费项目 2 · 金额（元）：此项为必填项。</a>']


def test_form_level_errors_are_plain_items(app):
    def rule_broken(form):
        form.form_errors.append("At least one energy price is needed.")
        form.form_errors.append("<b>escaped</b>")

    html = _render(app, "en", {"name": "", "rows-0-amount": "1", "rows-1-amount": "1"},
                   rule_broken)
    assert _items(html) == ["At least one energy price is needed.",
                            "&lt;b&gt;escaped&lt;/b&gt;",
                            '<a href="#name">Quantity: This field is required.</a>']


def test_only_form_level_errors_still_show_the_summary(app):
    def rule_broken(form):
        form.form_errors.append("Something about the whole form.")

    html = _render(app, "en", {"name": "1", "rows-0-amount": "1", "rows-1-amount": "1"},
                   rule_broken)
    assert "error-summary" in html and _items(html) == ["Something about the whole form."]


def test_errors_added_to_a_subfield_after_validation_are_listed(app):
    def rule_broken(form):
        form.rows[0].form.name.errors = ["Added by a service."]

    html = _render(app, "en", {"name": "1", "rows-0-amount": "1", "rows-1-amount": "1"},
                   rule_broken)
    assert _items(html) == [
        '<a href="#rows-0-name">Charge 1 · Or its name as printed: Added by a service.</a>']


class PrefixedForm(FlaskForm):
    text = StringField(_l("Quantity"), validators=[DataRequired(_l("This field is required."))])


@pytest.mark.parametrize("prefix", ["", "reply"])
def test_an_expired_form_says_so_in_words(app, prefix):
    html = _render(app, "en", {}, form_class=PrefixedForm, prefix=prefix)
    items = _items(html)
    assert items[0].startswith("This form has expired or was sent from another page.")
    assert items[1] == f'<a href="#{prefix + "-" if prefix else ""}text">Quantity: ' \
                       'This field is required.</a>'
