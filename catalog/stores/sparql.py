"""The graph on any SPARQL 1.1 server (`HDCAT_STORE=sparql+http://host:port/dataset`, or `sparql+https:`).

The catalogue then lives outside the process: several `hdcat serve` processes and harvest workers can
share it, and the server (Apache Jena Fuseki in the tests; GraphDB, Virtuoso, Neptune) keeps it.
Named graphs are the embedded store's, one per source and purpose. Every write is one request the server
runs as one transaction: a source's graphs are replaced by one SPARQL Update holding `DROP SILENT GRAPH`
and `INSERT DATA` (and its run record), so a reader sees the old graphs or the new, never half of them.

What the server is asked to be: SPARQL 1.1 Query and Update on the dataset URL (or the URLs given as
`?query=…&update=…&data=…`), the Graph Store Protocol for adding triples, and a default graph that is
the union of the named graphs (Fuseki: `tdb2:unionDefaultGraph true`; GraphDB, Virtuoso and Neptune do
this by default), as hdcat's embedded stores have it.

Two things servers do that hdcat must undo:
- blank nodes: a label in one answer means nothing in the next request, so a blank node could never be
  followed (a dataset's contact point, its distributions' checksums). They are stored as skolem IRIs
  (`…/.well-known/genid/LABEL`, RDF 1.1 §3.5) and read back as blank nodes.
- lexical forms: stores that keep values natively (Jena TDB2: `"01"^^xsd:integer` → `"1"`, `"1.50"` →
  `"1.5"`, `"1"^^xsd:boolean` merged into `"true"`) give back canonical forms. Unlike Oxigraph
  (catalog/stores/lexical_forms.py) the server's rules are not known here, so every typed XML Schema
  literal written is recorded with its subject and predicate, keyed by value, in the bookkeeping graph
  `urn:hdcat:store`, and reads give the originals back.
The bookkeeping graph also holds a generation number that every write moves on, so that processes that
keep answers between requests (catalog/datasets.py) see another process's harvest (`generation()`).
"""

from __future__ import annotations

import json
import re
import threading
from collections import defaultdict
from collections.abc import Iterable
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import orjson
import pyoxigraph as ox
from hdcat.catalog.errors import ConfigError, StoreError
from hdcat.catalog.resources import Converted
from hdcat.catalog.stores import lexical_forms
from hdcat.catalog.stores.base import Capabilities, CatalogStore
from hdcat.catalog.stores.sparql_http import SparqlHttp
from hdcat.ontology import HDCAT, bind_prefixes, plain, sparql_prefixes
from rdflib import BNode, Dataset, Graph, Literal, URIRef, Variable
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.plugins.serializers.nt import _nt_row
from rdflib.query import Result
from rdflib.store import Store

#: blank nodes are stored under this prefix (RDF 1.1 skolem IRIs; .invalid never resolves)
GENID = "https://hdcat.invalid/.well-known/genid/"
#: a dataset's neighbourhood in one graph (SparqlStore.read_view): `(<any>|!<any>)*` is a path of any
#: predicates, so the answer holds every statement `closure` can reach, and the few that point at the dataset
#: (its catalogue record, the data services that serve it)
RECORD_NEIGHBOURHOOD = (
    sparql_prefixes("dcat", "foaf")
    + """SELECT DISTINCT ?s ?p ?o WHERE {{ GRAPH <{graph}> {{
  {{ <{ds}> (<urn:hdcat:any>|!<urn:hdcat:any>)* ?s }}
  UNION {{ ?s foaf:primaryTopic <{ds}> }}
  UNION {{ ?service dcat:servesDataset <{ds}> . ?service (<urn:hdcat:any>|!<urn:hdcat:any>)* ?s }}
  ?s ?p ?o }} }}"""
)
#: hdcat's bookkeeping on the server: recorded lexical forms, the generation number
BOOKKEEPING = URIRef("urn:hdcat:store")
FORMS = HDCAT.lexicalForms
GENERATION = HDCAT.storeGeneration
_XSD = "http://www.w3.org/2001/XMLSchema#"
_XSD_STRING = _XSD + "string"
_JSON_RESULTS = "application/sparql-results+json"


