//! A small HTTP proxy on loopback in front of the real S3 test server. It
//! records every request (to check request shape), can answer some
//! requests itself (to fake what moto does not do, such as a bucket with
//! ACLs disabled) and can replace the server's answer (as AWS's 403 for a
//! missing key does). Everything else is forwarded unchanged.

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::{Frame, Incoming};
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};

/// One request as the proxy saw it.
#[derive(Debug, Clone)]
pub(crate) struct Seen {
    pub method: String,
    pub path: String,
    /// The query string, without `?` (empty when there is none).
    pub query: String,
    pub headers: Vec<(String, String)>,
    pub body_len: usize,
    pub body: Bytes,
}

impl Seen {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Decides whether to answer a request itself: `Some((status, body))`.
pub(crate) type Rule = Arc<dyn Fn(&Seen) -> Option<(u16, String)> + Send + Sync>;

/// Decides whether to replace the server's answer (its status is given):
/// `Some((status, body))`.
pub(crate) type Rewrite = Arc<dyn Fn(&Seen, u16) -> Option<(u16, String)> + Send + Sync>;

/// Rewrites the body of the server's answer (its status and headers stay),
/// for answers moto gets wrong: `Some(new body)`.
pub(crate) type BodyRewrite = Arc<dyn Fn(&Seen, &Bytes) -> Option<Bytes> + Send + Sync>;

/// A fault the proxy can inject.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Fault {
    /// 503 SlowDown (throttling).
    SlowDown,
    /// 500 InternalError.
    Internal,
    /// Forward the request (so the write happens), then cut the connection
    /// in the middle of the response.
    Reset,
    /// Hold the request this long, then drop the connection.
    Stall(Duration),
}

/// Which requests get a fault: `percent` of those `applies` selects, chosen
/// by a seeded hash of the request's number, so a run is repeatable.
#[derive(Clone)]
pub(crate) struct Faults {
    pub percent: u64,
    pub kinds: Vec<Fault>,
    pub seed: u64,
    pub applies: Arc<dyn Fn(&Seen) -> bool + Send + Sync>,
}

type Body = BoxBody<Bytes, Box<dyn std::error::Error + Send + Sync>>;

/// Selects requests to hold at the gate.
pub(crate) type Hold = Arc<dyn Fn(&Seen) -> bool + Send + Sync>;

struct State {
    /// Sleep this long before forwarding each request.
    delay: Mutex<Option<Duration>>,
    /// Requests this selects wait until the gate opens.
    hold: Mutex<Option<Hold>>,
    gate: tokio::sync::watch::Sender<bool>,
    seen: Mutex<Vec<Seen>>,
    seen_changed: Condvar,
    rule: Mutex<Option<Rule>>,
    rewrite: Mutex<Option<Rewrite>>,
    body_rewrite: Mutex<Option<BodyRewrite>>,
    faults: Mutex<Option<Faults>>,
    requests: AtomicU64,
    injected: AtomicU64,
}

pub(crate) struct Proxy {
    pub endpoint: String,
    state: Arc<State>,
}

