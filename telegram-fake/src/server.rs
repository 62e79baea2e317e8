//! The HTTP face: Telegram's URL scheme (`/bot<token>/<method>`, files under
//! `/file/bot<token>/<path>`), its JSON envelopes, and the recording of every
//! call for tests.

use std::{sync::Arc, sync::atomic::Ordering, time::Duration, time::Instant};

use axum::{
    Router,
    body::Body,
    extract::{DefaultBodyLimit, Request, State},
    http::{HeaderValue, StatusCode, header::CONTENT_TYPE},
    response::Response,
};
use serde_json::{Map, Value};

use crate::{
    Inner,
    error::{TgError, TgResult},
    methods::{self, Kind},
    params::{self, MAX_BODY, Params},
    state::now,
    types::RecordedRequest,
    updates,
};

pub(crate) fn router(inner: Arc<Inner>) -> Router {
    Router::new().fallback(handle).layer(DefaultBodyLimit::max(MAX_BODY)).with_state(inner)
}

enum Route {
    Method { token: String, method: String },
    File { token: String, path: String },
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = std::str::from_utf8(&b[i + 1..i + 3]).ok();
            if let Some(v) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn parse_path(path: &str) -> Option<Route> {
    let path = path.trim_start_matches('/');
    if let Some(rest) = path.strip_prefix("file/") {
        let (bot, file_path) = rest.split_once('/')?;
        let token = percent_decode(bot.strip_prefix("bot")?);
        return Some(Route::File { token, path: percent_decode(file_path) });
    }
    let (bot, method) = path.split_once('/')?;
    let token = percent_decode(bot.strip_prefix("bot")?);
    let method = method.trim_end_matches('/');
    if method.is_empty() || method.contains('/') {
        return None;
    }
    Some(Route::Method { token, method: method.to_owned() })
}

fn json_response(status: u16, body: &Value) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_else(|_| b"{\"ok\":false}".to_vec());
    let mut resp = Response::new(Body::from(bytes));
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    resp.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    resp
}

async fn handle(State(inner): State<Arc<Inner>>, req: Request) -> Response {
    let at = now();
    let path = req.uri().path().to_owned();
    match parse_path(&path) {
        None => json_response(404, &TgError::not_found().to_json()),
        Some(Route::File { token, path }) => download(&inner, &token, &path),
        Some(Route::Method { token, method }) => {
            let method = method.to_ascii_lowercase();
            if token != inner.token {
                let (status, body) = envelope(Err(TgError::unauthorized()));
                record(&inner, method, Value::Object(Map::new()), Vec::new(), at, status, &body);
                return json_response(status, &body);
            }
            let params = match params::read(req).await {
                Ok(p) => p,
                Err(e) => {
                    let (status, body) = envelope(Err(e));
                    record(&inner, method, Value::Object(Map::new()), Vec::new(), at, status, &body);
                    return json_response(status, &body);
                }
            };
            let (status, body) = execute(&inner, &method, params, at).await;
            json_response(status, &body)
        }
    }
}

fn envelope(result: TgResult<crate::error::Reply>) -> (u16, Value) {
    match result {
        Ok(r) => (200, r.into_json()),
        Err(e) => (e.code, e.to_json()),
    }
}

/// Runs one Bot API call and records it; shared by HTTP requests and
/// methods a webhook answers with.
pub(crate) async fn execute(inner: &Inner, method: &str, params: Params, at: Instant) -> (u16, Value) {
    let result = match methods::classify(method) {
        Kind::Unknown => Err(TgError::not_found()),
        Kind::NotImplemented => {
            Err(TgError::bad(&format!("method {method} is not implemented by the fake Telegram server")))
        }
        Kind::Implemented => run(inner, method, &params, at).await,
    };
    let (status, body) = envelope(result);
    record(inner, method.to_owned(), Value::Object(params.map), params.files, at, status, &body);
    (status, body)
}

async fn run(inner: &Inner, method: &str, params: &Params, at: Instant) -> TgResult<crate::error::Reply> {
    let polling = method == "getupdates";
    let (latency, failure) = {
        let mut st = inner.state.lock();
        let failure =
            st.failures.iter().position(|(m, _)| m == method).and_then(|i| st.failures.remove(i)).map(|(_, e)| e);
        // A chat that hangs (its own latency) delays only calls to it.
        let chat_latency =
            params.map.get("chat_id").and_then(|v| v.as_i64()).and_then(|c| st.chat_latency.get(&c).copied());
        (chat_latency.unwrap_or(Duration::ZERO).max(st.latency), failure)
    };
    if !polling && !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    if let Some(e) = failure {
        return Err(e);
    }
    if polling {
        return updates::get_updates(inner, &params.map).await;
    }
    let result = {
        let mut st = inner.state.lock();
        methods::call(&mut st, method, &params.map, &params.files, at)
    };
    if matches!(method, "setwebhook" | "deletewebhook") {
        // The webhook worker sleeps on the same Notify as long polls.
        inner.updates_notify.notify_waiters();
    }
    result
}

fn record(
    inner: &Inner,
    method: String,
    params: Value,
    files: Vec<crate::types::UploadedFile>,
    at: Instant,
    status: u16,
    body: &Value,
) {
    if !inner.record_requests.load(Ordering::Relaxed) {
        return;
    }
    // Successful answers can be large (whole messages); benchmarks that drop
    // history do not want to hold them.
    let keep_body = status != 200 || inner.keep_history.load(Ordering::Relaxed);
    let entry = RecordedRequest { method, params, at, status, response: keep_body.then(|| body.clone()), files };
    inner.log.lock().push(Arc::new(entry));
    inner.log_notify.notify_waiters();
}

fn download(inner: &Inner, token: &str, path: &str) -> Response {
    if token != inner.token {
        return json_response(401, &TgError::unauthorized().to_json());
    }
    let st = inner.state.lock();
    let bytes = st.file_paths.get(path).and_then(|id| st.files.get(id)).and_then(|f| f.bytes.clone());
    match bytes {
        Some(b) => {
            let mut resp = Response::new(Body::from(b));
            resp.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/octet-stream"));
            resp
        }
        None => json_response(404, &TgError::not_found().to_json()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_follow_telegram_scheme() {
        match parse_path("/bot123%3Aabc/SendMessage") {
            Some(Route::Method { token, method }) => {
                assert_eq!(token, "123:abc");
                assert_eq!(method, "SendMessage");
            }
            _ => panic!("not a method route"),
        }
        assert!(matches!(parse_path("/file/bot1:x/documents/file_1.txt"), Some(Route::File { .. })));
        assert!(parse_path("/favicon.ico").is_none());
        assert!(parse_path("/bot1:x/").is_none());
        assert_eq!(percent_decode("a%2"), "a%2");
    }
}
