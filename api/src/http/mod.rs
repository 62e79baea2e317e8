//! The posting API on `BASIS_LISTEN`: `/api/v1/…`, described by the
//! OpenAPI document at `/api/v1/openapi.json` (generated from these
//! handlers with utoipa).

use std::num::NonZeroU32;
use std::sync::Arc;

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Path, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use basis_handlers::Basis;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

pub mod error;
mod posting;

pub use error::ApiError;
pub(crate) use posting::MAX_TEXT;
use posting::{Photo, Plan};

use crate::settings::{Mode, Settings};
use crate::tokens::{self, Token};

/// What every request handler shares.
pub(crate) struct ApiState {
    pub(crate) basis: Basis,
    pub(crate) settings: Settings,
    limiter: DefaultKeyedRateLimiter<i64>,
}

/// The routes, for `Extensions::routes`.
pub(crate) fn router(basis: Basis, settings: Settings) -> axum::Router {
    let per_minute = NonZeroU32::new(settings.rate_per_minute).unwrap_or(NonZeroU32::MIN);
    let limiter = RateLimiter::keyed(Quota::per_minute(per_minute));
    let state = Arc::new(ApiState { basis, settings, limiter });
    axum::Router::new()
        .route("/api/v1/openapi.json", get(openapi))
        .route("/api/v1/broadcasts", post(create))
        .route("/api/v1/broadcasts/{id}", get(status))
        .route("/api/v1/broadcasts/{id}/retract", post(retract))
        .route("/api/v1/broadcasts/{id}/edit", post(edit))
        // Bodies are read below with the configured limit (413 as JSON).
        .layer(axum::extract::DefaultBodyLimit::disable())
        .with_state(state)
}

/// The OpenAPI document of this API.
#[derive(OpenApi)]
#[openapi(
    info(title = "Basis posting API", version = "1", description = "Post to a Basis newsletter from a CMS, a press system or a liveblog: the same drafts, approval, queue and reports organizers use in Telegram."),
    paths(create, status, retract, edit),
    components(schemas(NewBroadcastRequest, MultipartBroadcast, Created, BroadcastStatus, Counts, EditRequest, Correction, Mode, error::ErrorBody, error::ErrorDetail)),
    modifiers(&BearerAuth),
    security(("bearer" = []))
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

/// A new broadcast.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewBroadcastRequest {
    /// Topic keys, e.g. `["strikes"]`.
    pub topics: Vec<String>,
    /// The post's text (up to 4096 characters; 1024 with a photo).
    #[serde(default)]
    pub text: String,
    /// Overtakes normal broadcasts in the queue.
    #[serde(default)]
    pub urgent: bool,
    /// When to send it (RFC 3339, e.g. `2026-12-05T06:00:00+01:00`); with
    /// `mode` `send` only, and not while two-person approval is on.
    #[serde(default)]
    pub at: Option<String>,
    /// `send` (default): queued at once; `draft`: offered in Telegram with
    /// Send / Discard to the owners and the organizers in scope.
    #[serde(default = "send")]
    pub mode: Mode,
    /// Region keys or names, e.g. `["wolfsburg"]`: only followers in these
    /// regions or below them get it. None: every follower (not allowed
    /// for a token limited to regions).
    #[serde(default)]
    pub regions: Vec<String>,
    /// A photo by URL (http or https); the text becomes its caption.
    #[serde(default)]
    pub photo: Option<String>,
}

fn send() -> Mode {
    Mode::Send
}

/// A broadcast with an uploaded photo, as `multipart/form-data`.
#[derive(ToSchema)]
#[allow(dead_code)] // documents the form; read part by part
pub struct MultipartBroadcast {
    /// The JSON of a new broadcast, without `photo`.
    request: NewBroadcastRequest,
    /// The photo (JPEG or PNG, at most 10 MB).
    #[schema(value_type = String, format = Binary)]
    photo: Vec<u8>,
}

/// What was made.
#[derive(Debug, Serialize, ToSchema)]
pub struct Created {
    /// The broadcast's number in this API.
    pub id: i64,
    /// `queued`, `scheduled` or `draft`.
    pub status: String,
    /// Chats that follow its topics now.
    pub recipients: i64,
}

/// A broadcast's state and counts.
#[derive(Debug, Serialize, ToSchema)]
pub struct BroadcastStatus {
    /// The broadcast's number in this API.
    pub id: i64,
    /// `draft`, `scheduled`, `sending`, `done`, `discarded`, `retracted` or `pending`.
    pub status: String,
    /// Its number in Telegram (`#12` in reports and `/retract 12`), once queued.
    pub broadcast: Option<i64>,
    /// Its draft's number in Telegram, for drafts and scheduled posts.
    pub draft: Option<i64>,
    /// Its topics.
    pub topics: Vec<String>,
    /// The regions it is targeted at; empty for every follower.
    pub regions: Vec<String>,
    /// Receiving chats (once queued), or those following its topics (in
    /// its regions) now.
    pub recipients: i64,
    /// Deliveries so far.
    pub counts: Counts,
}

