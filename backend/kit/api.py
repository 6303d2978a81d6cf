"""Route declarations that both validate requests and generate the OpenAPI document.

A route is declared once, with pydantic models for its query, body and response; the same
declaration builds the Starlette route (parse → validate → call → serialise) and its OpenAPI
operation, so the document cannot drift from what the server does.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic.json_schema import JsonSchemaMode, models_json_schema
from starlette._utils import get_route_path
from starlette.convertors import IntegerConvertor, register_url_convertor
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Match, Mount, Route, Router
from starlette.types import Receive, Scope, Send

from backend.kit import errors
from backend.kit.validation import field_errors

Handler = Callable[..., Awaitable[Any]]
_PATH_PARAM = re.compile(r"\{(\w+)(?::(\w+))?\}")
_MAX_ID = 10**18 - 1
# What each path convertor matches, so a generated value the router would not route is outside the schema too.
_CONVERTER_SCHEMA = {
    "int": {"type": "integer", "minimum": 0, "maximum": _MAX_ID},
    # No "\n" either: the /api/v1 Mount matches its rest with ".*", which stops at a newline.
    "str": {"type": "string", "minLength": 1, "pattern": r"^[^/\n]+$"},
    "path": {"type": "string"},
    "uuid": {"type": "string", "format": "uuid"},
}


class _DatabaseId(IntegerConvertor):
    """``{x:int}`` path segments: at most 18 digits, so a number beyond a BIGINT is a 404, not a database error."""

    regex = "[0-9]{1,18}"


register_url_convertor("int", _DatabaseId())


@dataclass(frozen=True)
class Documented:
    """What a route wrapper adds to its operation's document: the errors it raises, the request
    parameters it reads, the security requirements it enforces (``None``: none), and, for the
    wrappers that decide it, who may call the route (``access``, e.g. "anyone", "signed in")."""

    errors: tuple[type[errors.ServiceError], ...] = ()
    parameters: tuple[dict[str, Any], ...] = ()
    security: tuple[dict[str, list[str]], ...] | None = None
    access: str | None = None


class _Anyone:
    """Route wrapper ``anyone``: the route is deliberately open to every caller, signed in or not.

    Every route says who may call it (this, or auth's ``requires(...)``); a meta-test holds them to it.
    """

    def __call__(self, op: Operation, call: Handler) -> Handler:
        return call

    def document(self, op: Operation) -> Documented:
        return Documented(access="anyone")


anyone = _Anyone()


@dataclass
class Operation:
    method: str
    path: str
    handler: Handler
    summary: str
    tags: tuple[str, ...]
    query: type[BaseModel] | None
    body: type[BaseModel] | None
    response: type[BaseModel] | None
    status: int
    errors: tuple[type[errors.ServiceError], ...]
    wrappers: tuple[Callable[[Operation, Handler], Handler], ...] = field(default=())
    extra_headers: tuple[dict[str, Any], ...] = ()
    # For cacheable GETs: answers a request from its raw query string (bytes of JSON) or None.
    cached: Callable[[bytes], Awaitable[bytes | None]] | None = None
    # A multipart/form-data body the handler reads itself (documented; the handler validates it with this model).
    form: type[BaseModel] | None = None
    # Success content that is not the JSON response model: media type → schema (files, images, event streams).
    content: dict[str, dict[str, Any]] | None = None
    # Other success statuses the handler answers with, same content (e.g. 200 for an upload already stored).
    also: tuple[int, ...] = ()

    @property
    def operation_id(self) -> str:
        return self.handler.__name__


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


class API:
    """A collection of declared operations: ``routes()`` for Starlette, ``openapi()`` for docs."""

    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix
        self.operations: list[Operation] = []

    def include(self, other: API) -> None:
        self.operations.extend(other.operations)

    def mount(self) -> list[BaseRoute]:
        """Starlette routes for every operation, mounted under the prefix if there is one."""
        return [Mount(self.prefix, app=IndexedRouter(self.routes()))] if self.prefix else list(self.routes())

    def route(
        self,
        method: str,
        path: str,
        *,
        summary: str,
        tags: Sequence[str] = (),
        query: type[BaseModel] | None = None,
        body: type[BaseModel] | None = None,
        response: type[BaseModel] | None = None,
        status: int = 200,
        errors: Sequence[type[errors.ServiceError]] = (),
        wrappers: Sequence[Callable[[Operation, Handler], Handler]] = (),
        headers: Sequence[dict[str, Any]] = (),
        cached: Callable[[bytes], Awaitable[bytes | None]] | None = None,
        form: type[BaseModel] | None = None,
        content: dict[str, dict[str, Any]] | None = None,
        also: Sequence[int] = (),
    ) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.operations.append(
                Operation(
                    method=method.upper(),
                    path=path,
                    handler=handler,
                    summary=summary,
                    tags=tuple(tags),
                    query=query,
                    body=body,
                    response=response,
                    status=status,
                    errors=tuple(errors),
                    wrappers=tuple(wrappers),
                    extra_headers=tuple(headers),
                    cached=cached,
                    form=form,
                    content=content,
                    also=tuple(also),
                )
            )
            return handler

        return register

    def get(self, path: str, **kw: Any) -> Callable[[Handler], Handler]:
        return self.route("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> Callable[[Handler], Handler]:
        return self.route("POST", path, **kw)

    def put(self, path: str, **kw: Any) -> Callable[[Handler], Handler]:
        return self.route("PUT", path, **kw)

    def delete(self, path: str, **kw: Any) -> Callable[[Handler], Handler]:
        return self.route("DELETE", path, **kw)

    def routes(self) -> list[Route]:
        by_path: dict[str, dict[str, Operation]] = {}
        for op in self.operations:
            by_path.setdefault(op.path, {})[op.method] = op
        return [
            Route(path, _dispatch({m: _endpoint(op) for m, op in ops.items()}), methods=list(ops), name=None)
            for path, ops in by_path.items()
        ]


class IndexedRouter(Router):
    """Starlette's router, but paths without parameters are found in a dict, not by a scan.

    Starlette tries routes one by one (a regex each); with dozens of operations under one
    prefix that scan was most of the cost of a cached answer.
    """

    def __init__(self, routes: list[Route]) -> None:
        super().__init__(routes=routes)
        self._exact = {r.path: r for r in routes if "{" not in r.path}

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            route = self._exact.get(get_route_path(scope))
            if route is not None:
                match, child_scope = route.matches(scope)
                if match is Match.FULL:
                    scope["route"] = route
                    scope.update(child_scope)
                    await route.handle(scope, receive, send)
                    return
        await super().app(scope, receive, send)


def _dispatch(endpoints: dict[str, Callable[[Request], Awaitable[Response]]]) -> Callable[[Request], Awaitable[Response]]:
    if len(endpoints) == 1:
        return next(iter(endpoints.values()))

    async def by_method(request: Request) -> Response:
        method = "GET" if request.method == "HEAD" else request.method
        return await endpoints[method](request)

    return by_method


def _endpoint(op: Operation) -> Callable[[Request], Awaitable[Response]]:
    call: Handler = op.handler
    for wrap in reversed(op.wrappers):
        call = wrap(op, call)

    # Wrappers may carry a ``guard`` (e.g. the permission check): it runs before the body is
    # read, so a caller without the right gets 401/403, never a validation error that leaks the schema.
    guards = [w.guard for w in op.wrappers if hasattr(w, "guard")]

    async def endpoint(request: Request) -> Response:
        if op.cached is not None and (hit := await op.cached(request.scope["query_string"])) is not None:
            return Response(hit, media_type="application/json")
        for guard in guards:
            await guard(op, request)
        kwargs: dict[str, Any] = {}
        if op.query is not None:
            try:
                kwargs["query"] = op.query.model_validate(dict(request.query_params))
            except ValidationError as exc:
                raise errors.ValidationFailed(errors=field_errors(exc, location="query")) from None
        if op.body is not None:
            if not _is_json(request.headers.get("content-type", "")):
                raise errors.UnsupportedMediaType(expected="application/json")
            raw = await request.body()
            try:
                kwargs["body"] = op.body.model_validate_json(raw)
            except ValidationError as exc:
                if any(e["type"] == "json_invalid" for e in exc.errors()):
                    raise errors.MalformedJSON() from None
                raise errors.ValidationFailed(errors=field_errors(exc, location="body")) from None
        return render(op, await call(request, **kwargs))

    endpoint.__name__ = op.operation_id
    return endpoint


def render(op: Operation, result: Any) -> Response:
    """Serialise a handler's result through the operation's declared response model."""
    if isinstance(result, Response):
        return result
    if op.response is not None:
        if not isinstance(result, op.response):
            result = op.response.model_validate(result)
        result = result.model_dump(mode="json")
    return JSONResponse(result, status_code=op.status)


PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details; `code` is stable, `title` and `detail` follow Accept-Language (Chinese by default).",
    "required": ["type", "title", "status", "code"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "code": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "code", "message"],
                "properties": {"field": {"type": "string"}, "code": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}

# Any operation may meet a part it needs being down; a throttle fails closed rather than open.
_COMMON_ERRORS: tuple[type[errors.ServiceError], ...] = (errors.InternalError, errors.BrokerUnavailable)
_BODY_ERRORS: tuple[type[errors.ServiceError], ...] = (
    errors.MalformedJSON,
    errors.ValidationFailed,
    errors.UnsupportedMediaType,
    errors.PayloadTooLarge,
)
_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def _documented(op: Operation) -> list[Documented]:
    """What the operation's wrappers say about themselves (``wrapper.document(op)``)."""
    return [w.document(op) for w in op.wrappers if hasattr(w, "document")]


def access(op: Operation) -> list[str]:
    """Who may call the operation, as its wrappers declare it (one entry, when declared properly)."""
    return [d.access for d in _documented(op) if d.access is not None]


def _problem_responses(declared: Sequence[type[errors.ServiceError]]) -> dict[str, Any]:
    by_status: dict[int, list[str]] = {}
    for err in declared:
        codes = by_status.setdefault(err.status, [])
        if err.code not in codes:
            codes.append(err.code)
    # ``x-problem-codes``: the exact `code` values this status can carry, for clients and the meta-test.
    return {
        str(status): {
            "description": "Problem: " + ", ".join(codes),
            "content": {errors.PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
            "x-problem-codes": codes,
        }
        for status, codes in sorted(by_status.items())
    }


def openapi(
    apis: Sequence[API],
    *,
    title: str,
    version: str,
    description: str = "",
    security_schemes: dict[str, Any] | None = None,
    unsafe_errors: Sequence[type[errors.ServiceError]] = (),
) -> dict[str, Any]:
    """The OpenAPI 3.1 document for every operation of the given APIs.

    ``unsafe_errors``: problems any POST/PUT/DELETE can meet before it reaches its route (e.g. a
    middleware's CSRF check).
    """
    operations = [(api.prefix, op) for api in apis for op in api.operations]
    models: list[tuple[type[BaseModel], JsonSchemaMode]] = []
    for _, op in operations:
        if op.body is not None:
            models.append((op.body, "validation"))
        if op.form is not None:
            models.append((op.form, "validation"))
        if op.response is not None:
            models.append((op.response, "serialization"))
    refs, defs = models_json_schema(models, ref_template="#/components/schemas/{model}") if models else ({}, {})
    schemas: dict[str, Any] = dict(defs.get("$defs", {}))
    schemas["Problem"] = PROBLEM_SCHEMA
    paths: dict[str, dict[str, Any]] = {}
    for prefix, op in operations:
        oa_path = prefix + _PATH_PARAM.sub(r"{\1}", op.path)
        documented = _documented(op)
        parameters: list[dict[str, Any]] = [
            {"name": name, "in": "path", "required": True, "schema": _CONVERTER_SCHEMA.get(conv or "str", {"type": "string"})}
            for name, conv in _PATH_PARAM.findall(op.path)
        ]
        if op.query is not None:
            qschema = op.query.model_json_schema(ref_template="#/components/schemas/{model}")
            required = set(qschema.get("required", []))
            for name, prop in qschema.get("properties", {}).items():
                parameters.append({"name": name, "in": "query", "required": name in required, "schema": prop})
        for parameter in [*op.extra_headers, *(p for d in documented for p in d.parameters)]:
            if not any(p["name"].lower() == parameter["name"].lower() and p["in"] == parameter["in"] for p in parameters):
                parameters.append(parameter)
        responses: dict[str, Any] = {}
        ok: dict[str, Any] = {"description": "OK"}
        if op.response is not None:
            ok["content"] = {"application/json": {"schema": refs[(op.response, "serialization")]}}
        elif op.content is not None:
            ok["content"] = op.content
        for status in (op.status, *op.also):
            responses[str(status)] = ok
        # A status the operation answers with its own body (readiness's 503) is not also a problem.
        common = [e for e in _COMMON_ERRORS if e.status not in (op.status, *op.also)]
        declared = list(op.errors) + [e for d in documented for e in d.errors] + common
        if _PATH_PARAM.search(op.path):
            declared.append(errors.NotFound)  # the router's answer to a value its convertor does not match
        if op.body is not None:
            declared += _BODY_ERRORS
        elif op.form is not None:
            declared += [errors.ValidationFailed, errors.UnsupportedMediaType, errors.PayloadTooLarge]
        elif op.query is not None:
            declared.append(errors.ValidationFailed)
        if op.method not in _SAFE_METHODS:
            declared += unsafe_errors
        responses.update(_problem_responses(declared))
        operation: dict[str, Any] = {"operationId": op.operation_id, "summary": op.summary, "responses": responses}
        if op.tags:
            operation["tags"] = list(op.tags)
        if parameters:
            operation["parameters"] = parameters
        security = [req for d in documented if d.security is not None for req in d.security]
        if security:
            operation["security"] = security
        if op.body is not None:
            operation["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": refs[(op.body, "validation")]}},
            }
        elif op.form is not None:
            operation["requestBody"] = {
                "required": True,
                "content": {"multipart/form-data": {"schema": refs[(op.form, "validation")]}},
            }
        paths.setdefault(oa_path, {})[op.method.lower()] = operation
    components: dict[str, Any] = {"schemas": schemas}
    if security_schemes:
        components["securitySchemes"] = security_schemes
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version, "description": description},
        "paths": paths,
        "components": components,
    }
