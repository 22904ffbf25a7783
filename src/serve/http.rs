//! The HTTP side of `qiao serve`: the built folder served as a static host would, with the
//! live-reload script added to every HTML page on the way out.

use std::convert::Infallible;
use std::path::{Component, Path};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header, request};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::{BroadcastStream, WatchStream};
use tower::ServiceExt;
use tower_http::compression::CompressionLayer;
use tower_http::services::{ServeDir, ServeFile};

use super::{Notice, Shared, StopSignals};

const LIVE_SCRIPT: &str = include_str!("live.js");
const EVENTS_PATH: &str = "/__qiao/events";
const SCRIPT_PATH: &str = "/__qiao/live.js";
/// How long a client may take to send a request's headers. Without a limit a connection
/// that never finishes its request (a stalled client, a port scanner) is kept forever.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// How long responses under way may take to finish once the server is told to stop.
const SHUTDOWN_GRACE: Duration = Duration::from_millis(500);
/// The pause after a failed `accept` (too many open files, say), so it is not retried in
/// a busy loop.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);
/// Pages larger than this are answered with an error rather than read into memory.
const MAX_PAGE: usize = 64 * 1024 * 1024;

/// Serves `app` on `listener` until Ctrl+C or SIGTERM. Then it stops accepting, tells the
/// live-reload streams to end through `stop` (a tab keeps its stream open for as long as
/// it is open), and gives other responses [`SHUTDOWN_GRACE`] to finish; a second signal
/// stops at once.
pub(super) async fn serve(
    listener: TcpListener,
    app: Router,
    signals: &mut StopSignals,
    stop: watch::Sender<bool>,
) {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT);
    let graceful = GracefulShutdown::new();
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(_) => {
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                    continue;
                }
            },
            () = signals.next() => break,
        };
        let app = app.clone();
        let service = hyper::service::service_fn(move |request| app.clone().oneshot(request));
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        // A connection's errors (a client gone, a header timeout) concern only that client.
        tokio::spawn(connection);
    }
    drop(listener);
    let _ = stop.send(true);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(SHUTDOWN_GRACE) => {}
        () = signals.next() => {}
    }
}

pub(super) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route(EVENTS_PATH, get(events))
        .route(SCRIPT_PATH, get(live_script))
        .fallback(files)
        .layer(CompressionLayer::new().compress_when(compressible))
        .with_state(shared)
}

/// Compresses whole responses only: a 206 body must be exactly the requested bytes.
fn compressible(
    status: StatusCode,
    _: axum::http::Version,
    headers: &axum::http::HeaderMap,
    _: &axum::http::Extensions,
) -> bool {
    status == StatusCode::OK
        && !headers.contains_key(header::CONTENT_RANGE)
        && headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| !t.starts_with("image/") && t != "text/event-stream")
}

/// Every path that is not one of the server's own routes is a file of the output.
///
/// The file is asked for first whole, without `Range` or conditions: an HTML page gets
/// the reload script and the number of the current search index, so its bytes are
/// neither the file's nor fixed by it, and it is always sent whole and anew. Any other
/// file is asked for again as requested, with the range if there is one worth honouring
/// (see [`single_range`]).
async fn files(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (parts, _) = request.into_parts();
    if !confined(&shared.out, parts.uri.path()) {
        return not_found(&shared.out);
    }
    let range = parts
        .headers
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .and_then(single_range);
    let whole = serve_file(&shared, &parts, Ask::Whole).await;
    if is_html(&whole) {
        let index = shared.search_index.load(Ordering::SeqCst);
        return inject_live_reload(whole, index).await;
    }
    let conditional = CONDITIONS.iter().any(|h| parts.headers.contains_key(h));
    if whole.status() != StatusCode::OK || (range.is_none() && !conditional) {
        return whole;
    }
    serve_file(&shared, &parts, Ask::AsRequested(range)).await
}

const CONDITIONS: [header::HeaderName; 5] = [
    header::IF_MATCH,
    header::IF_NONE_MATCH,
    header::IF_MODIFIED_SINCE,
    header::IF_UNMODIFIED_SINCE,
    header::IF_RANGE,
];

/// What of a request goes on to the file server.
enum Ask {
    /// The whole current file: no `Range`, no condition.
    Whole,
    /// The request's conditions, and this range if any.
    AsRequested(Option<String>),
}

/// The file for a request, from the output folder or else from the search files kept
/// from the previous index; the site's 404 page when neither has it.
///
/// A HEAD request is answered as a GET: the reload script changes a page's length, which
/// is only known from its body. The server never sends a body in reply to HEAD.
async fn serve_file(shared: &Shared, parts: &request::Parts, ask: Ask) -> Response {
    let mut request = Request::new(Body::empty());
    *request.method_mut() = if parts.method == Method::HEAD {
        Method::GET
    } else {
        parts.method.clone()
    };
    *request.uri_mut() = parts.uri.clone();
    *request.version_mut() = parts.version;
    let headers = request.headers_mut();
    *headers = parts.headers.clone();
    headers.remove(header::RANGE);
    match ask {
        Ask::Whole => {
            for condition in &CONDITIONS {
                headers.remove(condition);
            }
        }
        Ask::AsRequested(range) => {
            if let Some(range) = range.and_then(|r| HeaderValue::from_str(&r).ok()) {
                headers.insert(header::RANGE, range);
            }
        }
    }
    let retired = ServeDir::new(&shared.retired)
        .not_found_service(ServeFile::new(shared.out.join("404.html")));
    let files = ServeDir::new(&shared.out)
        .append_index_html_on_directories(true)
        .fallback(retired);
    match files.oneshot(request).await {
        Ok(response) => response.map(Body::new),
        Err(never) => match never {},
    }
}