def endpoints(location: str) -> tuple[str, str, str, str]:
    """(dataset URL, query URL, update URL, Graph Store URL) from `http://host:port/ds?update=/ds/update…`:
    every protocol on the dataset URL unless named (Fuseki answers all three there)."""
    parts = urlsplit(location)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(
            f"HDCAT_STORE=sparql+{location!r} is not a SPARQL store URL; "
            "write sparql+http://host:port/dataset (or sparql+https://…)"
        )
    base = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
    given = dict(parse_qsl(parts.query))
    unknown = set(given) - {"query", "update", "data"}
    if unknown:
        raise ConfigError(
            f"HDCAT_STORE: unknown option(s) {', '.join(sorted(unknown))} in {location!r}; "
            "only query=, update= and data= (endpoint URLs or paths) are understood"
        )

    def url(key):
        value = given.get(key)
        if not value:
            return base
        return value if "://" in value else urlunsplit((parts.scheme, parts.netloc, value, "", ""))

    return base, url("query"), url("update"), url("data")


# -- terms on the way out and back -------------------------------------------------------------------
def to_server(term):
    """A term as the server keeps it: blank nodes as skolem IRIs."""
    return URIRef(GENID + str(term)) if isinstance(term, BNode) else term


def from_json(value: dict):
    """One SPARQL JSON results term as rdflib's; skolem IRIs back to blank nodes."""
    kind = value["type"]
    text = value["value"]
    if kind == "uri":
        return BNode(text[len(GENID) :]) if text.startswith(GENID) else URIRef(text)
    if kind == "bnode":
        return BNode(text)
    if "xml:lang" in value:
        return Literal(text, lang=value["xml:lang"])
    datatype = value.get("datatype")
    if datatype is None or datatype == _XSD_STRING:
        return Literal(text)
    return plain(Literal(text, datatype=URIRef(datatype)))


def _value_key(term: Literal):
    """What a server that keeps values natively cannot tell apart: the value (and its Python type, so
    that 1, 1.0 and true stay apart); the lexical form where rdflib knows no value."""
    value = term.value
    if value is None or isinstance(value, Literal):
        return ("lexical", str(term), str(term.datatype))
    try:
        hash(value)
    except TypeError:
        return ("lexical", str(term), str(term.datatype))
    return (type(value).__name__, value)


def _recorded(term) -> bool:
    return (
        isinstance(term, Literal)
        and term.datatype is not None
        and term.datatype.startswith(_XSD)
        and term.datatype != _XSD_STRING
    )


def forms_record(rows: Iterable[tuple]) -> str | None:
    """The JSON value that lets reads restore `rows`' typed literals (server-side subjects), or None."""
    out = sorted({(str(s), str(p), str(o), str(o.datatype)) for s, p, o in rows if _recorded(o)})
    return json.dumps(out, ensure_ascii=False) if out else None


class Restorer:
    """The typed literals written to one graph: `restore(s, p, o)` gives the originals `o` stands for."""

    def __init__(self, values: Iterable[str]):
        self._originals: dict = defaultdict(list)
        for value in values:
            for s, p, lexical, datatype in json.loads(value):
                original = Literal(lexical, datatype=URIRef(datatype))
                key = (s, p, _value_key(original))
                known = self._originals[key]
                if not any(str(o) == lexical and o.datatype == original.datatype for o in known):
                    known.append(original)

    def __bool__(self) -> bool:
        return bool(self._originals)

    def restore(self, s, p, o) -> list:
        """`s` as the server keeps it (a skolem IRI for a blank node)."""
        if not self._originals or not _recorded(o):
            return [o]
        return self._originals.get((str(s), str(p), _value_key(o))) or [o]


