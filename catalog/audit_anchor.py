"""Checkpoints of the audit trail, kept in the RDF store: the anchor outside the trail's own database.

Whoever can write the state database (state.sqlite, or the shared PostgreSQL) could cut the trail's tail,
empty it, or edit an entry and recompute every hash after it; the chain alone would still verify. A
checkpoint (how many entries, the head's hash, optionally signed with HDCAT_AUDIT_KEY) written to another
store and to the log is what such a rewrite cannot match.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from hdcat.catalog.accounts import audit_key, checkpoint_signature
from hdcat.ontology import HDCAT, PROV, sparql_prefixes
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD

log = logging.getLogger("hdcat.audit")


def checkpoints_graph_iri(base: str) -> URIRef:
    # under the consortium prefix: anonymous SPARQL never reads it
    return URIRef(f"{base}/graph/consortium/audit-checkpoints")


def write_checkpoint(store, base: str, accounts) -> tuple[int, str] | None:
    """Anchor the trail's current head; None when the trail is empty or the head is anchored already."""
    seq, head = accounts.head()
    node = URIRef(f"{base}/id/audit/checkpoint/{seq}")
    # this head only: every harvest writes a checkpoint, and reading them all to find it was 0.1 s a
    # harvest with 3,000 of them
    if seq == 0 or str(store.read_view(checkpoints_graph_iri(base)).value(node, HDCAT.auditHead)) == head:
        return None
    g = Graph()
    g.add((node, RDF.type, HDCAT.AuditCheckpoint))
    g.add((node, HDCAT.auditSeq, Literal(seq, datatype=XSD.integer)))
    g.add((node, HDCAT.auditHead, Literal(head)))
    g.add((node, PROV.generatedAtTime, Literal(datetime.now(UTC).isoformat(), datatype=XSD.dateTime)))
    signature = checkpoint_signature(seq, head, audit_key())
    if signature:
        g.add((node, HDCAT.signature, Literal(signature)))
    store.add_to_graph(checkpoints_graph_iri(base), g)
    log.info("audit checkpoint: %d entries, head %s", seq, head, extra={"audit_seq": seq, "audit_head": head})
    return seq, head


def checkpoints(store, base: str) -> list[tuple[int, str, str | None]]:
    q = (
        sparql_prefixes("hdcat")
        + f"""SELECT ?seq ?head ?sig WHERE {{ GRAPH <{checkpoints_graph_iri(base)}> {{
        ?c a hdcat:AuditCheckpoint ; hdcat:auditSeq ?seq ; hdcat:auditHead ?head .
        OPTIONAL {{ ?c hdcat:signature ?sig }}
    }} }}"""
    )
    return sorted((int(r.seq), str(r.head), str(r.sig) if r.sig else None) for r in store.query(q))
