//! Static resources of the hosted pages, served from the domain so the CSP can stay
//! `style-src 'self'; img-src 'self'`: the built-in style sheet, the customised CSS and logo of
//! a pool or client (`?client_id=`), and the logo URL that `GetUICustomization` reports
//! (`/_ui/<poolId>/<clientId|ALL>/logo`, outside any domain).

use axum::extract::{Path, RawQuery, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use cogito_core::service::ui_customization::{client_key, image_media_type};

use super::branding::{Branding, safe_id};
use super::headers;
use super::render::HOSTED_CSS;
use crate::AppState;
use crate::domain::DomainCtx;
use crate::oauth2::params::Params;

fn asset(body: impl Into<axum::body::Body>, media: &'static str, cache: &'static str) -> Response {
    let mut resp = (StatusCode::OK, body.into()).into_response();
    let h = resp.headers_mut();
    h.insert(CONTENT_TYPE, HeaderValue::from_static(media));
    h.insert(CACHE_CONTROL, HeaderValue::from_static(cache));
    headers::apply(&mut resp, None, false);
    resp
}

fn not_found() -> Response {
    let mut resp = (StatusCode::NOT_FOUND, "Not found").into_response();
    headers::apply(&mut resp, None, false);
    resp
}

/// `GET /static/hosted.css`.
pub async fn hosted_css() -> Response {
    asset(
        HOSTED_CSS,
        "text/css; charset=utf-8",
        "public, max-age=3600",
    )
}

/// The branding of the pool and of the `client_id` of the query, if that client belongs to
/// the pool (anything else falls back to the pool).
async fn branding_for(state: &AppState, ctx: &DomainCtx, q: Option<String>) -> Branding {
    let query = Params::parse(q.as_deref().unwrap_or_default());
    let mut client = None;
    if let Some(id) = query.get("client_id").filter(|c| safe_id(c))
        && state.core.pool_client(&ctx.pool.id, &id).await.is_ok()
    {
        client = Some(id);
    }
    Branding::load(state, &ctx.pool.id, client.as_deref()).await
}

/// `GET /ui/custom.css?client_id=`: every layer's CSS, least specific first.
pub async fn custom_css(
    State(state): State<AppState>,
    ctx: DomainCtx,
    RawQuery(q): RawQuery,
) -> Response {
    let css = branding_for(&state, &ctx, q).await.css();
    asset(css, "text/css; charset=utf-8", "no-cache")
}

/// `GET /ui/logo?client_id=`: the most specific logo.
pub async fn logo(
    State(state): State<AppState>,
    ctx: DomainCtx,
    RawQuery(q): RawQuery,
) -> Response {
    match branding_for(&state, &ctx, q).await.logo() {
        Some((bytes, media)) => asset(bytes, media, "no-cache"),
        None => not_found(),
    }
}

/// `GET /_ui/<poolId>/<clientId|ALL>/logo`: the stored logo (`ImageUrl` of
/// `GetUICustomization`).
pub async fn logo_by_id(
    State(state): State<AppState>,
    Path((pool_id, client_id)): Path<(String, String)>,
) -> Response {
    let ui = state
        .core
        .ui_customization(&pool_id, client_key(Some(&client_id)))
        .await;
    match ui.ok().flatten().and_then(|ui| ui.image) {
        Some(bytes) => match image_media_type(&bytes) {
            Some(media) => asset(bytes, media, "no-cache"),
            None => not_found(),
        },
        None => not_found(),
    }
}
