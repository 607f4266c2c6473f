//! Delivery that does not drop messages (security bar REL-16), through a real SMTP sink that can
//! refuse mail: sign-ups are acknowledged while the sink fails, every message is delivered once
//! it heals and its code still confirms; a message that keeps failing becomes a visible dead
//! letter; two delivery passes at once (two instances) send each message once, carrying the
//! outbox id as `Message-ID`. The passes run on the server's (test) clock.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use cogito_core::model::DeliveryState;
use cogito_core::service::delivery::{MAX_ATTEMPTS, MAX_BACKOFF_MS};
use cogito_server::delivery::{Delivery, DeliveryConfig};
use cogito_testkit::{TestApp, TestOptions};
use tokio::sync::mpsc;

use crate::helpers::attr;
use crate::smtp::{Mail, decode, six_digit_codes, smtp_sink_failing};

const PW: &str = "Passw0rd!";

/// An app sending e-mail to a sink that refuses mail while the returned flag is set (it starts
/// set), with a pool and a public client.
async fn app_with_failing_sink() -> (
    TestApp,
    Arc<AtomicBool>,
    mpsc::UnboundedReceiver<Mail>,
    String,
) {
    let failing = Arc::new(AtomicBool::new(true));
    let (port, rx) = smtp_sink_failing(failing.clone()).await;
    let delivery = Delivery::new(&DeliveryConfig {
        smtp_url: Some(format!("smtp://127.0.0.1:{port}")),
        from: "no-reply@cogito.test".into(),
        sms_webhook: None,
    })
    .expect("delivery");
    let app = TestApp::spawn_with(TestOptions {
        transport: Some(Arc::new(delivery)),
        ..Default::default()
    })
    .await;
    let pool = app.pool("delivery").await;
    let (client, _) = app.client(&pool, false).await;
    (app, failing, rx, client)
}

async fn sign_up(app: &TestApp, client: &str, name: &str) {
    app.sdk
        .sign_up()
        .client_id(client)
        .username(name)
        .password(PW)
        .user_attributes(attr("email", &format!("{name}@example.com")))
        .send()
        .await
        .expect("a sign-up is acknowledged while delivery fails");
}

/// Waits (bounded) until `name`'s message has made `attempts` attempts; its delivery state.
async fn after_attempts(app: &TestApp, name: &str, attempts: u32) -> DeliveryState {
    for _ in 0..200 {
        let messages = app.outbox(name).await;
        if let Some(m) = messages.first()
            && m.delivery.attempts >= attempts
        {
            return m.delivery.state;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{name}'s message never reached {attempts} attempts");
}

/// The mails the sink has received so far, waiting briefly for stragglers.
async fn received(rx: &mut mpsc::UnboundedReceiver<Mail>, expected: usize) -> Vec<Mail> {
    let mut mails = Vec::new();
    while mails.len() < expected {
        match tokio::time::timeout(Duration::from_secs(10), rx.recv()).await {
            Ok(Some(m)) => mails.push(m),
            _ => break,
        }
    }
    // Anything beyond the expected would be a duplicate.
    while let Ok(Some(m)) = tokio::time::timeout(Duration::from_millis(300), rx.recv()).await {
        mails.push(m);
    }
    mails
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

#[tokio::test]
async fn rel_16_messages_survive_a_failing_sink_and_arrive_once_it_heals() {
    let (app, failing, mut rx, client) = app_with_failing_sink().await;
    let names = ["ann", "ben", "cat"];
    for name in names {
        sign_up(&app, &client, name).await;
    }
    for name in names {
        assert_eq!(after_attempts(&app, name, 1).await, DeliveryState::Pending);
        let m = &app.outbox(name).await[0];
        assert!(
            m.delivery
                .last_error
                .as_deref()
                .is_some_and(|e| e.contains("451")),
            "{:?}",
            m.delivery
        );
    }
    let core = app.state.core.clone();
    assert_eq!(
        core.deliver_due().await.unwrap(),
        0,
        "not due before the backoff"
    );
    failing.store(false, Ordering::SeqCst);
    app.clock.advance_ms(MAX_BACKOFF_MS);
    assert_eq!(core.deliver_due().await.unwrap(), names.len());
    let mails = received(&mut rx, names.len()).await;
    assert_eq!(mails.len(), names.len(), "each message delivered once");
    for name in names {
        let m = &app.outbox(name).await[0];
        assert_eq!(
            (m.delivery.state, m.delivery.attempts),
            (DeliveryState::Sent, 2)
        );
        let mail = mails
            .iter()
            .find(|mail| mail.rcpt_to.iter().any(|r| r.contains(name)))
            .expect("a mail to each user");
        let (headers, body) = decode(&mail.data);
        assert_eq!(
            header(&headers, "message-id"),
            Some(format!("<{}@cogito>", m.id).as_str())
        );
        let code = six_digit_codes(&body).pop().expect("code in the mail");
        app.sdk
            .confirm_sign_up()
            .client_id(&client)
            .username(name)
            .confirmation_code(code)
            .send()
            .await
            .expect("a retried code still confirms");
    }
    assert_eq!(
        core.deliver_due().await.unwrap(),
        0,
        "nothing left to deliver"
    );
}

#[tokio::test]
async fn rel_16_a_message_that_keeps_failing_becomes_a_dead_letter() {
    let (app, _failing, mut rx, client) = app_with_failing_sink().await;
    sign_up(&app, &client, "dan").await;
    after_attempts(&app, "dan", 1).await;
    let core = app.state.core.clone();
    for attempt in 2..=MAX_ATTEMPTS {
        app.clock.advance_ms(MAX_BACKOFF_MS);
        assert_eq!(core.deliver_due().await.unwrap(), 1, "attempt {attempt}");
    }
    let m = &app.outbox("dan").await[0];
    assert_eq!(
        (m.delivery.state, m.delivery.attempts),
        (DeliveryState::Dead, MAX_ATTEMPTS)
    );
    assert!(m.delivery.last_error.is_some());
    app.clock.advance_ms(MAX_BACKOFF_MS);
    assert_eq!(
        core.deliver_due().await.unwrap(),
        0,
        "a dead letter is not retried"
    );
    assert!(rx.try_recv().is_err(), "nothing was delivered");
}

#[tokio::test]
async fn rel_16_two_delivery_passes_at_once_send_each_message_once() {
    let (app, failing, mut rx, client) = app_with_failing_sink().await;
    let names: Vec<String> = (0..10).map(|i| format!("user{i}")).collect();
    for name in &names {
        sign_up(&app, &client, name).await;
    }
    for name in &names {
        after_attempts(&app, name, 1).await;
    }
    failing.store(false, Ordering::SeqCst);
    app.clock.advance_ms(MAX_BACKOFF_MS);
    let (a, b) = (app.state.core.clone(), app.state.core.clone());
    let (da, db) = tokio::join!(a.deliver_due(), b.deliver_due());
    assert_eq!(da.unwrap() + db.unwrap(), names.len());
    let mails = received(&mut rx, names.len()).await;
    assert_eq!(mails.len(), names.len(), "no message sent twice");
}
