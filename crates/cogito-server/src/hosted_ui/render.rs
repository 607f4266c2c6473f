//! Template rendering: a minijinja environment per page whose loader asks the page's
//! [`Branding`] for an override before the built-in template, with HTML auto-escaping for every
//! template whatever its name, a fuel limit (a customised template cannot loop forever), and
//! the `t(key, args…)` text function. A customised template that fails to render is logged and
//! replaced by the built-in one, so a broken override never locks users out.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::http::StatusCode;
use cogito_core::crypto::fingerprint;
use cogito_core::model::AppClient;
use cogito_core::service::oauth::url_encode;
use minijinja::value::Rest;
use minijinja::value::ValueKind;
use minijinja::{
    AutoEscape, Environment, Error, ErrorKind, Output, State, Value, escape_formatter,
};

use super::branding::Branding;
use super::i18n::Messages;
use crate::domain::DomainCtx;

/// Instruction budget of one render.
const FUEL: u64 = 500_000;

/// The built-in style sheet.
pub const HOSTED_CSS: &str = include_str!("../../templates/hosted_ui/hosted.css");

/// The built-in template of a name.
pub fn builtin(name: &str) -> Option<&'static str> {
    Some(match name {
        "base.html" => include_str!("../../templates/hosted_ui/base.html"),
        "macros.html" => include_str!("../../templates/hosted_ui/macros.html"),
        "login.html" => include_str!("../../templates/hosted_ui/login.html"),
        "new_password.html" => include_str!("../../templates/hosted_ui/new_password.html"),
        "signup.html" => include_str!("../../templates/hosted_ui/signup.html"),
        "confirm_user.html" => include_str!("../../templates/hosted_ui/confirm_user.html"),
        "confirmed.html" => include_str!("../../templates/hosted_ui/confirmed.html"),
        "forgot_password.html" => include_str!("../../templates/hosted_ui/forgot_password.html"),
        "confirm_forgot_password.html" => {
            include_str!("../../templates/hosted_ui/confirm_forgot_password.html")
        }
        "error.html" => include_str!("../../templates/hosted_ui/error.html"),
        "mfa_code.html" => include_str!("../../templates/hosted_ui/mfa_code.html"),
        "mfa_select.html" => include_str!("../../templates/hosted_ui/mfa_select.html"),
        "mfa_setup.html" => include_str!("../../templates/hosted_ui/mfa_setup.html"),
        _ => return None,
    })
}

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
    out
}

/// minijinja's HTML escaping, except that `/` stays readable (URLs in `href` and `action`).
fn html_formatter(
    out: &mut Output<'_>,
    state: &mut State<'_, '_>,
    value: &Value,
) -> Result<(), Error> {
    let plain = matches!(
        value.kind(),
        ValueKind::Undefined | ValueKind::None | ValueKind::Bool | ValueKind::Number
    );
    if value.is_safe() || plain || !matches!(state.auto_escape(), AutoEscape::Html) {
        return escape_formatter(out, state, value);
    }
    let text = value
        .as_str()
        .map_or_else(|| value.to_string(), str::to_string);
    out.write_str(&escape_html(&text))
        .map_err(|_| Error::new(ErrorKind::WriteFailure, "could not write the page"))
}

fn environment(branding: Option<Arc<Branding>>, messages: Arc<Messages>) -> Environment<'static> {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| AutoEscape::Html);
    env.set_formatter(html_formatter);
    env.set_fuel(Some(FUEL));
    env.set_loader(move |name| {
        let custom = branding.as_ref().and_then(|b| b.template(name));
        Ok(custom.or_else(|| builtin(name).map(str::to_string)))
    });
    env.add_function("t", move |key: String, args: Rest<Value>| -> String {
        let args: Vec<String> = args.iter().map(ToString::to_string).collect();
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        messages.text(&key, &refs)
    });
    env
}

fn render_with(env: &Environment<'static>, name: &str, ctx: &Value) -> Result<String, String> {
    env.get_template(name)
        .and_then(|t| t.render(ctx))
        .map_err(|e| {
            let mut text = e.to_string();
            let mut source = std::error::Error::source(&e);
            while let Some(s) = source {
                text.push_str(&format!(": {s}"));
                source = s.source();
            }
            text
        })
}

/// Renders a page with the customisation of `branding`, falling back to the built-in
/// templates when a customised one fails.
pub fn render(
    branding: &Arc<Branding>,
    messages: &Arc<Messages>,
    name: &str,
    ctx: &Value,
) -> String {
    let custom = environment(Some(branding.clone()), messages.clone());
    match render_with(&custom, name, ctx) {
        Ok(html) => html,
        Err(e) => {
            tracing::warn!(template = name, error = %e, "customised hosted-UI template failed; using the built-in one");
            let plain = environment(None, messages.clone());
            render_with(&plain, name, ctx).unwrap_or_else(|e| {
                tracing::error!(template = name, error = %e, "built-in hosted-UI template failed");
                "<!doctype html><html lang=\"en\"><title>Error</title><p>Internal error.</p></html>"
                    .to_string()
            })
        }
    }
}

