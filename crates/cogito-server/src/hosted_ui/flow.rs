//! What every hosted page shares: the re-validated authorization request, the parameters
//! carried from page to page, the language, the customisation, the CSRF token, the common
//! template variables, and the responses (page, 303 redirect, error page, 403, sign-in
//! completion with a fresh session).

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::http::header::{ACCEPT_LANGUAGE, LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use cogito_core::CoreError;
use cogito_core::model::{AppClient, User, UserPool};
use cogito_core::service::oauth::{AuthorizeError, AuthorizeRequest, url_encode};
use minijinja::Value;

use super::branding::Branding;
use super::csrf::{self, Csrf};
use super::headers;
use super::i18n::{self, Messages};
use super::render::{self, View};
use crate::AppState;
use crate::domain::DomainCtx;
use crate::oauth2::params::{Params, authorize_params};
use crate::session_cookie;

/// Parameters carried from page to page (the authorize request, plus the page language).
const FORWARDED: &[&str] = &[
    "response_type",
    "client_id",
    "redirect_uri",
    "state",
    "scope",
    "code_challenge",
    "code_challenge_method",
    "nonce",
    "prompt",
    "max_age",
    "identity_provider",
    "idp_identifier",
    "login_hint",
    "lang",
];

/// Notices a page may show after a redirect (`notice=`); nothing else is reflected.
const NOTICES: &[&str] = &["confirmed", "password_reset", "code_sent"];

/// A page request in progress.
pub struct Flow {
    /// The domain.
    pub ctx: DomainCtx,
    /// The validated authorization request (absent on the e-mail link page).
    pub req: Option<AuthorizeRequest>,
    /// The client the page is for.
    pub client: Option<AppClient>,
    /// The whole query string, parsed.
    pub query: Params,
    forward: String,
    /// Texts in the page language.
    pub messages: Arc<Messages>,
    /// Customisation.
    pub branding: Arc<Branding>,
    /// CSRF token (and pre-auth cookie to set).
    pub csrf: Csrf,
    page_path: &'static str,
}

/// `303 See Other` to `url` (never 307/308: security bar SEC-07).
pub fn see_other(url: &str) -> Response {
    match HeaderValue::from_str(url) {
        Ok(v) => {
            let mut resp = StatusCode::SEE_OTHER.into_response();
            resp.headers_mut().insert(LOCATION, v);
            resp
        }
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// The label key and input type of the username field.
fn username_field(pool: &UserPool) -> (&'static str, &'static str) {
    let email = pool.username_attributes.iter().any(|a| a == "email");
    let phone = pool.username_attributes.iter().any(|a| a == "phone_number");
    match (email, phone) {
        (true, true) => ("username_email_or_phone", "text"),
        (true, false) => ("username_email", "email"),
        (false, true) => ("username_phone", "tel"),
        _ => ("username", "text"),
    }
}

impl Flow {
    /// [`Flow::start`] for a form POST: also parses the body and checks its CSRF token (a
    /// failure answers the 403 page and changes nothing).
    pub async fn start_post(
        state: &AppState,
        ctx: DomainCtx,
        headers: &HeaderMap,
        raw_query: Option<String>,
        page_path: &'static str,
        body: &str,
    ) -> Result<(Self, Params), Response> {
        let flow = Self::start(state, ctx, headers, raw_query, page_path).await?;
        let form = Params::parse(body);
        if !flow.csrf_ok(state, headers, &form) {
            return Err(flow.forbidden());
        }
        Ok((flow, form))
    }

    /// Re-validates the authorize parameters of the query (an untrusted client or redirect
    /// URI gets the error page, another error goes back to the client like `/authorize`).
    pub async fn start(
        state: &AppState,
        ctx: DomainCtx,
        headers: &HeaderMap,
        raw_query: Option<String>,
        page_path: &'static str,
    ) -> Result<Self, Response> {
        let raw = raw_query.unwrap_or_default();
        match state
            .core
            .validate_authorize(&ctx.pool.id, &authorize_params(&raw))
            .await
        {
            Ok(req) => {
                let client = req.client.clone();
                Ok(Self::build(
                    state,
                    ctx,
                    headers,
                    &raw,
                    Some(req),
                    Some(client),
                    page_path,
                )
                .await)
            }
            Err(AuthorizeError::Redirect(url)) => Err(see_other(&url)),
            Err(AuthorizeError::Unavailable) => Err(crate::deadline::unavailable(page_path, "1")),
            Err(AuthorizeError::Page(msg)) => {
                let flow = Self::build(state, ctx, headers, &raw, None, None, page_path).await;
                let text = flow.text("err_request", &[&msg]);
                Err(flow.error_response(StatusCode::BAD_REQUEST, &text, None))
            }
        }
    }

    /// A flow without an authorization request (the e-mail link page, `/error`).
    pub async fn bare(
        state: &AppState,
        ctx: DomainCtx,
        headers: &HeaderMap,
        raw_query: Option<String>,
        client: Option<AppClient>,
        page_path: &'static str,
    ) -> Self {
        let raw = raw_query.unwrap_or_default();
        Self::build(state, ctx, headers, &raw, None, client, page_path).await
    }

    async fn build(
        state: &AppState,
        ctx: DomainCtx,
        headers: &HeaderMap,
        raw: &str,
        req: Option<AuthorizeRequest>,
        client: Option<AppClient>,
        page_path: &'static str,
    ) -> Self {
        let query = Params::parse(raw);
        let client_id = client.as_ref().map(|c| c.client_id.clone());
        let branding = Arc::new(Branding::load(state, &ctx.pool.id, client_id.as_deref()).await);
        let accept = headers.get(ACCEPT_LANGUAGE).and_then(|h| h.to_str().ok());
        let lang = i18n::negotiate(query.get("lang").as_deref(), accept, |l| {
            i18n::is_builtin(l) || branding.has_messages(l)
        });
        let messages = Arc::new(Messages::load(&lang, &branding.messages(&lang)));
        let forward = FORWARDED
            .iter()
            .filter_map(|k| {
                query
                    .values
                    .get(*k)
                    .map(|v| format!("{k}={}", url_encode(v)))
            })
            .collect::<Vec<_>>()
            .join("&");
        let csrf = csrf::issue(state, &ctx, headers);
        Self {
            ctx,
            req,
            client,
            query,
            forward,
            messages,
            branding,
            csrf,
            page_path,
        }
    }

    /// The validated request (pages built by [`Flow::start`] always have one).
    pub fn req(&self) -> &AuthorizeRequest {
        self.req
            .as_ref()
            .expect("Flow::start always validates the request")
    }

    /// A text in the page language.
    pub fn text(&self, key: &str, args: &[&str]) -> String {
        self.messages.text(key, args)
    }

    /// A query parameter (trimmed, empty → `None`).
    pub fn param(&self, name: &str) -> Option<String> {
        self.query
            .get(name)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    }

    /// `<base>/<path>?<extra>&<forwarded parameters>`.
    pub fn url(&self, path: &str, extra: &[(&str, &str)]) -> String {
        let mut parts: Vec<String> = extra
            .iter()
            .map(|(k, v)| format!("{k}={}", url_encode(v)))
            .collect();
        if !self.forward.is_empty() {
            parts.push(self.forward.clone());
        }
        format!("{}{path}?{}", self.ctx.base_url, parts.join("&"))
    }

    fn lang_url(&self, code: &str) -> String {
        let mut parts: Vec<String> = FORWARDED
            .iter()
            .filter(|k| **k != "lang")
            .filter_map(|k| {
                self.query
                    .values
                    .get(*k)
                    .map(|v| format!("{k}={}", url_encode(v)))
            })
            .collect();
        parts.push(format!("lang={code}"));
        format!(
            "{}{}?{}",
            self.ctx.base_url,
            self.page_path,
            parts.join("&")
        )
    }

    /// The password rules of the pool, as sentences.
    pub fn password_rules(&self) -> Vec<Value> {
        let p = &self.ctx.pool.password_policy;
        let len = p.minimum_length.to_string();
        let mut rules = vec![self.text("rule_length", &[&len])];
        for (on, key) in [
            (p.require_uppercase, "rule_upper"),
            (p.require_lowercase, "rule_lower"),
            (p.require_numbers, "rule_number"),
            (p.require_symbols, "rule_symbol"),
        ] {
            if on {
                rules.push(self.text(key, &[]));
            }
        }
        rules.into_iter().map(Value::from).collect()
    }

    /// The label of an attribute field.
    pub fn attribute_label(&self, name: &str) -> String {
        let key = format!("attr.{name}");
        self.messages
            .get(&key)
            .map_or_else(|| name.to_string(), str::to_string)
    }

    fn vars(&self, page: &str) -> BTreeMap<String, Value> {
        let mut v = render::base_vars(
            Some(&self.ctx),
            self.client.as_ref(),
            &self.branding,
            &self.messages,
            page,
        );
        let mut codes: Vec<String> = i18n::builtin_codes().map(str::to_string).collect();
        if !codes.contains(&self.messages.lang) {
            codes.push(self.messages.lang.clone());
        }
        let languages: Vec<Value> = codes
            .iter()
            .map(|code| {
                let mut m = BTreeMap::new();
                m.insert("code", Value::from(code.clone()));
                m.insert("name", Value::from(Messages::language_name(code)));
                m.insert("url", Value::from(self.lang_url(code)));
                m.insert("current", Value::from(*code == self.messages.lang));
                Value::from(m)
            })
            .collect();
        let signup_open = !self.ctx.pool.allow_admin_create_user_only;
        let (label, kind) = username_field(&self.ctx.pool);
        let notice = self
            .param("notice")
            .filter(|n| NOTICES.contains(&n.as_str()))
            .map(|n| Value::from(self.text(&format!("notice_{n}"), &[])))
            .unwrap_or_default();
        let mut put = |k: &str, val: Value| {
            v.insert(k.to_string(), val);
        };
        put("languages", Value::from(languages));
        put("csrf", Value::from(self.csrf.token.clone()));
        put("notice", notice);
        put("action", Value::from(self.url(self.page_path, &[])));
        put("login_url", Value::from(self.url("/login", &[])));
        put("forgot_url", Value::from(self.url("/forgotPassword", &[])));
        put("confirm_url", Value::from(self.url("/confirmUser", &[])));
        put(
            "signup_url",
            if signup_open {
                Value::from(self.url("/signup", &[]))
            } else {
                Value::UNDEFINED
            },
        );
        put("username_label", Value::from(self.text(label, &[])));
        put("username_type", Value::from(kind));
        put("username", Value::from(""));
        v
    }

    fn finish(&self, mut resp: Response) -> Response {
        if let Some(c) = &self.csrf.set_cookie {
            resp.headers_mut().append(SET_COOKIE, c.clone());
        }
        let sources = self
            .client
            .as_ref()
            .map(|c| headers::callback_sources(&c.oauth.callback_urls))
            .unwrap_or_default();
        headers::apply(
            &mut resp,
            Some(&headers::csp(&sources)),
            self.ctx.base_url.starts_with("https://"),
        );
        resp
    }

    /// Renders a page.
    pub fn render(&self, view: View) -> Response {
        let mut vars = self.vars(view.template);
        vars.extend(view.vars);
        let html = render::render(
            &self.branding,
            &self.messages,
            view.template,
            &Value::from(vars),
        );
        self.finish((view.status, Html(html)).into_response())
    }

    /// The error page in this flow's look and language.
    pub fn error_response(
        &self,
        status: StatusCode,
        message: &str,
        retry: Option<String>,
    ) -> Response {
        let title = if status == StatusCode::FORBIDDEN {
            self.text("forbidden_title", &[])
        } else {
            self.text("error_title", &[])
        };
        self.render(
            View::new("error.html", status)
                .with("title", title)
                .with("message", message)
                .with("retry_url", retry.map(Value::from).unwrap_or_default()),
        )
    }

    /// `403`: the CSRF token or the origin check failed; nothing was changed.
    pub fn forbidden(&self) -> Response {
        let retry = self.url(self.page_path, &[]);
        self.error_response(
            StatusCode::FORBIDDEN,
            &self.text("err_csrf", &[]),
            Some(retry),
        )
    }

    /// Checks the CSRF token of a form and the request's origin.
    pub fn csrf_ok(&self, state: &AppState, headers: &HeaderMap, form: &Params) -> bool {
        csrf::verify(state, &self.ctx, headers, form.get(csrf::FIELD).as_deref())
    }

    /// A `303` within the flow (pre-auth cookie and headers included).
    pub fn redirect(&self, url: &str) -> Response {
        self.finish(see_other(url))
    }

    /// A generic failure page (the cause is logged).
    pub fn internal(&self, cause: &dyn std::fmt::Display) -> Response {
        tracing::error!(cause = %cause, "hosted UI failure");
        self.error_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            &self.text("err_generic", &[]),
            None,
        )
    }

    /// The page for a failure of a core service: a trigger's refusal or failure is shown with
    /// its message (as Cognito's hosted UI does), anything else as a generic internal error.
    pub fn failed(&self, e: &CoreError) -> Response {
        match e {
            CoreError::UserLambdaValidation(m)
            | CoreError::UnexpectedLambda(m)
            | CoreError::InvalidLambdaResponse(m) => self.error_response(
                StatusCode::BAD_REQUEST,
                m,
                Some(self.url(self.page_path, &[])),
            ),
            e => self.internal(e),
        }
    }

    /// Signs the user in: ends the browser's previous session, starts a fresh one (new id,
    /// SEC-48), replaces the pre-auth id, and sends the browser to the client with a code or
    /// tokens (303).
    pub async fn complete_sign_in(
        &self,
        state: &AppState,
        headers: &HeaderMap,
        user: &User,
    ) -> Response {
        let req = self.req();
        if let Err(e) = state
            .core
            .hosted_signed_in(&self.ctx.pool, &req.client, user)
            .await
        {
            return self.failed(&e);
        }
        if let Some(old) = session_cookie::session_id(state, headers)
            && let Err(e) = state.core.end_hosted_session(&old).await
        {
            tracing::warn!(error = %e, "ending the previous hosted session failed");
        }
        let auth_time = state.core.clock.now_secs();
        let id = match state
            .core
            .create_hosted_session(&self.ctx.pool.id, user, auth_time)
            .await
        {
            Ok(id) => id,
            Err(e) => return self.internal(&e),
        };
        let url = match state.core.complete_authorize(req, user, auth_time).await {
            Ok(url) => url,
            Err(e) => return self.internal(&e),
        };
        let mut resp = see_other(&url);
        let h = resp.headers_mut();
        h.append(
            SET_COOKIE,
            session_cookie::set_cookie(state, &self.ctx, &id),
        );
        if let Some(c) = csrf::fresh(state, &self.ctx).set_cookie {
            h.append(SET_COOKIE, c);
        }
        headers::apply(&mut resp, None, self.ctx.base_url.starts_with("https://"));
        resp
    }

    /// The secret hash the core expects from a confidential client, computed server-side.
    pub fn secret_hash(&self, username: &str) -> Option<String> {
        let client = self.client.as_ref()?;
        let secret = client.secret.as_deref()?;
        Some(cogito_core::secret_hash::compute(
            secret,
            username,
            &client.client_id,
        ))
    }
}
