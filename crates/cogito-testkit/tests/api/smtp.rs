//! E-mail over SMTP: a minimal SMTP sink in the test receives the sign-up code cogito sends
//! through `lettre`; the code from the e-mail confirms the user. An unreachable SMTP server
//! does not fail the sign-up; the code stays in the outbox.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use cogito_server::delivery::{Delivery, DeliveryConfig};
use cogito_testkit::{TestApp, TestOptions};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

use crate::helpers::attr;

const PW: &str = "Passw0rd!";
const FROM: &str = "no-reply@cogito.test";

/// One e-mail received by the sink.
#[derive(Debug)]
pub struct Mail {
    pub mail_from: String,
    pub rcpt_to: Vec<String>,
    pub data: String,
}

/// Starts an SMTP sink on `127.0.0.1:0`; every message arrives on the returned channel.
async fn smtp_sink() -> (u16, mpsc::UnboundedReceiver<Mail>) {
    smtp_sink_failing(Arc::new(AtomicBool::new(false))).await
}

/// [`smtp_sink`] that refuses every message (`451`, try again later) while `failing` is set.
pub async fn smtp_sink_failing(failing: Arc<AtomicBool>) -> (u16, mpsc::UnboundedReceiver<Mail>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let (tx, failing) = (tx.clone(), failing.clone());
            tokio::spawn(async move {
                let session = smtp_session(stream, tx, failing);
                let _ = tokio::time::timeout(Duration::from_secs(30), session).await;
            });
        }
    });
    (port, rx)
}

async fn smtp_session(
    stream: tokio::net::TcpStream,
    tx: mpsc::UnboundedSender<Mail>,
    failing: Arc<AtomicBool>,
) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    write
        .write_all(b"220 sink.test ESMTP test sink\r\n")
        .await?;
    let mut mail = Mail {
        mail_from: String::new(),
        rcpt_to: Vec::new(),
        data: String::new(),
    };
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let cmd = line.trim_end().to_string();
        let upper = cmd.to_ascii_uppercase();
        if upper.starts_with("EHLO") {
            write
                .write_all(b"250-sink.test\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")
                .await?;
        } else if upper.starts_with("HELO") {
            write.write_all(b"250 sink.test\r\n").await?;
        } else if upper.starts_with("MAIL FROM:") && failing.load(Ordering::SeqCst) {
            write
                .write_all(b"451 4.3.0 Temporarily unavailable, try again later\r\n")
                .await?;
        } else if upper.starts_with("MAIL FROM:") {
            mail.mail_from = cmd[10..].trim().to_string();
            write.write_all(b"250 OK\r\n").await?;
        } else if upper.starts_with("RCPT TO:") {
            mail.rcpt_to.push(cmd[8..].trim().to_string());
            write.write_all(b"250 OK\r\n").await?;
        } else if upper == "DATA" {
            write
                .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                .await?;
            let mut data = String::new();
            loop {
                line.clear();
                if lines.read_line(&mut line).await? == 0 {
                    return Ok(());
                }
                if line == ".\r\n" || line == ".\n" {
                    break;
                }
                // Undo dot-stuffing.
                data.push_str(line.strip_prefix('.').unwrap_or(&line));
            }
            mail.data = data;
            write.write_all(b"250 OK: queued\r\n").await?;
            let done = std::mem::replace(
                &mut mail,
                Mail {
                    mail_from: String::new(),
                    rcpt_to: Vec::new(),
                    data: String::new(),
                },
            );
            let _ = tx.send(done);
        } else if upper == "QUIT" {
            write.write_all(b"221 Bye\r\n").await?;
            return Ok(());
        } else {
            // RSET, NOOP and anything else.
            write.write_all(b"250 OK\r\n").await?;
        }
    }
}

/// Splits a message into headers (lower-cased names) and the decoded body.
pub fn decode(data: &str) -> (Vec<(String, String)>, String) {
    let (head, body) = data.split_once("\r\n\r\n").unwrap_or((data, ""));
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in head.split("\r\n") {
        if line.starts_with(' ') || line.starts_with('\t') {
            if let Some(last) = headers.last_mut() {
                last.1.push(' ');
                last.1.push_str(line.trim());
            }
        } else if let Some((k, v)) = line.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    let encoding = headers
        .iter()
        .find(|(k, _)| k == "content-transfer-encoding")
        .map(|(_, v)| v.to_ascii_lowercase())
        .unwrap_or_default();
    let body = match encoding.as_str() {
        "base64" => {
            use base64::Engine;
            let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(compact)
                .expect("base64 body");
            String::from_utf8(bytes).expect("UTF-8 body")
        }
        "quoted-printable" => quoted_printable(body),
        _ => body.to_string(),
    };
    (headers, body)
}

fn quoted_printable(s: &str) -> String {
    let mut out = Vec::new();
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' {
            if bytes.get(i + 1..i + 3) == Some(b"\r\n") {
                i += 3;
                continue;
            }
            if bytes.get(i + 1) == Some(&b'\n') {
                i += 2;
                continue;
            }
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).expect("QP escape");
            out.push(u8::from_str_radix(hex, 16).expect("QP hex"));
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).expect("UTF-8 body")
}

/// All runs of exactly six ASCII digits.
pub fn six_digit_codes(s: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut run = String::new();
    for c in s.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_digit() {
            run.push(c);
        } else {
            if run.len() == 6 {
                found.push(run.clone());
            }
            run.clear();
        }
    }
    found
}