/// What a handler asks to render: a template, a status and page-specific variables.
#[derive(Debug, Clone)]
pub struct View {
    /// Template name.
    pub template: &'static str,
    /// HTTP status.
    pub status: StatusCode,
    /// Variables (merged over the common ones).
    pub vars: BTreeMap<String, Value>,
}

impl View {
    /// A view of `template` answered with `status`.
    pub fn new(template: &'static str, status: StatusCode) -> Self {
        Self {
            template,
            status,
            vars: BTreeMap::new(),
        }
    }

    /// Sets a variable.
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.vars.insert(key.to_string(), value.into());
        self
    }

    /// An error shown above the form, tied to `fields` (their `aria-describedby`), status 400
    /// unless `status` says otherwise.
    pub fn error(mut self, text: String, fields: &[&str], status: StatusCode) -> Self {
        self.status = status;
        self.vars.insert("error".into(), Value::from(text));
        let fields: Vec<Value> = fields.iter().map(|f| Value::from(*f)).collect();
        self.vars.insert("error_fields".into(), Value::from(fields));
        self
    }
}

pub fn short_hash(bytes: &[u8]) -> String {
    fingerprint(&String::from_utf8_lossy(bytes))[..12].to_string()
}

/// Variables every page has, also on the error page rendered without a flow.
pub fn base_vars(
    ctx: Option<&DomainCtx>,
    client: Option<&AppClient>,
    branding: &Branding,
    messages: &Messages,
    page: &str,
) -> BTreeMap<String, Value> {
    let base = ctx.map(|c| c.base_url.as_str()).unwrap_or_default();
    let pool_name = ctx.map(|c| c.pool.name.clone()).unwrap_or_default();
    let client_name = client.map(|c| c.name.clone()).unwrap_or_default();
    let display = if client_name.is_empty() {
        pool_name.clone()
    } else {
        client_name.clone()
    };
    let client_q = client
        .map(|c| format!("client_id={}&", url_encode(&c.client_id)))
        .unwrap_or_default();
    let mut css = vec![Value::from(format!(
        "{base}/static/hosted.css?v={}",
        short_hash(HOSTED_CSS.as_bytes())
    ))];
    let custom = branding.css();
    if !custom.is_empty() {
        css.push(Value::from(format!(
            "{base}/ui/custom.css?{client_q}v={}",
            short_hash(custom.as_bytes())
        )));
    }
    let logo = branding
        .logo()
        .map(|(bytes, _)| format!("{base}/ui/logo?{client_q}v={}", short_hash(&bytes)));
    let mut v = BTreeMap::new();
    let mut put = |k: &str, val: Value| {
        v.insert(k.to_string(), val);
    };
    put("lang", Value::from(messages.lang.clone()));
    put("page", Value::from(page.trim_end_matches(".html")));
    put("base_url", Value::from(base));
    put(
        "initial",
        Value::from(display.chars().next().map(String::from).unwrap_or_default()),
    );
    put("display_name", Value::from(display));
    put("pool_name", Value::from(pool_name));
    put("client_name", Value::from(client_name));
    put("css_urls", Value::from(css));
    put("logo_url", logo.map(Value::from).unwrap_or_default());
    put("error_fields", Value::from(Vec::<Value>::new()));
    put("languages", Value::from(Vec::<Value>::new()));
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(pairs: &[(&str, Value)]) -> Value {
        let map: BTreeMap<String, Value> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_string(), v.clone()))
            .collect();
        Value::from(map)
    }

    #[test]
    fn every_value_is_escaped_and_broken_overrides_fall_back() {
        let messages = Arc::new(Messages::load("en", &[]));
        let branding = Arc::new(Branding::default());
        let html = render(
            &branding,
            &messages,
            "error.html",
            &ctx(&[
                ("lang", Value::from("en")),
                ("title", Value::from("<script>x</script>")),
                ("message", Value::from("\"><svg onload=alert(1)>")),
                ("display_name", Value::from("App")),
            ]),
        );
        assert!(!html.contains("<script>x"), "{html}");
        assert!(!html.contains("<svg onload"), "{html}");
        assert!(html.contains("&lt;script&gt;"));
        assert!(html.contains("<html lang=\"en\">"));
    }

    #[test]
    fn the_text_function_reads_the_table() {
        let messages = Arc::new(Messages::load("fr", &[]));
        let env = environment(None, messages);
        let mut env = env;
        env.add_template("x.html", "{{ t('sign_in_lead', name) }}")
            .unwrap();
        let out = env
            .get_template("x.html")
            .unwrap()
            .render(ctx(&[("name", Value::from("<b>"))]))
            .unwrap();
        assert_eq!(out, "Continuer vers &lt;b&gt;");
    }
}
