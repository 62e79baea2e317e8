//! Every answer but success: one enum at the API's edge, each variant with
//! its status and a stable code, as `{"error": {"code", "message"}}`. No
//! stack trace, no database text and never a token: what went wrong inside
//! is logged (without the token) and answered as `internal`.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// What the API answers instead of doing what was asked.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No `Authorization: Bearer` header.
    #[error("send the token as Authorization: Bearer <token>")]
    MissingToken,
    /// A token that is wrong or revoked.
    #[error("the token is not valid (wrong or revoked)")]
    InvalidToken,
    /// A topic the token may not post to.
    #[error("topic `{0}` is outside this token's scope")]
    OutOfScope(String),
    /// A region outside the token's region scope.
    #[error("region `{0}` is outside this token's scope")]
    RegionOutOfScope(String),
    /// An untargeted post from a token limited to regions.
    #[error("this token may post only within its regions ({0}); name them in `regions`")]
    RegionsRequired(String),
    /// A broadcast of a topic or for regions outside the token's scope.
    #[error("broadcast {0} is about topics or regions outside this token's scope")]
    NotYours(i64),
    /// The body is not the JSON (or multipart form) described.
    #[error("the request is not valid: {0}")]
    BadRequest(String),
    /// A topic that does not exist.
    #[error("unknown topic `{0}`")]
    UnknownTopic(String),
    /// A region that is not configured (or retired).
    #[error("unknown region `{0}`")]
    UnknownRegion(String),
    /// No topic named.
    #[error("name at least one topic")]
    NoTopics,
    /// Neither text nor photo.
    #[error("the text is empty")]
    EmptyText,
    /// Over Telegram's limit.
    #[error("the text has {length} characters; at most {max} fit")]
    #[allow(missing_docs)] // named for what they hold
    TextTooLong { length: usize, max: usize },
    /// `at` is not in the future.
    #[error("`at` is in the past")]
    TimeInPast,
    /// `at` more than a year ahead.
    #[error("`at` is more than a year ahead")]
    TimeTooFar,
    /// `at` is not an RFC 3339 time.
    #[error("`at` is not a time like 2026-12-05T06:00:00+01:00")]
    BadTime,
    /// A combination this API does not do, with the reason.
    #[error("{0}")]
    Unsupported(&'static str),
    /// The photo could not be put into Telegram.
    #[error("Telegram did not take the photo: {0}")]
    PhotoRejected(String),
    /// An idempotency key used before for a different request.
    #[error("this Idempotency-Key was used for a different request")]
    KeyReused,
    /// The first request with this idempotency key is still running.
    #[error("a request with this Idempotency-Key is still being handled; retry in a moment")]
    KeyInFlight,
    /// No broadcast of this API with that id.
    #[error("no broadcast {0}")]
    NotFound(String),
    /// Not possible in the broadcast's state, with the reason.
    #[error("{0}")]
    Conflict(&'static str),
    /// Telegram deletes a bot's messages for 48 hours only.
    #[error("broadcast {0} is older than 48 hours; Telegram no longer lets bots delete it")]
    TooOld(i64),
    /// Edits change text posts only.
    #[error("broadcast {0} has no text to edit")]
    NotText(i64),
    /// The body is larger than allowed.
    #[error("the request body is larger than {0} bytes")]
    TooLarge(usize),
    /// Over the token's request rate.
    #[error("too many requests for this token; retry in {0} s")]
    RateLimited(u64),
    /// Telegram could not be reached.
    #[error("Telegram could not be reached; retry later")]
    Unavailable,
    /// Something inside failed; it is logged.
    #[error("internal error")]
    Internal,
}

/// The JSON body of every error.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// What went wrong.
    pub error: ErrorDetail,
}

/// A stable code and a message for people.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable, for programs: e.g. `invalid_token`, `out_of_scope`.
    pub code: &'static str,
    /// For people; may change.
    pub message: String,
}