impl Proxy {
    /// Start a proxy to `upstream` (http://host:port) on a free loopback
    /// port, on its own thread and runtime.
    pub(crate) fn start(upstream: &str) -> Self {
        let upstream = upstream.trim_end_matches('/').to_string();
        let state = Arc::new(State {
            delay: Mutex::new(None),
            hold: Mutex::new(None),
            gate: tokio::sync::watch::Sender::new(false),
            seen: Mutex::new(Vec::new()),
            seen_changed: Condvar::new(),
            rule: Mutex::new(None),
            rewrite: Mutex::new(None),
            body_rewrite: Mutex::new(None),
            faults: Mutex::new(None),
            requests: AtomicU64::new(0),
            injected: AtomicU64::new(0),
        });
        let (tx, rx) = std::sync::mpsc::channel();
        let shared = state.clone();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(serve(upstream, shared, tx));
        });
        let addr: SocketAddr = rx.recv().expect("proxy started");
        Self {
            endpoint: format!("http://{addr}"),
            state,
        }
    }

    pub(crate) fn set_rule(&self, rule: Rule) {
        *self.state.rule.lock().unwrap() = Some(rule);
    }

    pub(crate) fn set_rewrite(&self, rewrite: Rewrite) {
        *self.state.rewrite.lock().unwrap() = Some(rewrite);
    }

    pub(crate) fn set_body_rewrite(&self, rewrite: BodyRewrite) {
        *self.state.body_rewrite.lock().unwrap() = Some(rewrite);
    }

    pub(crate) fn set_delay(&self, delay: Option<Duration>) {
        *self.state.delay.lock().unwrap() = delay;
    }

    /// Hold the requests `hold` selects until [`Proxy::release`].
    pub(crate) fn hold(&self, hold: Hold) {
        *self.state.hold.lock().unwrap() = Some(hold);
    }

    pub(crate) fn release(&self) {
        self.state.gate.send_replace(true);
    }

    pub(crate) fn set_faults(&self, faults: Option<Faults>) {
        *self.state.faults.lock().unwrap() = faults;
    }

    /// How many faults were injected so far.
    pub(crate) fn injected(&self) -> u64 {
        self.state.injected.load(Ordering::Relaxed)
    }

    /// Requests seen so far; forget them.
    pub(crate) fn take(&self) -> Vec<Seen> {
        std::mem::take(&mut *self.state.seen.lock().unwrap())
    }

    /// Wait (on a condition, bounded) until `enough` holds for the requests
    /// seen so far.
    pub(crate) fn wait_for(&self, enough: impl Fn(&[Seen]) -> bool, limit: Duration) -> bool {
        let seen = self.state.seen.lock().unwrap();
        let (_seen, result) = self
            .state
            .seen_changed
            .wait_timeout_while(seen, limit, |seen| !enough(seen))
            .unwrap();
        !result.timed_out()
    }
}

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// A response body that sends its first half, then fails: the client sees
/// the connection cut mid-body.
struct Truncated(Option<Bytes>);

impl hyper::body::Body for Truncated {
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        Poll::Ready(Some(match self.0.take() {
            Some(half) => Ok(Frame::data(half)),
            None => Err("injected connection reset".into()),
        }))
    }
}

fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into())
        .map_err(|never| match never {})
        .boxed()
}