class SparqlStore(CatalogStore):
    """The catalogue on a SPARQL 1.1 server, through its query, update and Graph Store protocols."""

    scheme = "sparql"
    capabilities = Capabilities(persistent=True, native_sparql=True, transactions=True)

    def __init__(self, location: str, read_only: bool = False):
        self.location = location
        self.read_only = read_only
        self.url, query_url, update_url, gsp_url = endpoints(location)
        self.http = SparqlHttp(query_url, update_url, gsp_url)
        self._forms: dict = {}  # graph name → Restorer, until a write (or another process's) changes it
        self._forms_lock = threading.Lock()
        self._seen_generation: int | None = None
        self.dataset = bind_prefixes(Dataset(store=_RemoteStore(self), default_union=True))
        self._write_lock = threading.RLock()
        self.generation()  # fails now, with the server's address, if it cannot be reached

    # -- reads ----------------------------------------------------------------------------------
    def _select(self, sparql: str, graphs: list[str] | None = None) -> tuple[list[str], list[dict]]:
        body = self.http.query(sparql, _JSON_RESULTS, _dataset(graphs))
        try:
            answer = orjson.loads(body)
        except orjson.JSONDecodeError:
            raise StoreError(
                f"the SPARQL server at {self.url} answered a SELECT with something other than "
                f"SPARQL JSON results: {body[:200]!r}"
            ) from None
        if "boolean" in answer:
            return [], [{"__ask__": answer["boolean"]}]
        return answer["head"].get("vars", []), answer["results"]["bindings"]

    def query(self, sparql: str, graphs: list | None = None, kind: str | None = None, **kwargs) -> Result:
        """SPARQL on the server, as an rdflib Result (rows with attribute access, askAnswer, graph).
        `graphs`: run over only these named graphs (their union the default graph), by the protocol's
        default-graph-uri and named-graph-uri."""
        if kwargs.get("initBindings") or kwargs.get("initNs"):
            raise StoreError("the SPARQL store takes complete queries (no initBindings or initNs)")
        kind = kind or _kind(sparql)
        if kind in ("CONSTRUCT", "DESCRIBE"):
            body = self.http.query(sparql, "application/n-triples", _dataset(graphs))
            graph = Graph()
            for s, p, o in Graph().parse(data=body.decode(), format="nt"):
                graph.add(tuple(_from_server_term(t) for t in (s, p, o)))
            result = Result("CONSTRUCT")
            result.graph = graph
            return result
        names, rows = self._select(sparql, graphs)
        if rows and "__ask__" in rows[0]:
            result = Result("ASK")
            result.askAnswer = bool(rows[0]["__ask__"])
            return result
        result = Result("SELECT")
        result.vars = [Variable(n) for n in names]
        result.bindings = [{Variable(k): from_json(v) for k, v in row.items()} for row in rows]
        return result

    def select_text(self, sparql: str) -> list[tuple[str | None, ...]]:
        """Plain text of each value, straight from the JSON answer (no rdflib terms): canonical forms for
        typed literals, as the Oxigraph store's select_text gives."""
        names, rows = self._select(sparql)
        out = []
        for row in rows:
            values = []
            for n in names:
                v = row.get(n)
                if v is None:
                    values.append(None)
                elif v["type"] == "uri" and v["value"].startswith(GENID):
                    values.append(v["value"][len(GENID) :])
                else:
                    values.append(v["value"])
            out.append(tuple(values))
        return out

    def restorer(self, name) -> Restorer:
        found = self._forms.get(name)
        if found is None:
            _, rows = self._select(
                f"SELECT ?forms WHERE {{ GRAPH <{BOOKKEEPING}> {{ <{name}> <{FORMS}> ?forms }} }}"
            )
            found = Restorer(r["forms"]["value"] for r in rows)
            with self._forms_lock:
                self._forms[name] = found
        return found

    def graph_triples(self, name: URIRef) -> Iterable[tuple]:
        """The graph as one CONSTRUCT answered in N-Triples, parsed by pyoxigraph, each distinct term made an
        rdflib term once: as SELECT rows in JSON (a dict a value, a new rdflib term a value) a source graph
        of 3,000 statements took 54-74 ms to read from Fuseki, of which the request and the JSON 32 ms, and
        a whole pass over the catalogue (the reindex) reads every graph so."""
        body = self.http.query(
            f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{name}> {{ ?s ?p ?o }} }}", "application/n-triples"
        )
        try:
            parsed = list(ox.parse(body, format=ox.RdfFormat.N_TRIPLES))
        except SyntaxError:  # a term the server took and pyoxigraph will not: its JSON rows, as before
            _, rows = self._select(f"SELECT ?s ?p ?o WHERE {{ GRAPH <{name}> {{ ?s ?p ?o }} }}")
            yield from self._restored(name, rows)
            return
        term = Converted(lambda t: _from_server_term(lexical_forms.to_rdflib(t))).__getitem__
        yield from self._with_originals(
            name, ((t.subject.value, term(t.subject), term(t.predicate), term(t.object)) for t in parsed)
        )

    def read_view(self, name: URIRef, about: URIRef | None = None):
        """With `about`, everything a record of that dataset reads in graph `name`, fetched in one request
        into memory: what is reachable from the dataset (its blank nodes, distributions, columns,
        publisher), the catalogue record about it and the data services that serve it with what they
        reach. Read pattern by pattern it was one request a lookup, 584 ms a record against 29 ms embedded
        (bench/scale_bench.py). Without it, the graph itself."""
        from hdcat.catalog.resources import GraphCopy

        if about is None:
            return super().read_view(name)
        _, rows = self._select(RECORD_NEIGHBOURHOOD.format(graph=name, ds=to_server(about)))
        return GraphCopy(self._restored(name, rows))

    def _restored(self, name, rows) -> Iterable[tuple]:
        """SELECT ?s ?p ?o rows in JSON as triples, with their literals' written forms."""
        return self._with_originals(
            name,
            ((r["s"]["value"], from_json(r["s"]), from_json(r["p"]), from_json(r["o"])) for r in rows),
        )

    def _with_originals(self, name, statements) -> Iterable[tuple]:
        """(subject as the server keeps it, s, p, o) of graph `name` as triples, each object the literal(s)
        it was written as (`restorer`)."""
        forms = self.restorer(name)
        for s_server, s, p, o in statements:
            for original in forms.restore(s_server, p, o) if forms else (o,):
                yield s, p, original

    def graph_names(self) -> list[URIRef]:
        _, rows = self._select("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }")
        names = {r["g"]["value"] for r in rows if r.get("g", {}).get("type") == "uri"}
        names.discard(str(BOOKKEEPING))
        return sorted((URIRef(n) for n in names), key=str)

    def graph_size(self, name) -> int:
        _, rows = self._select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{name}> {{ ?s ?p ?o }} }}")
        return int(rows[0]["n"]["value"]) if rows else 0

    def __len__(self) -> int:
        _, rows = self._select(
            f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(?g != <{BOOKKEEPING}>) }}"
        )
        return int(rows[0]["n"]["value"]) if rows else 0

    def generation(self) -> int:
        """The store's generation number: moved on by every write, by any process. Reading it is one small
        query; a process that keeps answers compares it to the last it saw (`changed_elsewhere`)."""
        _, rows = self._select(
            f"SELECT ?n WHERE {{ GRAPH <{BOOKKEEPING}> {{ <{BOOKKEEPING}> <{GENERATION}> ?n }} }}"
        )
        return max((int(r["n"]["value"]) for r in rows), default=0)

    def changed_elsewhere(self) -> bool:
        """True when some process wrote since this one last looked (its own writes move `_seen` too);
        forgets the kept lexical forms then."""
        now = self.generation()
        seen, self._seen_generation = self._seen_generation, now
        if seen is not None and now != seen:
            with self._forms_lock:
                self._forms.clear()
            return True
        return False

    # -- writes ---------------------------------------------------------------------------------
    def replace_graph(self, name: URIRef, graph: Graph) -> None:
        self.replace_graphs({name: graph})

    def replace_graphs(self, graphs: dict, add: dict | None = None) -> None:
        """One SPARQL Update request, which the server runs as one transaction: readers see all the old
        graphs or all the new, and `add` (a harvest's run record) is written with them or not at all."""
        parts = []
        for name, graph in graphs.items():
            parts += [f"DROP SILENT GRAPH <{name}>", _forget_forms(name)]
            parts += _inserts(name, graph)
        for name, graph in (add or {}).items():
            parts += _inserts(name, graph)
        self._update(parts, list(graphs) + list(add or {}))

    def add_to_graph(self, name: URIRef, triples: Iterable) -> None:
        """Add triples to one graph in one request, however many (a batch of lineage events is stored whole
        or not at all). Terms may be rdflib's or Oxigraph's (a lineage write's)."""
        parts = _inserts(name, lexical_forms.as_rdflib(dict.fromkeys(triples)))
        if parts:
            self._update(parts, [name])

    def drop_graph(self, name: URIRef) -> None:
        self._update([f"DROP SILENT GRAPH <{name}>", _forget_forms(name)], [name])

    def clear(self) -> None:
        """Remove every graph, hdcat's bookkeeping too (tests, `hdcat migrate` into a used store)."""
        self._update(["DROP SILENT ALL"], None)

    def _update(self, parts: list[str], touched) -> None:
        if self.read_only:
            raise StoreError(f"the store at {self.url} was opened read-only")
        parts.append(_BUMP)
        with self._write_lock:
            with self._forms_lock:
                if touched is None:
                    self._forms.clear()
                for name in touched or ():
                    self._forms.pop(name, None)
            self.http.update(" ;\n".join(parts))
            self._seen_generation = None  # our own write: the next look starts afresh

    def close(self) -> None:
        self.http.close()


