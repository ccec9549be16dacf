"""Flask app factory: settings in, one Catalog per app, one blueprint per resource."""
from __future__ import annotations

from flask import Flask

from hdcat.catalog.config import Settings
from hdcat.catalog.service import Catalog


def create_app(settings: Settings | None = None, catalog: Catalog | None = None, search=None,
               accounts=None) -> Flask:
    app = Flask(__name__)
    settings = settings or (catalog.settings if catalog else Settings())
    app.config.update(MAX_CONTENT_LENGTH=16 * 1024 * 1024)
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    app.extensions["hdcat"] = catalog or Catalog(settings)
    if search is not None:
        app.extensions["hdcat.search"] = search
    if accounts is not None:
        app.extensions["hdcat.accounts"] = accounts

    from hdcat.web import (account, api, audit, auth, definitions_api, definitions_pages, errors, filters, limits, lineage_api,
                     lineage_page, linked_data, openapi, pages, search_views, sparql)
    errors.init_app(app)
    auth.init_app(app, settings)
    filters.init_app(app)
    for blueprint in (pages.bp, api.bp, linked_data.bp, search_views.bp, openapi.bp, lineage_api.bp, lineage_page.bp,
                      sparql.bp, account.bp, audit.bp, audit.api_bp, definitions_api.bp, definitions_pages.bp):
        app.register_blueprint(blueprint)
    for machine_facing in (api.bp, lineage_api.bp, sparql.bp, definitions_api.bp):
        auth.csrf.exempt(machine_facing)  # bearer tokens, not cookies, authorise their writes
    limits.init_app(app)

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Content-Security-Policy",
                                    "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'")
        return response

    return app
