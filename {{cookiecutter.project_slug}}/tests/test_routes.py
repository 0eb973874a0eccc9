"""guard's router: literal paths, {name} parameters and a greedy {name+}, on REST and HTTP API events.

Parameters reach the route function as keyword arguments; routes are matched against the route API Gateway
matched (REST resource, HTTP API routeKey) when it is in the table, else against the request path.
"""

from __future__ import annotations

import json

import pytest

from {{ cookiecutter.package_name }} import guard


def get_order(request, order_id):
    return {"order_id": order_id, "route": request.route, "params": request.path_params}


def new_order_form(request):
    return {"form": "new"}


def get_item_of_order(request, order_id, item_id):
    return {"order_id": order_id, "item_id": item_id}


def get_file(request, key):
    return {"key": key}


ROUTES = {
    "/orders/{order_id}": {"GET": get_order, "DELETE": get_order},
    "/orders/new": {"GET": new_order_form},
    "/orders/{order_id}/items/{item_id}": {"GET": get_item_of_order},
    "/files/{key+}": {"GET": get_file},
}
handler = guard.http_handler(ROUTES)


def rest_event(path, method="GET", resource="/{proxy+}", params=None):
    """A REST (payload v1) event as API Gateway sends it through the catch-all /{proxy+} resource by default."""
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": {"X-Correlation-Id": "route-corr"},
        "queryStringParameters": None,
        "pathParameters": params if params is not None else {"proxy": path.lstrip("/")},
        "requestContext": {"requestId": "rest-request", "stage": "dev"},
        "body": None,
        "isBase64Encoded": False,
    }


def http_event(raw_path, method="GET", route_key="$default", params=None):
    """An HTTP API (payload v2) event: rawPath as the client sent it (percent-encoded)."""
    event = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": raw_path,
        "rawQueryString": "",
        "headers": {"x-correlation-id": "route-corr"},
        "requestContext": {"http": {"method": method, "path": raw_path}, "requestId": "http-request", "stage": "$default"},
        "isBase64Encoded": False,
    }
    if params is not None:
        event["pathParameters"] = params
    return event


def call(event, context):
    response = handler(event, context())
    return response["statusCode"], json.loads(response["body"])


@pytest.mark.parametrize("make", [rest_event, http_event], ids=["rest", "http"])
def test_a_parameter_is_given_to_the_route_as_a_keyword_argument(make, context):
    status, body = call(make("/orders/42"), context)

    assert status == 200
    assert body == {"order_id": "42", "route": "/orders/{order_id}", "params": {"order_id": "42"}}


@pytest.mark.parametrize("make", [rest_event, http_event], ids=["rest", "http"])
def test_several_parameters_and_a_greedy_one(make, context):
    assert call(make("/orders/42/items/7"), context) == (200, {"order_id": "42", "item_id": "7"})
    assert call(make("/files/reports/2026/q4.csv"), context) == (200, {"key": "reports/2026/q4.csv"})


@pytest.mark.parametrize("make", [rest_event, http_event], ids=["rest", "http"])
def test_a_literal_route_wins_over_a_parameter(make, context):
    assert call(make("/orders/new"), context) == (200, {"form": "new"})


@pytest.mark.parametrize("make", [rest_event, http_event], ids=["rest", "http"])
@pytest.mark.parametrize("path", ["/orders", "/orders/42/items", "/orders/42/items/7/more", "/files", "/nowhere/42"])
def test_a_path_no_route_fits_is_404(make, path, context):
    assert call(make(path), context)[0] == 404


@pytest.mark.parametrize("make", [rest_event, http_event], ids=["rest", "http"])
def test_another_method_on_a_parameter_route_is_405_with_allow(make, context):
    response = handler(make("/orders/42", method="POST"), context())

    assert response["statusCode"] == 405
    assert response["headers"]["allow"] == "DELETE, GET"


def test_the_route_api_gateway_matched_gives_its_decoded_parameters(context):
    # a function wired to /orders/{order_id} in serverless.yml: API Gateway matched it and decoded the value
    rest = rest_event("/orders/a%2Fb", resource="/orders/{order_id}", params={"order_id": "a/b"})
    http = http_event("/orders/a%2Fb", route_key="GET /orders/{order_id}", params={"order_id": "a/b"})

    assert call(rest, context)[1]["order_id"] == "a/b"
    assert call(http, context)[1]["order_id"] == "a/b"


def test_http_api_paths_are_percent_decoded_and_a_bad_escape_is_400(context):
    assert call(http_event("/orders/caf%C3%A9"), context)[1]["order_id"] == "café"
    assert call(http_event("/orders/%ff"), context)[0] == 400


@pytest.mark.parametrize(
    "bad",
    ["/orders/{id", "/orders/x{id}", "/files/{key+}/more", "/orders/{request}", "/a/{x}/b/{x}", "/orders/{class}", "orders"],
)
def test_a_route_table_that_cannot_be_served_fails_when_the_handler_is_built(bad):
    with pytest.raises(guard.RouteTableError):
        guard.http_handler({bad: {"GET": get_order}})


def test_a_function_that_does_not_take_its_parameter_fails_when_the_handler_is_built():
    with pytest.raises(guard.RouteTableError, match="new_order_form does not take order_id"):
        guard.http_handler({"/orders/{order_id}": {"GET": new_order_form}})
    guard.http_handler({"/orders/{order_id}": {"GET": lambda request, **params: params}})  # **kwargs takes anything
