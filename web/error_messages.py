"""Error messages for people in the interface language.

The catalogue writes its errors in English (it knows nothing of requests or languages) and each carries
a stable machine `code` and HTTP status. What a person reads is decided here, at the edge: a heading
and a hint per status, and the catalogue's common messages said again in the chosen language through a
registry of patterns (a new translated message is one entry in MESSAGES, not an if in a view). A message
with no entry is shown as written, marked as English. Werkzeug's stock descriptions (an unknown URL, a
wrong method, a missing CSRF token) are replaced by our own translated sentences.
"""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

#: a heading per HTTP status, for error pages
TITLES = {
    400: _l("The request cannot be used"),
    401: _l("Sign in needed"),
    403: _l("Not allowed"),
    404: _l("Not found"),
    405: _l("Not allowed here"),
    406: _l("Format not available"),
    409: _l("Conflict"),
    413: _l("Too large"),
    429: _l("Too many requests"),
    500: _l("Something went wrong"),
    503: _l("Not available just now"),
}

#: what Werkzeug's (and Flask-WTF's) stock errors say, in our words: by status, used only when the
#: exception carries its class's default description
STOCK = {
    400: _l("The request is incomplete or malformed."),
    401: _l("Sign in, or send an API token, to use this."),
    403: _l("You may not do this."),
    404: _l("There is nothing at this address. It may have been removed, or the address is mistyped."),
    405: _l("This address does not take that method."),
    413: _l("The request is too large."),
    429: _l("Too many requests: wait a little and try again."),
    500: _l("An unexpected error occurred; it has been logged."),
}

#: the catalogue's and the site's common messages: (pattern over the English message, translation with the
#: pattern's named groups as placeholders)
MESSAGES: list[tuple[re.Pattern, object]] = [
    (re.compile(r"no dataset with id '(?P<id>[^']*)'"), _l("There is no dataset %(id)s.")),
    (re.compile(r"no member hospital '(?P<id>[^']*)'"), _l("There is no member hospital %(id)s.")),
    (
        re.compile(r"no definition '(?P<id>[^']*)' version '(?P<version>[^']*)'"),
        _l("There is no definition %(id)s version %(version)s."),
    ),
    (re.compile(r"no definition '(?P<id>[^']*)'"), _l("There is no definition %(id)s.")),
    (re.compile(r"no access request '(?P<id>[^']*)'"), _l("There is no access request %(id)s.")),
    (re.compile(r"no lineage node '(?P<id>[^']*)'"), _l("There is no lineage node %(id)s.")),
    (re.compile(r"no (?:harvest )?run '(?P<id>[^']*)'"), _l("There is no harvest run %(id)s.")),
    (re.compile(r"no API endpoint (?P<path>\S+)"), _l("There is no API endpoint %(path)s.")),
    (
        re.compile(r"compare takes (?P<low>\d+) to (?P<high>\d+) different datasets .*; got (?P<n>\d+)"),
        _l("Pick %(low)s to %(high)s different datasets to compare; %(n)s were given."),
    ),
    (
        re.compile(r"'(?P<field>purpose|project|irb)' is required: .*"),
        _l("%(field)s is required."),
    ),
    (
        re.compile(r"'(?P<field>\w+)': at most (?P<n>\d+) characters"),
        _l("%(field)s: at most %(n)s characters."),
    ),
    (re.compile(r"a (?P<step>\w+) needs a text.*"), _l("Write a message: this step needs one.")),
    (
        re.compile(r"the request is (?P<status>\w+): it cannot be \w+ now"),
        _l("The request is %(status)s; this step cannot be taken now."),
    ),
    (
        re.compile(r"the form expired.*"),
        _l("The form expired; reload the page and try again."),
    ),
    (
        re.compile(r"The CSRF (?:token|session token) (?:is missing|has expired|is invalid)\.?.*"),
        _l("The form expired; reload the page and try again."),
    ),
    (re.compile(r"The referrer .*"), _l("The form expired; reload the page and try again.")),
    (
        re.compile(r"(?P<id>[\w-]+) (?P<version>[\w.+-]+) is (?P<status>\w+); only \w+ versions can be \w+"),
        _l("%(id)s %(version)s is %(status)s: this step is not possible in that state."),
    ),
    (
        re.compile(r"(?P<who>\S+) is a (?P<role>\w+); this needs '(?P<permission>[^']+)'"),
        _l("Your role (%(role)s) does not allow this."),
    ),
    (
        re.compile(r"only stewards of (?P<hospital>\S+) decide on this request"),
        _l("Only stewards of %(hospital)s decide on this request."),
    ),
    (
        re.compile(r"the state database at (?P<where>\S+) cannot be used.*"),
        _l(
            "The database of accounts and the audit trail (%(where)s) cannot be reached just now; "
            "try again in a little while."
        ),
    ),
    (
        re.compile(r"too many attempts \((?P<rule>[^)]*)\); wait and try again"),
        _l("Too many attempts (%(rule)s); wait and try again."),
    ),
    # the definition form's field messages (catalog.definitions' schema)
    (re.compile(r"give a title in English or Korean"), _l("Give a title in English or Korean.")),
    (
        re.compile(r"give the element a name in English or Korean"),
        _l("Give the element a name in English or Korean."),
    ),
    (
        re.compile(r"a coded element needs its coding system"),
        _l("A coded element needs its coding system."),
    ),
    (
        re.compile(r"(?P<card>\S+) does not agree with required=(?:yes|no)"),
        _l("%(card)s does not agree with “Required”."),
    ),
    (
        re.compile(r"lower-case letters, digits and -, 2–63 long"),
        _l("Lower-case letters, digits and -, 2 to 63 characters."),
    ),
    (
        re.compile(r"lower-case letters, digits and _, starting with a letter.*"),
        _l(
            "Lower-case letters, digits and _, starting with a letter (the column name a dataset should use)."
        ),
    ),
    (re.compile(r"like 1\.0\.0"), _l("A version such as 1.0.0.")),
    (
        re.compile(r"a UCUM unit code such as .*"),
        _l("A UCUM unit code such as mm[Hg], mg/dL, kg/m2 or %%."),
    ),
    (
        re.compile(r"a definition needs at least one data element"),
        _l("A definition needs at least one data element."),
    ),
    (re.compile(r"'(?P<name>[^']+)' is used twice"), _l("%(name)s is used twice.")),
    (
        re.compile(r"parameter '(?P<field>\w+)': .*"),
        _l("The parameter %(field)s is not right."),
    ),
    # marshmallow's own messages (the schemas' fields and validators say these when no message is given)
    (re.compile(r"Missing data for required field\."), _l("This field is required.")),
    (re.compile(r"Field may not be null\."), _l("This field may not be empty.")),
    (re.compile(r"Unknown field\."), _l("This field is not one the form knows.")),
    (re.compile(r"Invalid (?:input )?(?:type|value|input)\."), _l("This value cannot be used here.")),
    (re.compile(r"Not a valid (?P<kind>[\w -]+)\."), _l("Not a valid %(kind)s.")),
    (
        re.compile(r"Length must be between (?P<low>\d+) and (?P<high>\d+)\."),
        _l("Use %(low)s to %(high)s characters (or items)."),
    ),
    (re.compile(r"Length must be (?P<n>\d+)\."), _l("Use exactly %(n)s characters (or items).")),
    (
        re.compile(r"Shorter than minimum length (?P<n>\d+)\."),
        _l("Use at least %(n)s characters (or items)."),
    ),
    (re.compile(r"Longer than maximum length (?P<n>\d+)\."), _l("Use at most %(n)s characters (or items).")),
    (re.compile(r"Must be one of: (?P<choices>.*)\."), _l("Use one of: %(choices)s.")),
    (
        re.compile(
            r"Must be greater than or equal to (?P<low>\S+) and less than or equal to (?P<high>\S+)\."
        ),
        _l("Use a number from %(low)s to %(high)s."),
    ),
    (re.compile(r"Must be greater than or equal to (?P<low>\S+)\."), _l("Use a number of %(low)s or more.")),
    (re.compile(r"Must be less than or equal to (?P<high>\S+)\."), _l("Use a number of %(high)s or less.")),
    (re.compile(r"Must be greater than (?P<low>\S+)\."), _l("Use a number above %(low)s.")),
    (re.compile(r"Must be less than (?P<high>\S+)\."), _l("Use a number below %(high)s.")),
    (re.compile(r"String does not match expected pattern\."), _l("This is not in the expected form.")),
    (re.compile(r"Number too large\."), _l("The number is too large.")),
    (
        re.compile(r"Special numeric values \(nan or infinity\) are not permitted\."),
        _l("Use a finite number."),
    ),
]

