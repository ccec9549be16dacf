"""rdflib's Turtle and JSON-LD writers, made to write every literal lexically as it is.

rdflib's Turtle writer abbreviates numbers and booleans by their value (`"1.0E3"^^xsd:double` became
`1e+03`, `"1"^^xsd:boolean` became `1`, an integer in Turtle), and its JSON-LD writer, under a context,
writes integers, doubles and booleans as JSON numbers and booleans, which a reader turns back into
canonical forms (`"007"^^xsd:integer` read back as `"7"`). Both write `"x"^^xsd:string` with its datatype.
The writers here abbreviate only when the lexical form is exactly what the abbreviation reads back as,
and write simple literals plainly (and the JSON-LD writer keeps blank nodes rdflib's drops).
They replace rdflib's under the same names (`turtle`, `json-ld`), so
every Turtle and JSON-LD hdcat writes, whatever module writes it, follows the rule.
"""

from __future__ import annotations

import json
import re

import rdflib.plugin
from hdcat.ontology.lexical import plain
from rdflib import BNode, Graph, Literal
from rdflib.namespace import XSD
from rdflib.plugins.serializers import jsonld
from rdflib.plugins.serializers.turtle import TurtleSerializer
from rdflib.plugins.shared.jsonld.context import Context
from rdflib.serializer import Serializer

#: Turtle's own tokens for numbers and booleans (Turtle 1.1 §6.5): a literal whose lexical form is one of
#: them may be written bare, because a parser reads the token back as the same lexical form and datatype.
#: Integers and decimals only without a sign, leading zeros or a bare leading point: rdflib's own Turtle
#: reader turns `007` into "7" and `+1.50` into "1.50", against the grammar; those stay quoted.
_TURTLE_BARE = {
    XSD.integer: re.compile(r"0|-?[1-9]\d*"),
    XSD.decimal: re.compile(r"-?(?:0|[1-9]\d*)\.\d+"),
    XSD.double: re.compile(r"[+-]?(?:\d+\.\d*[eE][+-]?\d+|\.\d+[eE][+-]?\d+|\d+[eE][+-]?\d+)"),
    XSD.boolean: re.compile(r"true|false"),
}
#: JSON-LD's native values read back (JSON-LD 1.1 API, "Object to RDF") as these canonical forms only.
_JSON_NATIVE = {
    XSD.integer: re.compile(r"-?(?:0|[1-9]\d{0,14})"),
    XSD.boolean: re.compile(r"true|false"),
}


def turtle_literal(term: Literal, qname=None) -> str:
    """`term` in Turtle: bare when its lexical form is a Turtle number or boolean token of its datatype,
    else quoted with its language or datatype; a simple literal without `^^xsd:string`."""
    term = plain(term)
    bare = _TURTLE_BARE.get(term.datatype)
    if bare is not None and bare.fullmatch(str(term)):
        return str(term)
    return term._literal_n3(use_plain=False, qname_callback=qname)


class LexicalTurtleSerializer(TurtleSerializer):
    """rdflib's Turtle writer with `turtle_literal` for every literal."""

    def label(self, node, position):
        if isinstance(node, Literal):
            return turtle_literal(node, lambda dt: self.get_pname(dt, True))
        return super().label(node, position)


class _LexicalConverter(jsonld.Converter):
    """rdflib's graph-to-JSON-LD conversion, with literals kept lexically (see the module's docstring)."""

    def from_graph(self, graph):
        """Every subject as a node object. rdflib's leaves out a blank node that another node refers to
        through a term typed `@id` (the context's `temporal`, `contactPoint`…), so a dataset's period
        and contact point were lost from JSON-LD."""
        nodemap: dict = {}
        for s in sorted(set(graph.subjects()), key=lambda n: (isinstance(n, BNode), str(n))):
            self.process_subject(graph, s, nodemap)
        return list(nodemap.values())

    def to_raw_value(self, graph, s, o, nodemap):
        if not isinstance(o, Literal):
            return super().to_raw_value(graph, s, o, nodemap)
        o = plain(o)
        context = self.context
        native = _JSON_NATIVE.get(o.datatype)
        if native is not None and native.fullmatch(str(o)) and context.active:
            return o.toPython()
        if o.datatype:
            return {context.type_key: context.to_symbol(o.datatype), context.value_key: str(o)}
        if o.language and o.language != context.language:
            return {context.lang_key: o.language, context.value_key: str(o)}
        if not context.active or (context.language and not o.language):
            return {context.value_key: str(o)}
        return str(o)


class LexicalJsonLdSerializer(Serializer):
    """rdflib's JSON-LD writer (the same options: context, auto_compact, indent) with `_LexicalConverter`."""

    def serialize(self, stream, base=None, encoding=None, **kwargs):
        context_data = kwargs.get("context")
        if not context_data and kwargs.get("auto_compact"):
            context_data = {
                pfx: str(ns)
                for pfx, ns in self.store.namespaces()
                if pfx and str(ns) != "http://www.w3.org/XML/1998/namespace"
            }
        context = context_data if isinstance(context_data, Context) else Context(context_data, base=base)
        graph = self.store
        if any(o.datatype == XSD.string for o in graph.objects() if isinstance(o, Literal)):
            graph = Graph(namespace_manager=graph.namespace_manager)  # terms are found by datatype too
            graph += ((s, p, plain(o)) for s, p, o in self.store)
        converter = _LexicalConverter(
            context, kwargs.get("use_native_types", False), kwargs.get("use_rdf_type", False)
        )
        result = converter.convert(graph)
        if converter.context.active:
            if isinstance(result, list):
                result = {context.get_key(jsonld.GRAPH): result}
            result[jsonld.CONTEXT] = context.to_dict() if isinstance(context_data, Context) else context_data
        text = json.dumps(
            result,
            indent=kwargs.get("indent", 2),
            separators=kwargs.get("separators", (",", ": ")),
            sort_keys=kwargs.get("sort_keys", True),
            ensure_ascii=kwargs.get("ensure_ascii", False),
        )
        stream.write(text.encode(encoding or "utf-8", "replace"))


for _name in ("turtle", "ttl", "text/turtle"):
    rdflib.plugin.register(_name, Serializer, "hdcat.ontology.writers", "LexicalTurtleSerializer")
for _name in ("json-ld", "application/ld+json"):
    rdflib.plugin.register(_name, Serializer, "hdcat.ontology.writers", "LexicalJsonLdSerializer")
