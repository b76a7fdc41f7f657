//! The OpenAPI description of the JSON API and the operational endpoints, served at /api/openapi.json.
//! It is generated, not written: `web::described_routes` declares each of those routes once, through the
//! `#[utoipa::path]` of its handler, and that one declaration gives both the router and the document,
//! so that neither can name a route the other lacks. The bodies' schemas come from the types'
//! `ToSchema` derives. The staff pages (HTML forms) are routed beside it and not described.

use std::sync::Arc;

use axum::Extension;
use axum::http::header;
use axum::response::IntoResponse;
use serde::Serialize;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{Content, Ref, ResponseBuilder};
use utoipa::{Modify, OpenApi, ToSchema};

/// What the generated paths do not say: the title, how to authenticate, the error body.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "aboard staff API",
        description = "Every endpoint under /api but this document takes `Authorization: Bearer <API token>` \
            (or a browser session with its `X-CSRF-Token` header on anything but GET) and enforces the \
            caller's role and scope. Errors are `{\"error\": \"<reason in words>\"}`; the advisor endpoints \
            add a stable `code`."
    ),
    security(("bearer" = [])),
    modifiers(&SignIn),
    components(schemas(ErrorBody))
)]
pub struct ApiDoc;

/// The bearer scheme, and the two refusals of a credential that `Document::new` gives each operation.
struct SignIn;

const REFUSALS: [(&str, &str, &str); 2] = [
    (
        "401",
        "Unauthenticated",
        "No credential, or one that is unknown, expired or revoked",
    ),
    (
        "403",
        "Forbidden",
        "The caller's role or scope does not cover the request",
    ),
];

impl Modify for SignIn {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        for (_, name, description) in REFUSALS {
            let response = ResponseBuilder::new().description(description).content(
                "application/json",
                Content::new(Some(Ref::from_schema_name("ErrorBody"))),
            );
            components
                .responses
                .insert(name.to_string(), response.build().into());
        }
    }
}

/// Why a request was refused, in words.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: String,
}

/// The document as served, serialized once when the router is built.
#[derive(Clone)]
pub struct Document(Arc<str>);

impl Document {
    /// Every operation that takes a credential may be refused for it, whatever else it answers.
    pub fn new(mut openapi: utoipa::openapi::OpenApi) -> Document {
        let public = Some(vec![SecurityRequirement::default()]);
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
            ];
            for operation in operations.into_iter().flatten() {
                if operation.security == public {
                    continue;
                }
                for (status, name, _) in REFUSALS {
                    operation
                        .responses
                        .responses
                        .entry(status.to_string())
                        .or_insert_with(|| Ref::from_response_name(name).into());
                }
            }
        }
        Document(
            serde_json::to_string(&openapi)
                .expect("an OpenAPI document always serializes")
                .into(),
        )
    }
}

/// This description: public, like any API description; it holds no data.
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    tag = "meta",
    security(()),
    responses((status = OK, description = "This document", body = Object))
)]
pub async fn document(Extension(document): Extension<Document>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        document.0.to_string(),
    )
}
