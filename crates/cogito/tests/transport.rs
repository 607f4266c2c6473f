//! Transport security of the real `cogito serve` (security bar SEC-60): with `--tls-cert` and
//! `--tls-key` it serves HTTPS only, and its hosted pages send HSTS; a public URL that is plain
//! HTTP on a host other than this machine is warned about loudly at start. Over TLS, HTTP/2 is
//! held to the idle timeout as HTTP/1.1 is (REL-06).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cogito_testkit::sdk;
use sdk::types::OAuthFlowType;

mod support;

use support::Server;

const KEY_ID: &str = "AKIATRANSPORT0000001";
const SECRET: &str = "transport-secret-access-key-0123456789abc";
const CALLBACK: &str = "https://app.example.com/callback";

/// A self-signed certificate for `localhost` and `127.0.0.1`: (certificate, key) PEM files.
fn self_signed(dir: &Path) -> (PathBuf, PathBuf) {
    let (cert, key, _) = self_signed_der(dir);
    (cert, key)
}

/// [`self_signed`], with the certificate's DER for a client to trust.
fn self_signed_der(dir: &Path) -> (PathBuf, PathBuf, Vec<u8>) {
    let made = rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()])
        .expect("certificate");
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert, made.cert.pem()).expect("write cert");
    std::fs::write(&key, made.signing_key.serialize_pem()).expect("write key");
    (cert, key, made.cert.der().to_vec())
}

/// A pool with a domain and a client of the hosted login; (pool, client, domain).
async fn hosted_login(sdk: &sdk::Client) -> (String, String, String) {
    let pool = sdk
        .create_user_pool()
        .pool_name("tls")
        .send()
        .await
        .expect("create pool")
        .user_pool
        .and_then(|p| p.id)
        .expect("pool id");
    let client = sdk
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("web")
        .callback_urls(CALLBACK)
        .allowed_o_auth_flows(OAuthFlowType::Code)
        .allowed_o_auth_scopes("openid")
        .allowed_o_auth_flows_user_pool_client(true)
        .supported_identity_providers("COGNITO")
        .send()
        .await
        .expect("create client")
        .user_pool_client
        .and_then(|c| c.client_id)
        .expect("client id");
    let domain = format!("tls-{}", std::process::id());
    sdk.create_user_pool_domain()
        .user_pool_id(&pool)
        .domain(&domain)
        .send()
        .await
        .expect("create domain");
    (pool, client, domain)
}

#[tokio::test]
async fn sec_60_built_in_tls_serves_https_and_hosted_pages_send_hsts() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let (cert, key) = self_signed(dir.path());
    let cert_copy = cert.clone();
    // Set up over plain HTTP on loopback (no warning there), then serve the same data over TLS.
    let plain = Server::start(
        dir.path(),
        "plain",
        (KEY_ID, SECRET),
        &["--data-dir".into(), data.clone().into()],
    )
    .await;
    let (_pool, client, domain) = hosted_login(&plain.sdk()).await;
    let plain_log = plain.log();
    plain.stop().await;
    assert!(!plain_log.contains("INSECURE"), "{plain_log}");

    let tls = Server::start(
        dir.path(),
        "tls",
        (KEY_ID, SECRET),
        &[
            "--data-dir".into(),
            data.into(),
            "--tls-cert".into(),
            cert.into(),
            "--tls-key".into(),
            key.into(),
        ],
    )
    .await;
    assert!(tls.url.starts_with("https://"), "{}", tls.url);
    let https = tls.client();
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .add_root_certificate(
            reqwest::Certificate::from_pem(&std::fs::read(&cert_copy).expect("cert")).expect("pem"),
        )
        .build()
        .expect("client");
    let health = https
        .get(format!("{}/health", tls.url))
        .send()
        .await
        .expect("https health");
    assert_eq!(health.status(), 200);
    let login_url = url::Url::parse_with_params(
        &format!("{}/domain/{domain}/login", tls.url),
        [
            ("client_id", client.as_str()),
            ("response_type", "code"),
            ("redirect_uri", CALLBACK),
            ("scope", "openid"),
            (
                "code_challenge",
                "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            ),
            ("code_challenge_method", "S256"),
        ],
    )
    .expect("login url");
    let login = no_redirects
        .get(login_url)
        .send()
        .await
        .expect("login page");
    assert_eq!(login.status(), 200, "{:?}", login.headers().get("location"));
    assert_eq!(
        login
            .headers()
            .get("strict-transport-security")
            .and_then(|v| v.to_str().ok()),
        Some("max-age=31536000"),
        "HSTS on a hosted page served over TLS"
    );
    // The TLS port speaks nothing but TLS.
    let plain_url = tls.url.replacen("https://", "http://", 1);
    let refused = support::http()
        .get(format!("{plain_url}/health"))
        .send()
        .await;
    assert!(
        refused.map_or(true, |r| !r.status().is_success()),
        "plain HTTP answered on the TLS port"
    );
    let log = tls.log();
    assert!(!log.contains("INSECURE"), "{log}");
}