impl ApiError {
    /// The status and the code.
    pub fn status(&self) -> (StatusCode, &'static str) {
        use ApiError::*;
        match self {
            MissingToken => (StatusCode::UNAUTHORIZED, "missing_token"),
            InvalidToken => (StatusCode::UNAUTHORIZED, "invalid_token"),
            OutOfScope(_) | RegionOutOfScope(_) | RegionsRequired(_) | NotYours(_) => {
                (StatusCode::FORBIDDEN, "out_of_scope")
            }
            BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            UnknownTopic(_) => (StatusCode::UNPROCESSABLE_ENTITY, "unknown_topic"),
            UnknownRegion(_) => (StatusCode::UNPROCESSABLE_ENTITY, "unknown_region"),
            NoTopics => (StatusCode::UNPROCESSABLE_ENTITY, "no_topics"),
            EmptyText => (StatusCode::UNPROCESSABLE_ENTITY, "empty_text"),
            TextTooLong { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "text_too_long"),
            TimeInPast => (StatusCode::UNPROCESSABLE_ENTITY, "time_in_past"),
            TimeTooFar => (StatusCode::UNPROCESSABLE_ENTITY, "time_too_far"),
            BadTime => (StatusCode::UNPROCESSABLE_ENTITY, "bad_time"),
            Unsupported(_) => (StatusCode::UNPROCESSABLE_ENTITY, "unsupported"),
            PhotoRejected(_) => (StatusCode::UNPROCESSABLE_ENTITY, "photo_rejected"),
            KeyReused => (StatusCode::UNPROCESSABLE_ENTITY, "idempotency_key_reused"),
            KeyInFlight => (StatusCode::CONFLICT, "idempotency_key_in_flight"),
            NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            TooOld(_) => (StatusCode::UNPROCESSABLE_ENTITY, "too_old"),
            NotText(_) => (StatusCode::UNPROCESSABLE_ENTITY, "not_text"),
            TooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "body_too_large"),
            RateLimited(_) => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            Unavailable => (StatusCode::SERVICE_UNAVAILABLE, "telegram_unavailable"),
            Internal => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status();
        let body = ErrorBody { error: ErrorDetail { code, message: self.to_string() } };
        let mut response = (status, Json(body)).into_response();
        match self {
            ApiError::MissingToken | ApiError::InvalidToken => {
                response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            ApiError::RateLimited(secs) => {
                response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
            }
            // The rest of the body is not read: the connection cannot carry
            // another request, and the client must know not to reuse it.
            ApiError::TooLarge(_) => {
                response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
            }
            _ => {}
        }
        response
    }
}

impl From<basis_storage::StorageError> for ApiError {
    fn from(error: basis_storage::StorageError) -> Self {
        tracing::error!(error = %chain(&error), "the posting API could not use the database");
        ApiError::Internal
    }
}

impl From<basis_handlers::HandlerError> for ApiError {
    fn from(error: basis_handlers::HandlerError) -> Self {
        handler(&error)
    }
}

fn handler(error: &basis_handlers::HandlerError) -> ApiError {
    use basis_handlers::HandlerError;
    match error {
        HandlerError::Storage(error) => {
            tracing::error!(error = %chain(error), "the posting API could not use the database");
            ApiError::Internal
        }
        HandlerError::Telegram(error) => telegram(error),
        HandlerError::Earlier(error) => handler(error),
        HandlerError::NoRole(_) => {
            tracing::error!(error = %error, "the posting API ran a handler without a role");
            ApiError::Internal
        }
    }
}

/// A Bot API failure as the API answers it. Only Telegram's own answer is
/// passed on: a network error's text would carry the request's URL, and
/// with it the bot token.
pub fn telegram(error: &teloxide::RequestError) -> ApiError {
    match error {
        teloxide::RequestError::Api(api) => {
            tracing::warn!(error = %api, "Telegram refused a request of the posting API");
            ApiError::PhotoRejected(api.to_string())
        }
        _ => {
            tracing::warn!("Telegram could not be reached by the posting API");
            ApiError::Unavailable
        }
    }
}

/// An error with its causes, in one line.
pub fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_of_refusal_has_its_status_and_a_stable_code() {
        assert_eq!(ApiError::MissingToken.status(), (StatusCode::UNAUTHORIZED, "missing_token"));
        assert_eq!(ApiError::InvalidToken.status().0, StatusCode::UNAUTHORIZED);
        assert_eq!(ApiError::OutOfScope("energy".into()).status(), (StatusCode::FORBIDDEN, "out_of_scope"));
        assert_eq!(ApiError::BadRequest("x".into()).status().0, StatusCode::BAD_REQUEST);
        for semantic in [ApiError::UnknownTopic("x".into()), ApiError::EmptyText, ApiError::TimeInPast] {
            assert_eq!(semantic.status().0, StatusCode::UNPROCESSABLE_ENTITY, "{semantic}");
        }
        assert_eq!(ApiError::TooLarge(10).status().0, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(ApiError::RateLimited(3).status().0, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(ApiError::Internal.to_string(), "internal error");
    }
}