_BUMP = (
    f"DELETE {{ GRAPH <{BOOKKEEPING}> {{ <{BOOKKEEPING}> <{GENERATION}> ?old }} }}\n"
    f"INSERT {{ GRAPH <{BOOKKEEPING}> {{ <{BOOKKEEPING}> <{GENERATION}> ?new }} }}\n"
    f"WHERE {{ OPTIONAL {{ GRAPH <{BOOKKEEPING}> {{ <{BOOKKEEPING}> <{GENERATION}> ?old }} }}"
    " BIND(COALESCE(?old + 1, 1) AS ?new) }"
)


def _dataset(graphs: list[str] | None) -> list | None:
    """The protocol's dataset description for a graph allow-list: the graphs are the named graphs and their
    union the default graph. An empty list must still describe a dataset (an empty one), not the store's."""
    if graphs is None:
        return None
    graphs = list(graphs) or ["urn:hdcat:no-graph"]
    return [("default-graph-uri", g) for g in graphs] + [("named-graph-uri", g) for g in graphs]


def _forget_forms(name) -> str:
    return f"DELETE WHERE {{ GRAPH <{BOOKKEEPING}> {{ <{name}> <{FORMS}> ?forms }} }}"


def _inserts(name, triples) -> list[str]:
    """INSERT DATA for `triples` in graph `name` (blank nodes skolemised), with the record of its typed
    literals in the bookkeeping graph."""
    rows = [tuple(to_server(t) for t in triple) for triple in triples]
    if not rows:
        return []
    parts = [f"INSERT DATA {{ GRAPH <{name}> {{\n{''.join(_nt_row(r) for r in rows)}}} }}"]
    forms = forms_record(rows)
    if forms:
        record = f"<{name}> <{FORMS}> {Literal(forms).n3()}"
        parts.append(f"INSERT DATA {{ GRAPH <{BOOKKEEPING}> {{ {record} }} }}")
    return parts