/// Deliveries of a broadcast.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct Counts {
    /// Telegram accepted them.
    pub delivered: i64,
    /// The member blocked the bot, or the group removed it.
    pub blocked: i64,
    /// Given up after retries.
    pub failed: i64,
    /// Not sent yet.
    pub pending: i64,
}

/// A correction's new text.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EditRequest {
    /// Replaces the text of every delivered copy.
    pub text: String,
}

/// A correction on its way.
#[derive(Debug, Serialize, ToSchema)]
pub struct Correction {
    /// The broadcast corrected.
    pub id: i64,
    /// `editing`, `retracting` or `discarded` (a draft or scheduled post
    /// that had not gone out).
    pub status: String,
    /// The correction's number in Telegram.
    pub correction: Option<i64>,
    /// Copies it changes or deletes.
    pub copies: i64,
}

/// The token of a request, checked, within its rate.
async fn authorize(api: &ApiState, headers: &HeaderMap) -> Result<Token, ApiError> {
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or(ApiError::MissingToken)?;
    let storage = api.basis.storage();
    let token = tokens::authenticate(storage, presented, api.basis.now()).await?.ok_or(ApiError::InvalidToken)?;
    if let Err(not_until) = api.limiter.check_key(&token.id) {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        return Err(ApiError::RateLimited(wait.as_secs().max(1)));
    }
    Ok(token)
}

/// The body, at most `limit` bytes.
async fn body(request: Request, limit: usize) -> Result<(axum::http::request::Parts, Bytes), ApiError> {
    let (parts, body) = request.into_parts();
    let too_large = || ApiError::TooLarge(limit);
    if let Some(length) = parts.headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<usize>().ok())
        && length > limit
    {
        return Err(too_large());
    }
    let bytes = axum::body::to_bytes(body, limit).await.map_err(|_| too_large())?;
    Ok((parts, bytes))
}

fn json<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(bytes).map_err(|e| ApiError::BadRequest(e.to_string()))
}

/// The JSON body, or a multipart form of `request` (that JSON) and `photo`.
async fn new_broadcast(
    parts: axum::http::request::Parts,
    bytes: Bytes,
) -> Result<(NewBroadcastRequest, Photo), ApiError> {
    let multipart = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if !multipart {
        let request: NewBroadcastRequest = json(&bytes)?;
        let photo = request.photo.clone().map_or(Photo::None, Photo::Url);
        return Ok((request, photo));
    }
    let bad = |what: &str| ApiError::BadRequest(format!("multipart/form-data: {what}"));
    let mut form = axum::extract::Multipart::from_request(Request::from_parts(parts, Body::from(bytes)), &())
        .await
        .map_err(|_| bad("not a form"))?;
    let (mut request, mut photo) = (None, None);
    while let Some(field) = form.next_field().await.map_err(|_| bad("a part cannot be read"))? {
        match field.name() {
            Some("request") => request = Some(field.bytes().await.map_err(|_| bad("`request` cannot be read"))?),
            Some("photo") => {
                let name = field.file_name().unwrap_or("photo.jpg").to_owned();
                photo = Some((field.bytes().await.map_err(|_| bad("`photo` cannot be read"))?, name));
            }
            Some(other) => return Err(bad(&format!("unknown part `{other}`"))),
            None => return Err(bad("a part without a name")),
        }
    }
    let request: NewBroadcastRequest = json(&request.ok_or_else(|| bad("the part `request` is missing"))?)?;
    match (photo, &request.photo) {
        (Some(_), Some(_)) => Err(ApiError::Unsupported("give the photo by URL or as an upload, not both")),
        (Some((bytes, name)), None) => Ok((request, Photo::Upload(bytes.to_vec(), name))),
        (None, _) => {
            let photo = request.photo.clone().map_or(Photo::None, Photo::Url);
            Ok((request, photo))
        }
    }
}

