//! A small HTTP proxy on loopback in front of the real S3 test server. It
//! records every request (to check request shape) and can answer some
//! requests itself (to fake what moto does not do, such as a bucket with
//! ACLs disabled). Everything else is forwarded unchanged.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};

/// One request as the proxy saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body_len: usize,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Decides whether to answer a request itself: `Some((status, body))`.
pub type Rule = Arc<dyn Fn(&Seen) -> Option<(u16, String)> + Send + Sync>;

pub struct Proxy {
    pub endpoint: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    rule: Arc<Mutex<Option<Rule>>>,
}

impl Proxy {
    /// Start a proxy to `upstream` (http://host:port) on a free loopback
    /// port, on its own thread and runtime.
    pub fn start(upstream: &str) -> Self {
        let upstream = upstream.trim_end_matches('/').to_string();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let rule: Arc<Mutex<Option<Rule>>> = Arc::new(Mutex::new(None));
        let (tx, rx) = std::sync::mpsc::channel();
        let (seen2, rule2) = (seen.clone(), rule.clone());
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(serve(upstream, seen2, rule2, tx));
        });
        let addr: SocketAddr = rx.recv().expect("proxy started");
        Self {
            endpoint: format!("http://{addr}"),
            seen,
            rule,
        }
    }

    pub fn set_rule(&self, rule: Rule) {
        *self.rule.lock().unwrap() = Some(rule);
    }

    /// Requests seen so far; forget them.
    pub fn take(&self) -> Vec<Seen> {
        std::mem::take(&mut *self.seen.lock().unwrap())
    }
}

async fn serve(
    upstream: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    rule: Arc<Mutex<Option<Rule>>>,
    ready: std::sync::mpsc::Sender<SocketAddr>,
) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    ready.send(listener.local_addr().unwrap()).unwrap();
    let client: Client<HttpConnector, Full<Bytes>> =
        Client::builder(TokioExecutor::new()).build_http();
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let (upstream, seen, rule, client) =
            (upstream.clone(), seen.clone(), rule.clone(), client.clone());
        tokio::spawn(async move {
            let service = service_fn(move |req| {
                handle(
                    req,
                    upstream.clone(),
                    seen.clone(),
                    rule.clone(),
                    client.clone(),
                )
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

async fn handle(
    req: Request<Incoming>,
    upstream: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    rule: Arc<Mutex<Option<Rule>>>,
    client: Client<HttpConnector, Full<Bytes>>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let (parts, body) = req.into_parts();
    let body = body
        .collect()
        .await
        .map(http_body_util::Collected::to_bytes)
        .unwrap_or_default();
    let info = Seen {
        method: parts.method.to_string(),
        path: parts.uri.path().to_string(),
        headers: parts
            .headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_string()))
            .collect(),
        body_len: body.len(),
    };
    seen.lock().unwrap().push(info.clone());
    let answer = rule.lock().unwrap().as_ref().and_then(|r| r(&info));
    if let Some((status, text)) = answer {
        return Ok(Response::builder()
            .status(status)
            .header("content-type", "application/xml")
            .body(Full::new(Bytes::from(text)))
            .unwrap());
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
                .body(Full::new(Bytes::from(format!("proxy: {e}"))))
                .unwrap());
        }
    };
    let (parts, body) = response.into_parts();
    let body = body
        .collect()
        .await
        .map(http_body_util::Collected::to_bytes)
        .unwrap_or_default();
    Ok(Response::from_parts(parts, Full::new(body)))
}

/// An S3 error document as AWS sends it.
pub fn s3_error(status: u16, code: &str, message: &str) -> (u16, String) {
    (
        status,
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{message}</Message><RequestId>S3SYNCTEST</RequestId><HostId>s3sync-test</HostId></Error>"
        ),
    )
}

/// AWS's answer to a request carrying an ACL on a bucket whose Object
/// Ownership is "Bucket owner enforced".
pub fn acl_not_supported() -> (u16, String) {
    s3_error(
        400,
        "AccessControlListNotSupported",
        "The bucket does not allow ACLs",
    )
}

/// A rule rejecting PUTs that carry `x-amz-acl` to keys containing `needle`.
pub fn reject_acls_on(needle: &'static str) -> Rule {
    Arc::new(move |seen: &Seen| {
        (seen.method == "PUT" && seen.header("x-amz-acl").is_some() && seen.path.contains(needle))
            .then(acl_not_supported)
    })
}
