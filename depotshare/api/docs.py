"""The API's documentation pages, Swagger UI and ReDoc, with every file they load served by this
process: depot intranets have no internet, and a page that loads its scripts from a CDN is blank there.
The files come from the pinned `fastapi-offline` package; nothing of it but its static files is used."""

from __future__ import annotations

import os
from importlib import metadata, resources
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.types import Scope

ASSETS_PACKAGE = "fastapi_offline"
ASSETS_VERSION = metadata.version("fastapi-offline")
# An asset's URL names the package version, so a browser may keep it until an upgrade changes the URL.
ASSET_CACHE_CONTROL = "public, max-age=31536000, immutable"
# Swagger UI's default validator badge loads an image from the validator's public host.
SWAGGER_UI_PARAMETERS = {"validatorUrl": None}
# The pages may load nothing from another host. ReDoc 2.5 shows Redocly's logo from a CDN in its
# menu, with no option to hide it: this policy refuses it before any request leaves (ReDoc then
# hides the image). Inline scripts and styles are the pages' own (FastAPI's HTML, ReDoc's styling);
# ReDoc's search runs in a worker made from a blob.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'self'"
)


class _VersionedAssets(StaticFiles):
    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers["Cache-Control"] = ASSET_CACHE_CONTROL
        return response


def assets_directory() -> Path:
    static = resources.files(ASSETS_PACKAGE).joinpath("static")
    if not isinstance(static, Path) or not static.joinpath("swagger-ui-bundle.js").is_file():
        raise RuntimeError(f"the API docs' assets are missing: {static} (is {ASSETS_PACKAGE} installed?)")
    return static


def install(app: FastAPI, prefix: str) -> None:
    """Serve {prefix}/docs (Swagger UI, with the OAuth2 redirect its Authorize dialog uses),
    {prefix}/redoc, and their assets under {prefix}/docs-assets/<version>/; the app is built
    with docs_url=None and redoc_url=None, and its openapi_url under the prefix."""
    assets = f"{prefix}/docs-assets/{ASSETS_VERSION}"
    oauth2_redirect = f"{prefix}/docs/oauth2-redirect"
    app.mount(assets, _VersionedAssets(directory=assets_directory()), name="docs-assets")
    assert app.openapi_url is not None
    openapi = app.openapi_url

    def root(request: Request) -> str:  # behind a proxy that strips a path prefix, as FastAPI does
        return str(request.scope.get("root_path", "")).rstrip("/")

    @app.get(f"{prefix}/docs", include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        files = root(request) + assets
        return _own_files_only(
            get_swagger_ui_html(
                openapi_url=root(request) + openapi,
                title=f"{app.title} - API docs",
                swagger_js_url=f"{files}/swagger-ui-bundle.js",
                swagger_css_url=f"{files}/swagger-ui.css",
                swagger_favicon_url=f"{files}/favicon.png",
                oauth2_redirect_url=root(request) + oauth2_redirect,
                swagger_ui_parameters=SWAGGER_UI_PARAMETERS,
            )
        )

    @app.get(oauth2_redirect, include_in_schema=False)
    async def swagger_ui_oauth2_redirect() -> HTMLResponse:
        return _own_files_only(get_swagger_ui_oauth2_redirect_html())

    @app.get(f"{prefix}/redoc", include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        files = root(request) + assets
        return _own_files_only(
            get_redoc_html(
                openapi_url=root(request) + openapi,
                title=f"{app.title} - API reference",
                redoc_js_url=f"{files}/redoc.standalone.js",
                redoc_favicon_url=f"{files}/favicon.png",
                with_google_fonts=False,
            )
        )


def _own_files_only(page: HTMLResponse) -> HTMLResponse:
    page.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    return page