def _from_server_term(term):
    if isinstance(term, URIRef) and str(term).startswith(GENID):
        return BNode(str(term)[len(GENID) :])
    return term


#: an IRI or a string (kept: `#` is part of many IRIs) or a comment (dropped)
_COMMENTS = re.compile(r"""(<[^<>"{}|^`\\\s]*>|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')|#[^\n]*""")


def _kind(sparql: str) -> str:
    """The query form, from the first keyword after the prologue (PREFIX/BASE lines and comments)."""
    text = _COMMENTS.sub(lambda m: m.group(1) or " ", sparql)
    text = re.sub(r"(?is)^\s*((PREFIX\s+[^:]*:\s*<[^>]*>|BASE\s+<[^>]*>)\s*)*", "", text)
    word = text.lstrip().split(None, 1)[0].upper() if text.strip() else ""
    return word if word in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE") else "SELECT"


class _RemoteStore(Store):
    """rdflib's Store interface over the server, so code written against rdflib (a dataset's closure, a
    graph view) reads it unchanged: each pattern is one SELECT. Writes go through SparqlStore's methods."""

    context_aware = True
    formula_aware = False
    graph_aware = True
    transaction_aware = False

    def __init__(self, owner: SparqlStore):
        super().__init__()
        self.owner = owner
        self._prefixes: dict = {}
        self._namespaces: dict = {}

    # rdflib's graph-aware interface: graphs exist while they hold triples
    def add_graph(self, graph) -> None:
        pass

    def remove_graph(self, graph) -> None:
        raise StoreError("write through the catalogue store (drop_graph), not rdflib")

    def add(self, triple, context, quoted=False):
        raise StoreError("write through the catalogue store (replace_graph, add_to_graph), not rdflib")

    def remove(self, triple, context=None):
        raise StoreError("write through the catalogue store (replace_graph, drop_graph), not rdflib")

    def triples(self, triple_pattern, context=None):
        if getattr(context, "identifier", context) == DATASET_DEFAULT_GRAPH_ID:
            return  # the server's default graph is the named graphs' union; hdcat writes none of its own
        name = _graph_name(context)
        s, p, o = triple_pattern
        if isinstance(s, Literal) or (p is not None and not isinstance(p, URIRef)):
            return
        wanted = o if _recorded(o) else None
        terms, filters = [], []
        for var, term in (("s", s), ("p", p), ("o", o)):
            if term is None or (var == "o" and wanted is not None):
                terms.append(f"?{var}")
            elif isinstance(term, (URIRef, BNode, Literal)):
                terms.append(to_server(term).n3())
            else:
                return  # a variable or formula: nothing hdcat stores
        if wanted is not None:  # the server may keep another lexical form: match the value, then the form
            filters.append(f"FILTER(?o = {wanted.n3()})")
        where = " ".join(terms) + " . " + " ".join(filters)
        if name is None:
            q = f"SELECT ?g ?s ?p ?o WHERE {{ GRAPH ?g {{ {where} }} FILTER(?g != <{BOOKKEEPING}>) }}"
        else:
            q = f"SELECT ?s ?p ?o WHERE {{ GRAPH <{name}> {{ {where} }} }}"
        _, rows = self.owner._select(q)
        contexts: dict = {}
        for row in rows:
            fixed = {"s": s, "p": p, "o": o}
            for var in ("s", "p", "o"):
                if var in row:
                    fixed[var] = from_json(row[var])
            g = URIRef(row["g"]["value"]) if name is None else name
            ctx = contexts.get(g)
            if ctx is None:
                ctx = contexts[g] = Graph(store=self, identifier=g)
            s_server = str(to_server(fixed["s"]))
            restorer = self.owner.restorer(g)
            for original in restorer.restore(s_server, fixed["p"], fixed["o"]) if restorer else (fixed["o"],):
                if wanted is None or (str(original) == str(wanted) and original.datatype == wanted.datatype):
                    yield (fixed["s"], fixed["p"], original), iter((ctx,))

    def __len__(self, context=None) -> int:
        name = _graph_name(context)
        return len(self.owner) if name is None else self.owner.graph_size(name)

    def contexts(self, triple=None):
        if triple is None:
            for name in self.owner.graph_names():
                yield Graph(store=self, identifier=name)
            return
        seen = set()
        for (_, _, _), ctxs in self.triples(triple):
            for ctx in ctxs:
                if ctx.identifier not in seen:
                    seen.add(ctx.identifier)
                    yield ctx

    def query(self, query, initNs, initBindings, queryGraph, **kwargs):  # noqa: N803 - rdflib's names
        if not isinstance(query, str):
            raise NotImplementedError  # a prepared query: rdflib's evaluator (pattern by pattern)
        if initBindings:
            raise NotImplementedError
        prologue = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in (initNs or {}).items())
        graphs = None
        if queryGraph not in (None, "__UNION__", DATASET_DEFAULT_GRAPH_ID):
            graphs = [str(queryGraph)]
        return self.owner.query(prologue + query, graphs=graphs)

    def update(self, *args, **kwargs):
        raise StoreError("write through the catalogue store, not rdflib's update")

    # prefixes live in the process (bind_prefixes); the server's data needs none
    def bind(self, prefix, namespace, override=True, replace=False) -> None:
        if not override and prefix in self._namespaces:
            return
        self._namespaces[prefix] = URIRef(namespace)
        self._prefixes[URIRef(namespace)] = prefix

    def namespace(self, prefix):
        return self._namespaces.get(prefix)

    def prefix(self, namespace):
        return self._prefixes.get(URIRef(namespace))

    def namespaces(self):
        yield from self._namespaces.items()


def _graph_name(context):
    if context is None:
        return None
    ident = getattr(context, "identifier", context)
    if ident == DATASET_DEFAULT_GRAPH_ID or not isinstance(ident, URIRef):
        return None
    return ident
