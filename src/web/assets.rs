//! The files the staff pages load, compiled into the binary so that aboard needs no CDN and no files
//! beside it: htmx and its server-sent-events extension (0BSD, their licences beside them in assets/),
//! aboard's stylesheet, the gate view's offline taps (gate.js) and its icon. URLs carry a digest of the content, so browsers may keep them for a year.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

struct Asset {
    name: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

const ASSETS: [Asset; 5] = [
    Asset {
        name: "aboard.css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("assets/aboard.css"),
    },
    Asset {
        name: "htmx.min.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("assets/htmx.min.js"),
    },
    Asset {
        name: "htmx-ext-sse.min.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("assets/htmx-ext-sse.min.js"),
    },
    Asset {
        name: "gate.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("assets/gate.js"),
    },
    Asset {
        name: "favicon.svg",
        content_type: "image/svg+xml",
        bytes: include_bytes!("assets/favicon.svg"),
    },
];

/// The first 16 hex digits of each asset's SHA-256, in `ASSETS` order.
static VERSIONS: LazyLock<Vec<String>> = LazyLock::new(|| {
    ASSETS
        .iter()
        .map(|a| {
            Sha256::digest(a.bytes)
                .iter()
                .take(8)
                .map(|b| format!("{b:02x}"))
                .collect()
        })
        .collect()
});

fn find(name: &str) -> Option<(&'static Asset, &'static str)> {
    ASSETS
        .iter()
        .zip(VERSIONS.iter())
        .find(|(a, _)| a.name == name)
        .map(|(a, v)| (a, v.as_str()))
}

/// The URL a page links an asset by: `/assets/htmx.min.js?v=<digest>`; a name that is not an asset
/// gives a URL that answers 404.
pub fn url(name: &str) -> String {
    match find(name) {
        Some((asset, version)) => format!("/assets/{}?v={version}", asset.name),
        None => format!("/assets/{name}"),
    }
}

pub async fn serve(Path(name): Path<String>, request_headers: HeaderMap) -> Response {
    let Some((asset, version)) = find(&name) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let etag = format!("\"{version}\"");
    let headers = [
        (header::CONTENT_TYPE, asset.content_type.to_string()),
        (
            header::CACHE_CONTROL,
            "public, max-age=31536000, immutable".to_string(),
        ),
        (header::ETAG, etag.clone()),
    ];
    let unchanged = request_headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|sent| sent.as_bytes() == etag.as_bytes());
    if unchanged {
        (StatusCode::NOT_MODIFIED, headers).into_response()
    } else {
        (headers, asset.bytes).into_response()
    }
}

/// GET /favicon.ico, which browsers ask for on their own (on the JSON API too): the icon.
pub async fn favicon() -> axum::response::Redirect {
    axum::response::Redirect::permanent(&url("favicon.svg"))
}
