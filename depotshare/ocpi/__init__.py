"""OCPI 2.2.1 CPO endpoints under /ocpi: versions, version details and the Locations module
(Sender interface), with credentials-token auth. See docs/ocpi.md."""
