//! Shared set-up of the example's tests: a spawned cogito (`--dev`), the example trigger
//! service (`examples/triggers`) as the pool's pre-sign-up function, the demo pool seeded
//! through the SDK (`seed::seed_with`, as `cogito demo` does), and the example app serving on
//! `127.0.0.1:0` against it.

#![allow(dead_code)]

use cogito_example_webapp::{Config, seed};
use cogito_testkit::{ACCESS_KEY_ID, SECRET_ACCESS_KEY, TestApp, TestOptions};

/// Domain prefix of the test pool.
pub const DOMAIN: &str = "demo";

/// The function name the example trigger service is mapped to.
pub const TRIGGER_FUNCTION: &str = "cogito-example-triggers";

async fn axum_serve(listener: tokio::net::TcpListener, app: axum::Router) {
    let _ = axum::serve(listener, app).await;
}

/// cogito plus the example app.
pub struct Env {
    /// The identity provider.
    pub cogito: TestApp,
    /// `http://127.0.0.1:<port>` of the example app.
    pub app_url: String,
    /// The seeded pool and clients.
    pub seeded: seed::Seeded,
    /// `<cogito>/domain/<DOMAIN>`.
    pub domain_url: String,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for Env {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

impl Env {
    /// Spawns both and seeds the pool; the app without the flow runner.
    pub async fn start() -> Self {
        Self::start_with(false).await
    }

    /// The same, the app's flow runner (`/flows/run/*`) mounted when `flow_runner`.
    pub async fn start_with(flow_runner: bool) -> Self {
        let secret = b"example trigger secret".to_vec();
        let triggers = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let triggers_url = format!("http://{}/", triggers.local_addr().expect("addr"));
        let service = cogito_example_triggers::app(secret.clone(), "corp.example".into());
        tokio::spawn(async move { axum_serve(triggers, service).await });
        let cogito = TestApp::spawn_with(TestOptions {
            dev: true,
            triggers: Some(
                cogito_server::triggers::TriggerSettings::parse(
                    &[format!("{TRIGGER_FUNCTION}={triggers_url}")],
                    secret,
                )
                .expect("trigger settings"),
            ),
            ..TestOptions::default()
        })
        .await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let app_url = format!("http://{}", listener.local_addr().expect("addr"));
        let arn = format!("arn:aws:lambda:us-east-1:000000000000:function:{TRIGGER_FUNCTION}");
        let seeded = seed::seed_with(&cogito.sdk, &app_url, DOMAIN, Some(&arn))
            .await
            .expect("seed");
        let domain_url = format!("{}/domain/{DOMAIN}", cogito.url);
        let config = Config {
            pool_id: seeded.pool_id.clone(),
            region: "us-east-1".into(),
            endpoint_url: Some(cogito.url.clone()),
            issuer: None,
            domain_url: domain_url.clone(),
            web_client_id: seeded.web_client_id.clone(),
            web_client_secret: seeded.web_client_secret.clone(),
            api_client_id: seeded.api_client_id.clone(),
            api_client_secret: seeded.api_client_secret.clone(),
            public_url: app_url.clone(),
            cookie_key: [42u8; 32],
            aws_credentials: (ACCESS_KEY_ID.into(), SECRET_ACCESS_KEY.into(), None),
            flow_runner,
        };
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            cogito_example_webapp::serve(listener, config, async {
                let _ = rx.await;
            })
            .await
            .expect("example app");
        });
        Self {
            cogito,
            app_url,
            seeded,
            domain_url,
            shutdown: Some(tx),
        }
    }

    /// The demo admin's and plain user's `(username, password)`.
    pub fn user(&self, group: &str) -> (&'static str, &'static str) {
        let (u, p, _) = seed::USERS
            .iter()
            .find(|(_, _, g)| *g == group)
            .expect("a demo user of that group");
        (u, p)
    }
}
