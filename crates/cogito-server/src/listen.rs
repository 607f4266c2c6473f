//! The HTTP listener (security bar REL-06, REL-18, SEC-60): accepts connections up to a cap,
//! serves HTTP/1.1 over plain TCP, HTTP/1.1 or HTTP/2 (by ALPN) over built-in TLS, and bounds
//! what a slow or idle client can hold.
//!
//! - A request's head must arrive within [`Limits::header_timeout`] of the connection starting
//!   to wait for it — which also closes a kept-alive connection idle that long — so clients that
//!   trickle a header (slowloris) or never speak are closed. An HTTP/2 connection with no
//!   request in flight for that long is closed too (GOAWAY, then the close), even when its
//!   client answers every keep-alive ping.
//! - A request's body must arrive whole within [`Limits::body_timeout`]; a body still coming
//!   then fails the request.
//! - At most [`Limits::max_connections`] connections are open at once; further ones wait in the
//!   kernel's accept queue until one closes. A TLS handshake is bounded by the header timeout.
//! - Each request carries the peer's address ([`Peer`]) for the rate limits.
//!
//! On shutdown the listener closes at once, open connections finish their requests in flight
//! and then close; the caller bounds how long that may take (`--drain-timeout`).

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes, HttpBody};
use hyper::body::{Frame, Incoming, SizeHint};
use hyper::server::conn::{http1, http2};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{Notify, Semaphore, watch};
use tower::ServiceExt;

/// What one client may hold of the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Longest wait for a request's head, counted from when the connection starts waiting for
    /// it (so also the idle timeout of a kept-alive connection), and for a TLS handshake.
    pub header_timeout: Duration,
    /// Longest a request's body may take to arrive, counted from its head.
    pub body_timeout: Duration,
    /// Most connections open at once.
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            max_connections: 4096,
        }
    }
}

/// The address of the peer a request came from (a request extension).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Peer(pub SocketAddr);

/// Serves `router` on `listener` within `limits`, over TLS when `tls` is given, until
/// `shutdown` resolves; then stops accepting and waits for the open connections to finish.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    tls: Option<Arc<rustls::ServerConfig>>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    // Every connection holds a receiver: shutdown sends `true`, then waits for all to drop.
    let (stopping, stop) = watch::channel(false);
    // HTTP/1.1's header timer runs from the moment a connection waits for a request head: on
    // a new connection before its first byte, and on a kept-alive one between requests.
    let mut h1 = http1::Builder::new();
    h1.timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    let mut h2 = http2::Builder::new(TokioExecutor::new());
    h2.timer(TokioTimer::new())
        .keep_alive_interval(Some(limits.header_timeout))
        .keep_alive_timeout(limits.header_timeout);
    let http = Http { h1, h2 };
    let tls = tls.map(tokio_rustls::TlsAcceptor::from);
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            p = permits.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: wait a moment rather than spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let (router, body_timeout) = (router.clone(), limits.body_timeout);
        let activity = Arc::new(Activity::default());
        let in_flight = activity.clone();
        // Each request is tagged with its peer, its body bounded in time, and counted in flight
        // until its response is ready.
        let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
            let mut req = req.map(|body| Body::new(Timed::new(body, body_timeout)));
            req.extensions_mut().insert(Peer(peer));
            let request = in_flight.begin();
            let response = router.clone().oneshot(req);
            async move {
                let response = response.await;
                drop(request);
                response
            }
        });
        let (http, stop, tls) = (http.clone(), stop.clone(), tls.clone());
        let watch = Watch {
            stop,
            activity,
            idle_after: limits.header_timeout,
        };
        tokio::spawn(async move {
            let _permit = permit;
            let served = match tls {
                None => http.serve(stream, false, service, watch).await,
                Some(acceptor) => {
                    let handshake =
                        tokio::time::timeout(limits.header_timeout, acceptor.accept(stream));
                    let stream = match handshake.await {
                        Ok(Ok(s)) => s,
                        Ok(Err(e)) => return tracing::debug!(error = %e, "TLS handshake failed"),
                        Err(_) => return tracing::debug!("TLS handshake timed out"),
                    };
                    let h2 = stream.get_ref().1.alpn_protocol() == Some(b"h2");
                    http.serve(stream, h2, service, watch).await
                }
            };
            if let Err(e) = served {
                tracing::debug!(error = %e, %peer, "connection ended with an error");
            }
        });
    }
    drop(listener);
    drop(stop);
    let _ = stopping.send(true);
    stopping.closed().await;
    Ok(())
}