/// Post a broadcast.
///
/// `mode` `send` queues it at once (or at `at`); `draft` — and any post
/// while two-person approval is on — is offered in Telegram with Send /
/// Discard to the owners and the organizers whose scope covers its topics,
/// and nothing goes out before Send. An `Idempotency-Key` header makes a
/// retried request answer with the broadcast the first one made.
#[utoipa::path(
    post,
    path = "/api/v1/broadcasts",
    request_body(content(
        (NewBroadcastRequest = "application/json"),
        (MultipartBroadcast = "multipart/form-data")
    )),
    params(("Idempotency-Key" = Option<String>, Header, description = "1–255 visible characters; the same key gives the same broadcast")),
    responses(
        (status = 201, description = "Queued, scheduled or offered", body = Created),
        (status = 400, description = "Not the JSON described", body = error::ErrorBody),
        (status = 401, description = "No token, or a wrong or revoked one", body = error::ErrorBody),
        (status = 403, description = "A topic outside the token's scope", body = error::ErrorBody),
        (status = 409, description = "The first request with this key is still running", body = error::ErrorBody),
        (status = 413, description = "The body is too large", body = error::ErrorBody),
        (status = 422, description = "Unknown topic or region, empty or over-long text, a time in the past", body = error::ErrorBody),
        (status = 429, description = "Over the token's request rate", body = error::ErrorBody)
    )
)]
async fn create(State(api): State<Arc<ApiState>>, headers: HeaderMap, request: Request) -> Result<Response, ApiError> {
    let token = authorize(&api, &headers).await?;
    let key = idempotency_key(&headers)?;
    let (parts, bytes) = body(request, api.settings.max_body_bytes).await?;
    let (request, photo) = new_broadcast(parts, bytes).await?;
    // What the request asks for, not its bytes: a retried multipart form
    // has a new boundary.
    let photo_hash = match &photo {
        Photo::Upload(bytes, _) => hex(bytes),
        _ => String::new(),
    };
    let request_hash = hex(format!("{request:?} {photo_hash}").as_bytes());
    let plan = Plan::check(&api.basis, &token, request, photo)?;
    let (created, replayed) = posting::create(&api.basis, &token, key.as_deref(), &request_hash, plan).await?;
    let mut response = (StatusCode::CREATED, Json(created)).into_response();
    if replayed {
        response.headers_mut().insert("idempotent-replayed", axum::http::HeaderValue::from_static("true"));
    }
    Ok(response)
}

fn hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get("idempotency-key") else { return Ok(None) };
    let key = value.to_str().ok().map(str::trim).unwrap_or_default();
    if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ApiError::BadRequest("Idempotency-Key must be 1–255 visible ASCII characters".into()));
    }
    Ok(Some(key.to_owned()))
}

fn api_id(id: &str) -> Result<i64, ApiError> {
    id.parse::<i64>().ok().filter(|id| *id > 0).ok_or_else(|| ApiError::NotFound(id.chars().take(32).collect()))
}

/// A broadcast's state and counts.
#[utoipa::path(
    get,
    path = "/api/v1/broadcasts/{id}",
    params(("id" = i64, Path, description = "The broadcast's number in this API")),
    responses(
        (status = 200, description = "Its state and counts", body = BroadcastStatus),
        (status = 401, description = "No token, or a wrong or revoked one", body = error::ErrorBody),
        (status = 403, description = "Its topics are outside the token's scope", body = error::ErrorBody),
        (status = 404, description = "No such broadcast", body = error::ErrorBody)
    )
)]
async fn status(
    State(api): State<Arc<ApiState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<BroadcastStatus>, ApiError> {
    let token = authorize(&api, &headers).await?;
    Ok(Json(posting::status(&api.basis, &token, api_id(&id)?).await?))
}

/// Retract a broadcast: every delivered copy is deleted and copies not
/// sent yet are stopped, as `/retract` does. A draft or scheduled post is
/// discarded.
#[utoipa::path(
    post,
    path = "/api/v1/broadcasts/{id}/retract",
    params(("id" = i64, Path, description = "The broadcast's number in this API")),
    responses(
        (status = 202, description = "The retraction is queued (or the draft discarded)", body = Correction),
        (status = 401, description = "No token, or a wrong or revoked one", body = error::ErrorBody),
        (status = 403, description = "Its topics are outside the token's scope", body = error::ErrorBody),
        (status = 404, description = "No such broadcast", body = error::ErrorBody),
        (status = 422, description = "Older than 48 hours", body = error::ErrorBody)
    )
)]
async fn retract(
    State(api): State<Arc<ApiState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<Correction>), ApiError> {
    let token = authorize(&api, &headers).await?;
    Ok((StatusCode::ACCEPTED, Json(posting::retract(&api.basis, &token, api_id(&id)?).await?)))
}

/// Edit a broadcast's text in every delivered copy, as `/edit` does.
#[utoipa::path(
    post,
    path = "/api/v1/broadcasts/{id}/edit",
    params(("id" = i64, Path, description = "The broadcast's number in this API")),
    request_body = EditRequest,
    responses(
        (status = 202, description = "The edit is queued", body = Correction),
        (status = 400, description = "Not the JSON described", body = error::ErrorBody),
        (status = 401, description = "No token, or a wrong or revoked one", body = error::ErrorBody),
        (status = 403, description = "Its topics are outside the token's scope", body = error::ErrorBody),
        (status = 404, description = "No such broadcast", body = error::ErrorBody),
        (status = 409, description = "Not sent yet", body = error::ErrorBody),
        (status = 422, description = "Empty or over-long text, or a photo without text", body = error::ErrorBody)
    )
)]
async fn edit(
    State(api): State<Arc<ApiState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    request: Request,
) -> Result<(StatusCode, Json<Correction>), ApiError> {
    let token = authorize(&api, &headers).await?;
    let id = api_id(&id)?;
    let (_, bytes) = body(request, api.settings.max_body_bytes).await?;
    let edit: EditRequest = json(&bytes)?;
    Ok((StatusCode::ACCEPTED, Json(posting::edit(&api.basis, &token, id, edit.text).await?)))
}
