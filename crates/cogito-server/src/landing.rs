//! Landing pages, so every URL cogito prints opens something useful: the server's root (what
//! cogito is and where its endpoints are) and a domain's root (a sign-in link per app client
//! using the hosted login, the pool's JWKS and discovery). They show only what is public
//! anyway: client ids and callback URLs are in every front end that signs in.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use cogito_core::service::oauth::url_encode;
use minijinja::{AutoEscape, Environment, context};

use crate::AppState;
use crate::domain::{DomainCtx, DomainUrls};

const TEMPLATE: &str = include_str!("../templates/landing.html");

fn render(ctx: minijinja::Value) -> Response {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| AutoEscape::Html);
    match env.template_from_str(TEMPLATE).and_then(|t| t.render(ctx)) {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "landing page");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// `GET /`.
pub async fn root(State(state): State<AppState>) -> Response {
    let base = state
        .core
        .config
        .public_url
        .trim_end_matches('/')
        .to_owned();
    let domain_example = match &state.config.domain_urls {
        DomainUrls::Host { suffix, scheme } => format!("{scheme}://<prefix>.{suffix}/login"),
        DomainUrls::Path { .. } => format!("{base}/domain/<prefix>/login"),
    };
    render(context! { title => "cogito", base, domain_example })
}

/// `GET /` of a domain.
pub async fn domain_root(State(state): State<AppState>, ctx: DomainCtx) -> Response {
    let clients = match state.core.list_clients(&ctx.pool.id, None, 60).await {
        Ok(page) => page.items,
        Err(e) => {
            return crate::hosted_ui::error_page(
                &state,
                Some(&ctx),
                StatusCode::SERVICE_UNAVAILABLE,
                &e.to_string(),
            );
        }
    };
    let links: Vec<minijinja::Value> = clients
        .into_iter()
        .filter(|c| c.oauth.enabled && c.oauth.flows.iter().any(|f| f == "code"))
        .filter_map(|c| {
            let redirect = c
                .oauth
                .default_redirect_uri
                .clone()
                .or_else(|| c.oauth.callback_urls.first().cloned())?;
            Some(context! {
                url => format!(
                    "{}/login?client_id={}&response_type=code&redirect_uri={}",
                    ctx.base_url,
                    url_encode(&c.client_id),
                    url_encode(&redirect)
                ),
                name => c.name,
            })
        })
        .collect();
    let issuer_base = state.core.config.public_url.trim_end_matches('/');
    render(context! {
        title => format!("Sign in — {}", ctx.pool.name),
        pool_id => ctx.pool.id.clone(),
        clients => links,
        jwks => format!("{issuer_base}/{}/.well-known/jwks.json", ctx.pool.id),
        discovery => format!("{issuer_base}/{}/.well-known/openid-configuration", ctx.pool.id),
    })
}