/// The protocol builders.
#[derive(Clone)]
struct Http {
    h1: http1::Builder,
    h2: http2::Builder<TokioExecutor>,
}

impl Http {
    /// Serves one connection (HTTP/2 if `h2`), finishing early on a graceful shutdown.
    async fn serve<I, S>(&self, io: I, h2: bool, service: S, watch: Watch) -> hyper::Result<()>
    where
        I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
        S: hyper::service::Service<
                hyper::Request<Incoming>,
                Response = axum::response::Response,
                Error = std::convert::Infallible,
            > + Send
            + 'static,
        S::Future: Send + 'static,
    {
        let io = TokioIo::new(io);
        if h2 {
            let conn = self.h2.serve_connection(io, service);
            watch.drive(conn, |c| c.graceful_shutdown(), true).await
        } else {
            // HTTP/1.1's header timer already closes an idle connection.
            let conn = self.h1.serve_connection(io, service);
            watch.drive(conn, |c| c.graceful_shutdown(), false).await
        }
    }
}

/// What ends a connection early: the server shutting down, or (HTTP/2) no request in flight
/// for `idle_after`.
struct Watch {
    stop: watch::Receiver<bool>,
    activity: Arc<Activity>,
    idle_after: Duration,
}

impl Watch {
    /// Polls `conn` to its end; on shutdown, or when `idle_closes` and it has been idle too
    /// long, asks it (`close`) to finish its requests in flight and close.
    async fn drive<C, R>(mut self, conn: C, close: impl FnOnce(Pin<&mut C>), idle_closes: bool) -> R
    where
        C: std::future::Future<Output = R>,
    {
        tokio::pin!(conn);
        tokio::select! {
            ended = conn.as_mut() => return ended,
            // A closed channel (the server gone) is a shutdown too.
            _ = self.stop.wait_for(|stopping| *stopping) => {}
            () = self.activity.idle_for(self.idle_after), if idle_closes => {}
        }
        close(conn.as_mut());
        conn.await
    }
}

/// How many requests of one connection are in flight, and a signal when that changes.
#[derive(Default)]
struct Activity {
    in_flight: AtomicUsize,
    changed: Notify,
}

impl Activity {
    /// Counts a request in flight until the returned guard drops.
    fn begin(self: &Arc<Self>) -> InFlight {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        self.changed.notify_waiters();
        InFlight(self.clone())
    }

    /// Resolves once no request has been in flight for `limit`.
    async fn idle_for(&self, limit: Duration) {
        loop {
            let changed = self.changed.notified();
            tokio::pin!(changed);
            // Registered before the count is read, so no change in between goes unseen.
            changed.as_mut().enable();
            if self.in_flight.load(Ordering::SeqCst) == 0 {
                tokio::select! {
                    () = tokio::time::sleep(limit) => return,
                    () = changed => {}
                }
            } else {
                changed.await;
            }
        }
    }
}

/// A request in flight (see [`Activity::begin`]).
struct InFlight(Arc<Activity>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
        self.0.changed.notify_waiters();
    }
}

/// A request body that fails once its deadline passes before it has fully arrived.
struct Timed {
    inner: Incoming,
    deadline: Pin<Box<tokio::time::Sleep>>,
}

impl Timed {
    fn new(inner: Incoming, limit: Duration) -> Self {
        Self {
            inner,
            deadline: Box::pin(tokio::time::sleep(limit)),
        }
    }
}

/// The error of a body that did not arrive in time.
#[derive(Debug)]
struct BodyTimedOut;

impl std::fmt::Display for BodyTimedOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("request body timed out")
    }
}

impl std::error::Error for BodyTimedOut {}

impl HttpBody for Timed {
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if let Poll::Ready(frame) = Pin::new(&mut self.inner).poll_frame(cx) {
            return Poll::Ready(frame.map(|f| f.map_err(Into::into)));
        }
        match self.deadline.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Some(Err(BodyTimedOut.into()))),
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
