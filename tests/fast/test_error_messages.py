"""Form and API messages that marshmallow writes (a schema's fields and validators, when no message of our
own is given) reach a Korean reader in Korean: each one the catalogue's schemas can produce is produced
here by marshmallow itself and read through web.error_messages. No services."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from marshmallow import Schema, ValidationError, fields, validate

HANGUL = re.compile(r"[\uac00-\ud7a3]")


class Everything(Schema):
    """One field per kind and validator the catalogue's schemas use (catalog/schemas.py, definitions.py)."""

    required = fields.String(required=True)
    nullable = fields.String(allow_none=False)
    text = fields.String()
    whole = fields.Integer()
    number = fields.Float()
    flag = fields.Boolean()
    items = fields.List(fields.String())
    mapping = fields.Dict()
    nested = fields.Nested(lambda: Inner())
    between = fields.String(validate=validate.Length(min=2, max=5))
    exactly = fields.String(validate=validate.Length(equal=3))
    at_least = fields.String(validate=validate.Length(min=4))
    at_most = fields.String(validate=validate.Length(max=2))
    choice = fields.String(validate=validate.OneOf(["ko", "en"]))
    in_range = fields.Integer(validate=validate.Range(min=1, max=10))
    low = fields.Integer(validate=validate.Range(min=1))
    high = fields.Integer(validate=validate.Range(max=10))
    above = fields.Integer(validate=validate.Range(min=1, min_inclusive=False))
    below = fields.Integer(validate=validate.Range(max=10, max_inclusive=False))
    pattern = fields.String(validate=validate.Regexp(r"^[a-z]+$"))
    finite = fields.Float(allow_nan=False)


class Inner(Schema):
    name = fields.String()


BAD = {
    "nullable": None,
    "text": 5,
    "whole": "x",
    "number": "x",
    "flag": "perhaps",
    "items": "not a list",
    "mapping": [1],
    "nested": 3,
    "between": "a",
    "exactly": "ab",
    "at_least": "ab",
    "at_most": "abc",
    "choice": "fr",
    "in_range": 11,
    "low": 0,
    "high": 11,
    "above": 1,
    "below": 10,
    "pattern": "ABC",
    "finite": "nan",
    "surprise": 1,
}


def _messages() -> dict[str, str]:
    with pytest.raises(ValidationError) as raised:
        Everything().load(BAD)
    found = {}
    for field, messages in raised.value.messages.items():
        found[field] = messages[0] if isinstance(messages, list) else next(iter(messages.values()))[0]
    return found


@pytest.fixture
def korean():
    from hdcat.web import i18n

    app = Flask(__name__)
    i18n.init_app(app)
    with app.test_request_context("/?lang=ko"):
        yield


def test_every_message_marshmallow_writes_for_our_schemas_reads_in_korean(korean):
    from hdcat.web.error_messages import for_people

    messages = _messages()
    assert set(messages) == set(BAD) | {"required"}  # every field above did produce its message
    for field, message in messages.items():
        text, in_language = for_people(message)
        assert in_language and HANGUL.search(text) and text != message, (field, message, text)
    # the numbers and choices in a message are kept
    assert "10" in for_people(messages["in_range"])[0] and "ko, en" in for_people(messages["choice"])[0]


def test_a_kind_no_one_named_stays_english_and_marked(korean):
    from hdcat.web.error_messages import for_people

    assert for_people("Not a valid IPv4 address.") == ("Not a valid IPv4 address.", False)


def test_the_english_interface_keeps_marshmallow_s_own_words():
    from hdcat.web import i18n
    from hdcat.web.error_messages import for_people

    app = Flask(__name__)
    i18n.init_app(app)
    with app.test_request_context("/?lang=en"):
        assert for_people("Missing data for required field.") == ("Missing data for required field.", True)