#: the kinds of value marshmallow names in "Not a valid …", for people
KINDS = {
    "string": _l("text"),
    "integer": _l("whole number"),
    "number": _l("number"),
    "boolean": _l("yes or no"),
    "list": _l("list"),
    "tuple": _l("list"),
    "mapping type": _l("group of fields"),
    "date": _l("date"),
    "datetime": _l("date and time"),
    "URL": _l("address (URL)"),
    "UUID": _l("UUID"),
    "email address": _l("e-mail address"),
}

#: field names people read in the translations above
FIELD_NAMES = {
    "purpose": _l("Purpose"),
    "project": _l("Project"),
    "irb": _l("IRB approval number"),
    "period": _l("Period wanted (e.g. 2019-2023)"),
    "body": _l("Message"),
}


def title(status: int) -> str:
    return str(TITLES.get(status) or TITLES[500 if status >= 500 else 400])


def stock(status: int) -> str | None:
    found = STOCK.get(status)
    return str(found) if found is not None else None


def translated(message) -> str | None:
    """The message in the interface language, or None when no entry knows it (it is shown as written)."""
    from hdcat.web.i18n import word

    text = str(message)
    for pattern, translation in MESSAGES:
        found = pattern.fullmatch(text)
        if found:
            values = dict(found.groupdict())
            if "field" in values and values["field"] in FIELD_NAMES:
                values["field"] = str(FIELD_NAMES[values["field"]])
            if "status" in values:
                values["status"] = word(values["status"])
            if "kind" in values:
                if values["kind"] not in KINDS:
                    continue  # a kind not named for people: the message as written, marked English
                values["kind"] = str(KINDS[values["kind"]])
            return str(translation) % values
    return None


def for_people(message, status: int | None = None, stock_text: bool = False) -> tuple[str, bool]:
    """(text, whether it is in the interface language). The catalogue writes English, so an English reader
    gets the message as written; a Korean reader gets its translation when MESSAGES (or, for Werkzeug's
    stock texts, STOCK) knows it, else the English marked as such. Messages the web layer wrote with
    lazy_gettext are already in the reader's language."""
    from flask_babel.speaklater import LazyString
    from hdcat.web.i18n import DEFAULT, lang

    if isinstance(message, LazyString) or lang() == DEFAULT:
        return str(message), True
    if stock_text and status is not None and stock(status) is not None:
        return stock(status), True
    found = translated(message)
    return (found, True) if found is not None else (str(message), False)
