"""The HTTP routes by area, one `APIRouter` each; `sync.server.app.create_app` includes
them in this order (the order of the OpenAPI document)."""