async fn serve(upstream: String, state: Arc<State>, ready: std::sync::mpsc::Sender<SocketAddr>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    ready.send(listener.local_addr().unwrap()).unwrap();
    let client: Client<HttpConnector, Full<Bytes>> =
        Client::builder(TokioExecutor::new()).build_http();
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let (upstream, state, client) = (upstream.clone(), state.clone(), client.clone());
        tokio::spawn(async move {
            let service =
                service_fn(move |req| handle(req, upstream.clone(), state.clone(), client.clone()));
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

type HandlerError = Box<dyn std::error::Error + Send + Sync>;

async fn handle(
    req: Request<Incoming>,
    upstream: String,
    state: Arc<State>,
    client: Client<HttpConnector, Full<Bytes>>,
) -> Result<Response<Body>, HandlerError> {
    let (parts, body) = req.into_parts();
    let body = body
        .collect()
        .await
        .map(http_body_util::Collected::to_bytes)
        .unwrap_or_default();
    let info = Seen {
        method: parts.method.to_string(),
        path: parts.uri.path().to_string(),
        query: parts.uri.query().unwrap_or_default().to_string(),
        headers: parts
            .headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_string()))
            .collect(),
        body_len: body.len(),
        body: body.clone(),
    };
    state.seen.lock().unwrap().push(info.clone());
    state.seen_changed.notify_all();
    let held = state
        .hold
        .lock()
        .unwrap()
        .as_ref()
        .is_some_and(|h| h(&info));
    if held {
        let mut open = state.gate.subscribe();
        let _ = open.wait_for(|open| *open).await;
    }
    let delay = *state.delay.lock().unwrap();
    if let Some(delay) = delay {
        tokio::time::sleep(delay).await;
    }
    let answer = state.rule.lock().unwrap().as_ref().and_then(|r| r(&info));
    if let Some((status, text)) = answer {
        return Ok(Response::builder()
            .status(status)
            .header("content-type", "application/xml")
            .body(full(text))
            .unwrap());
    }
    let n = state.requests.fetch_add(1, Ordering::Relaxed);
    let fault = state.faults.lock().unwrap().as_ref().and_then(|f| {
        let roll = splitmix(f.seed ^ n);
        ((f.applies)(&info) && roll % 100 < f.percent)
            .then(|| f.kinds[usize::try_from((roll >> 8) % f.kinds.len() as u64).unwrap()])
    });
    if fault.is_some() {
        state.injected.fetch_add(1, Ordering::Relaxed);
    }
    match fault {
        Some(Fault::SlowDown) => {
            let (status, text) = s3_error(503, "SlowDown", "Please reduce your request rate.");
            return Ok(Response::builder().status(status).body(full(text)).unwrap());
        }
        Some(Fault::Internal) => {
            let (status, text) = s3_error(
                500,
                "InternalError",
                "We encountered an internal error. Please try again.",
            );
            return Ok(Response::builder().status(status).body(full(text)).unwrap());
        }
        Some(Fault::Stall(d)) => {
            tokio::time::sleep(d).await;
            return Err("injected stall".into());
        }
        Some(Fault::Reset) | None => {}
    }
    let path_and_query = parts
        .uri
        .path_and_query()
        .map_or("/", hyper::http::uri::PathAndQuery::as_str);
    let mut forward = Request::builder()
        .method(parts.method)
        .uri(format!("{upstream}{path_and_query}"));
    for (k, v) in &parts.headers {
        forward = forward.header(k, v);
    }
    let response = match client.request(forward.body(Full::new(body)).unwrap()).await {
        Ok(r) => r,
        Err(e) => {
            return Ok(Response::builder()
                .status(502)
                .body(full(format!("proxy: {e}")))
                .unwrap());
        }
    };
    let (mut parts, body) = response.into_parts();
    let mut body = body
        .collect()
        .await
        .map(http_body_util::Collected::to_bytes)
        .unwrap_or_default();
    let fixed = state
        .body_rewrite
        .lock()
        .unwrap()
        .as_ref()
        .and_then(|r| r(&info, &body));
    if let Some(fixed) = fixed {
        parts.headers.remove(hyper::header::CONTENT_LENGTH);
        body = fixed;
    }
    let rewritten = state
        .rewrite
        .lock()
        .unwrap()
        .as_ref()
        .and_then(|r| r(&info, parts.status.as_u16()));
    if let Some((status, text)) = rewritten {
        return Ok(Response::builder()
            .status(status)
            .header("content-type", "application/xml")
            .body(full(text))
            .unwrap());
    }
    if fault == Some(Fault::Reset) {
        if body.is_empty() {
            return Err("injected connection reset".into());
        }
        let half = body.slice(..body.len() / 2);
        return Ok(Response::from_parts(parts, Truncated(Some(half)).boxed()));
    }
    Ok(Response::from_parts(parts, full(body)))
}

/// An S3 error document as AWS sends it.
pub(crate) fn s3_error(status: u16, code: &str, message: &str) -> (u16, String) {
    (
        status,
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{message}</Message><RequestId>S3SYNCTEST</RequestId><HostId>s3sync-test</HostId></Error>"
        ),
    )
}

/// AWS's answer to a request carrying an ACL on a bucket whose Object
/// Ownership is "Bucket owner enforced".
pub(crate) fn acl_not_supported() -> (u16, String) {
    s3_error(
        400,
        "AccessControlListNotSupported",
        "The bucket does not allow ACLs",
    )
}

/// A rule rejecting PUTs that carry `x-amz-acl` to keys containing `needle`.
pub(crate) fn reject_acls_on(needle: &'static str) -> Rule {
    Arc::new(move |seen: &Seen| {
        (seen.method == "PUT" && seen.header("x-amz-acl").is_some() && seen.path.contains(needle))
            .then(acl_not_supported)
    })
}