#[tokio::test]
async fn sign_up_code_arrives_by_smtp_and_confirms_the_user() {
    let (port, mut rx) = smtp_sink().await;
    let delivery = Delivery::new(&DeliveryConfig {
        smtp_url: Some(format!("smtp://127.0.0.1:{port}")),
        from: FROM.into(),
        sms_webhook: None,
    })
    .expect("delivery");
    let app = TestApp::spawn_with(TestOptions {
        transport: Some(Arc::new(delivery)),
        ..Default::default()
    })
    .await;
    let pool = app.pool("smtp").await;
    let (client, _) = app.client(&pool, false).await;

    let r = app
        .sdk
        .sign_up()
        .client_id(&client)
        .username("mallory")
        .password(PW)
        .user_attributes(attr("email", "mallory@example.com"))
        .send()
        .await
        .unwrap();
    assert!(!r.user_confirmed);
    let details = r.code_delivery_details.expect("delivery details");
    assert_eq!(
        details
            .delivery_medium
            .map(|m| m.as_str().to_string())
            .as_deref(),
        Some("EMAIL")
    );

    let mail = tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("an e-mail in time")
        .expect("sink alive");
    assert_eq!(mail.rcpt_to, vec!["<mallory@example.com>".to_string()]);
    assert_eq!(mail.mail_from, format!("<{FROM}>"));
    let (headers, body) = decode(&mail.data);
    let header = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    assert!(header("to").contains("mallory@example.com"), "{headers:?}");
    assert!(header("from").contains(FROM), "{headers:?}");
    assert!(!header("subject").is_empty(), "{headers:?}");

    let outbox_code = app.latest_code("mallory").await;
    let codes = six_digit_codes(&body);
    assert_eq!(codes, vec![outbox_code.clone()], "body: {body:?}");

    app.sdk
        .confirm_sign_up()
        .client_id(&client)
        .username("mallory")
        .confirmation_code(&codes[0])
        .send()
        .await
        .unwrap();
    let u = app
        .sdk
        .admin_get_user()
        .user_pool_id(&pool)
        .username("mallory")
        .send()
        .await
        .unwrap();
    assert_eq!(u.user_status().map(|s| s.as_str()), Some("CONFIRMED"));
    // Exactly one e-mail was sent.
    assert!(rx.try_recv().is_err());
}

#[tokio::test]
async fn unreachable_smtp_server_does_not_fail_sign_up() {
    // A port that was just free: nothing listens there.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let delivery = Delivery::new(&DeliveryConfig {
        smtp_url: Some(format!("smtp://127.0.0.1:{port}")),
        from: FROM.into(),
        sms_webhook: None,
    })
    .expect("delivery");
    let app = TestApp::spawn_with(TestOptions {
        transport: Some(Arc::new(delivery)),
        ..Default::default()
    })
    .await;
    let pool = app.pool("smtp-down").await;
    let (client, _) = app.client(&pool, false).await;
    let r = tokio::time::timeout(
        Duration::from_secs(30),
        app.sdk
            .sign_up()
            .client_id(&client)
            .username("trent")
            .password(PW)
            .user_attributes(attr("email", "trent@example.com"))
            .send(),
    )
    .await
    .expect("sign-up answered in time")
    .unwrap();
    assert!(!r.user_confirmed);
    let code = app.latest_code("trent").await;
    assert_eq!(code.len(), 6);
    assert!(code.chars().all(|c| c.is_ascii_digit()));
    app.sdk
        .confirm_sign_up()
        .client_id(&client)
        .username("trent")
        .confirmation_code(&code)
        .send()
        .await
        .unwrap();
    let u = app
        .sdk
        .admin_get_user()
        .user_pool_id(&pool)
        .username("trent")
        .send()
        .await
        .unwrap();
    assert_eq!(u.user_status().map(|s| s.as_str()), Some("CONFIRMED"));
}

#[tokio::test]
async fn unresponsive_smtp_server_does_not_stall_sign_up() {
    // Accepts connections and never says a word.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (hold_tx, mut hold_rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let _ = hold_tx.send(stream);
        }
    });
    let delivery = Delivery::new(&DeliveryConfig {
        smtp_url: Some(format!("smtp://127.0.0.1:{port}")),
        from: FROM.into(),
        sms_webhook: None,
    })
    .expect("delivery");
    let app = TestApp::spawn_with(TestOptions {
        transport: Some(Arc::new(delivery)),
        ..Default::default()
    })
    .await;
    let pool = app.pool("smtp-silent").await;
    let (client, _) = app.client(&pool, false).await;
    let started = std::time::Instant::now();
    let r = tokio::time::timeout(
        Duration::from_secs(10),
        app.sdk
            .sign_up()
            .client_id(&client)
            .username("sybil")
            .password(PW)
            .user_attributes(attr("email", "sybil@example.com"))
            .send(),
    )
    .await
    .expect("sign-up answered while the SMTP server hangs")
    .unwrap();
    assert!(!r.user_confirmed);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "sign-up took {:?}",
        started.elapsed()
    );
    // Delivery was attempted (in the background): the SMTP server got a connection.
    let held = tokio::time::timeout(Duration::from_secs(10), hold_rx.recv()).await;
    assert!(
        matches!(held, Ok(Some(_))),
        "the SMTP server was never contacted"
    );
    assert_eq!(app.latest_code("sybil").await.len(), 6);
}