/// The one byte range of a `Range` header worth honouring, rewritten as `bytes=F-L`,
/// `bytes=F-` or `bytes=-N`. RFC 9110 (§14.2) lets a server ignore any other `Range` and
/// send the whole file, which is what every client copes with: several ranges, another
/// unit, or a range that does not parse. A single range past the end still gets 416.
fn single_range(value: &str) -> Option<String> {
    let (unit, set) = value.split_once('=')?;
    if !unit.trim().eq_ignore_ascii_case("bytes") {
        return None;
    }
    // Empty list elements are allowed (RFC 9110 §5.6.1).
    let mut specs = set.split(',').map(str::trim).filter(|s| !s.is_empty());
    let spec = specs.next()?;
    if specs.next().is_some() {
        return None;
    }
    // Digits only: Rust's integer parser would also take a leading `+`.
    let number = |s: &str| -> Option<u64> {
        if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
            s.parse().ok()
        } else {
            None
        }
    };
    match spec.split_once('-')? {
        (first, "") => Some(format!("bytes={}-", number(first)?)),
        ("", suffix) => Some(format!("bytes=-{}", number(suffix)?)),
        (first, last) => {
            let (first, last) = (number(first)?, number(last)?);
            (first <= last).then(|| format!("bytes={first}-{last}"))
        }
    }
}

fn is_html(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html"))
}

/// Whether a request path stays inside the output folder: no `..` (also encoded),
/// backslash or NUL, and no symbolic link leading out of it, neither for the file itself
/// nor for the `index.html` served for a folder. Applies to every path, `/__qiao/` too.
fn confined(out: &Path, path: &str) -> bool {
    let decoded = crate::urls::percent_decode(path);
    let suspicious = decoded.contains('\\')
        || decoded.contains('\0')
        || Path::new(&decoded)
            .components()
            .any(|c| matches!(c, Component::ParentDir));
    if suspicious {
        return false;
    }
    // A path that does not resolve (nothing there) is left to the file server's 404.
    let inside = |p: &Path| match (p.canonicalize(), out.canonicalize()) {
        (Ok(real), Ok(root)) => real.starts_with(root),
        _ => true,
    };
    let candidate = out.join(decoded.trim_start_matches('/'));
    inside(&candidate) && (!candidate.is_dir() || inside(&candidate.join("index.html")))
}

fn not_found(out: &Path) -> Response {
    let page = std::fs::read(out.join("404.html")).unwrap_or_else(|_| b"Not found".to_vec());
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        page,
    )
        .into_response()
}

/// Adds the live-reload script to an HTML page, with the number of the search index
/// current as it is served. The page then no longer has the file's length, ETag, date or
/// byte ranges, and is not to be reused from a cache unchecked (a reload that got a
/// cached page with an old index number would reload again, forever).
async fn inject_live_reload(response: Response, search_index: u64) -> Response {
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_PAGE).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let mut html = String::from_utf8_lossy(&bytes).into_owned();
    let tag = format!(
        "<script src=\"{SCRIPT_PATH}\" data-search-index=\"{search_index}\" defer></script>"
    );
    match html.rfind("</body>") {
        Some(at) => html.insert_str(at, &tag),
        None => html.push_str(&tag),
    }
    parts.headers.remove(header::ETAG);
    parts.headers.remove(header::LAST_MODIFIED);
    parts
        .headers
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    parts
        .headers
        .insert(header::ACCEPT_RANGES, HeaderValue::from_static("none"));
    parts
        .headers
        .insert(header::CONTENT_LENGTH, HeaderValue::from(html.len()));
    Response::from_parts(parts, Body::from(html))
}

async fn live_script() -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/javascript; charset=utf-8"),
        )],
        LIVE_SCRIPT,
    )
}

async fn events(State(shared): State<Arc<Shared>>) -> impl IntoResponse {
    // Subscribed first, so nothing falls between what is read now and the updates.
    let updates = BroadcastStream::new(shared.notices.subscribe()).filter_map(Result::ok);
    let current = shared.error.lock().map(|e| e.clone()).unwrap_or(None);
    // The search index first: a search page that loaded while it changed learns of it.
    let index = Notice::SearchIndex(shared.search_index.load(Ordering::SeqCst));
    let first = tokio_stream::iter(std::iter::once(index).chain(current.map(Notice::Error)));
    // The stream ends when the server stops, which otherwise waits for the tab to close.
    let stopped = WatchStream::new(shared.stopping.clone())
        .filter(|stopping| *stopping)
        .map(|_| None);
    let stream = first
        .chain(updates)
        .map(Some)
        .merge(stopped)
        .map_while(|notice| {
            notice.map(|notice| {
                Ok::<_, Infallible>(match notice {
                    Notice::Reload(which) => Event::default()
                        .event("reload")
                        .data(serde_json::to_string(&which).unwrap_or_default()),
                    Notice::SearchIndex(n) => {
                        Event::default().event("search-index").data(n.to_string())
                    }
                    Notice::Error(text) => Event::default().event("build-error").data(text),
                })
            })
        });
    Sse::new(stream).keep_alive(KeepAlive::default())
}