#[tokio::test]
async fn sec_60_a_plain_http_public_url_off_this_machine_is_warned_about() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Server::start(
        dir.path(),
        "remote-http",
        (KEY_ID, SECRET),
        &[
            "--data-dir".into(),
            dir.path().join("data").into(),
            "--public-url".into(),
            "http://auth.example.com".into(),
        ],
    )
    .await;
    let log = server.log();
    server.stop().await;
    assert!(
        log.contains("INSECURE") && log.contains("plain HTTP"),
        "no warning for a plain-HTTP public URL:\n{log}"
    );
}

#[tokio::test]
async fn rel_06_an_idle_http2_connection_is_closed_though_its_client_answers_pings() {
    const IDLE: Duration = Duration::from_secs(2);
    let dir = tempfile::tempdir().expect("temp dir");
    let (cert, key, der) = self_signed_der(dir.path());
    let server = Server::start(
        dir.path(),
        "h2",
        (KEY_ID, SECRET),
        &[
            "--tls-cert".into(),
            cert.into(),
            "--tls-key".into(),
            key.into(),
            "--header-timeout".into(),
            IDLE.as_secs().to_string().into(),
        ],
    )
    .await;
    let mut roots = rustls::RootCertStore::empty();
    roots.add(der.into()).expect("trust the certificate");
    let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("protocol versions")
    .with_root_certificates(roots)
    .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec()];
    let address = server.url.trim_start_matches("https://").to_string();
    let tcp = tokio::net::TcpStream::connect(&address)
        .await
        .expect("connect");
    let tls = tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(
            rustls::pki_types::ServerName::try_from("127.0.0.1").expect("name"),
            tcp,
        )
        .await
        .expect("TLS handshake");
    assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));

    // hyper's client answers the server's keep-alive pings, so only an idle timeout closes it.
    let (mut send, connection) =
        hyper::client::conn::http2::Builder::new(hyper_util::rt::TokioExecutor::new())
            .timer(hyper_util::rt::TokioTimer::new())
            .handshake(hyper_util::rt::TokioIo::new(tls))
            .await
            .expect("HTTP/2 handshake");
    let connection = tokio::spawn(connection);
    let request = hyper::Request::get(format!("{}/health", server.url))
        .body(axum::body::Body::empty())
        .expect("request");
    let health = send.send_request(request).await.expect("GET /health");
    assert_eq!(health.status(), 200);
    let idle_since = Instant::now();

    let ended = tokio::time::timeout(IDLE * 5, connection).await;
    let idle = idle_since.elapsed();
    assert!(
        ended.is_ok(),
        "an HTTP/2 connection idle for {idle:?} is still open (idle timeout {IDLE:?})"
    );
    assert!(
        idle >= IDLE - Duration::from_millis(200),
        "closed after {idle:?}, before its idle timeout"
    );
    // The server is still serving.
    let again = server
        .client()
        .get(format!("{}/health", server.url))
        .send()
        .await
        .expect("a new connection");
    assert_eq!(again.status(), 200);
}
