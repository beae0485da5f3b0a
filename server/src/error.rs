//! The one place where request errors and database errors become HTTP responses, with the
//! statuses, bodies and content types Swift's container server answers with.

use crate::response::{swob_response, Body, HTML_CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use http::{HeaderName, HeaderValue, StatusCode};
use swift_common::db::DbError;

/// Extra headers an error response carries (e.g. the backend timestamps on a 404).
pub type HeaderList = Vec<(HeaderName, HeaderValue)>;

/// Every way a request can fail, each knowing its status and body.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400 with a reason; `plain` when Swift sends it as `text/plain` (path, timestamp and
    /// parameter errors) rather than swob's default `text/html; charset=UTF-8`.
    #[error("400 {reason}")]
    BadRequest {
        /// The body.
        reason: String,
        /// Content-Type `text/plain` instead of the HTML default.
        plain: bool,
    },
    /// 400 with swob's default body (e.g. mismatched account-update headers).
    #[error("400 Bad Request")]
    BadRequestDefault,
    /// 404 with swob's default body and any extra headers.
    #[error("404 Not Found")]
    NotFound(HeaderList),
    /// 405 for verbs the container server does not serve.
    #[error("405 Method Not Allowed")]
    MethodNotAllowed,
    /// 406 when no listing format matches the Accept header.
    #[error("406 Not Acceptable")]
    NotAcceptable,
    /// 409 with swob's default body and any extra headers.
    #[error("409 Conflict")]
    Conflict(HeaderList),
    /// 412 with a reason.
    #[error("412 {0}")]
    PreconditionFailed(String),
    /// 507 naming the drive that is missing, unmounted or full.
    #[error("507 drive {0}")]
    InsufficientStorage(String),
    /// 500: something broke on our side (the reason goes into the body and the log).
    #[error("500 {0}")]
    Internal(String),
    /// A refused or unrenderable listing, with the status, type and body the listing code chose.
    #[error("listing: {0}")]
    Listing(#[from] crate::listing::ListingError),
    /// 501: a verb whose implementation has not landed yet.
    #[error("501 {0}")]
    NotImplemented(String),
}

impl ApiError {
    /// 400 with a reason, as `text/html; charset=UTF-8` (swob's default content type).
    pub fn bad_request(reason: impl Into<String>) -> ApiError {
        ApiError::BadRequest {
            reason: reason.into(),
            plain: false,
        }
    }

    /// 400 with a reason, as `text/plain`.
    pub fn bad_request_plain(reason: impl Into<String>) -> ApiError {
        ApiError::BadRequest {
            reason: reason.into(),
            plain: true,
        }
    }

    /// The HTTP status of this error.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest { .. } | ApiError::BadRequestDefault => StatusCode::BAD_REQUEST,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::NotAcceptable => StatusCode::NOT_ACCEPTABLE,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            ApiError::InsufficientStorage(_) => StatusCode::INSUFFICIENT_STORAGE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::NotImplemented(_) => StatusCode::NOT_IMPLEMENTED,
            ApiError::Listing(err) => {
                StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
            }
        }
    }
}

impl From<DbError> for ApiError {
    fn from(err: DbError) -> ApiError {
        match err {
            DbError::NotFound(_) => ApiError::NotFound(Vec::new()),
            DbError::BadInput(reason) => ApiError::bad_request(reason),
            DbError::PolicyConflict => ApiError::Conflict(Vec::new()),
            // Swift lets LockTimeout and a just-quarantined DB escape to its 500 handler; the
            // next request finds no DB and answers 404.
            DbError::LockTimeout(_) | DbError::Quarantined(_) | DbError::Other(_) => {
                ApiError::Internal(err.to_string())
            }
        }
    }
}

impl From<tokio::task::JoinError> for ApiError {
    fn from(err: tokio::task::JoinError) -> ApiError {
        ApiError::Internal(format!("database task failed: {err}"))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!("{self}");
        }
        match self {
            ApiError::BadRequest { reason, plain } => swob_response(
                status,
                Vec::new(),
                Body::Text(reason),
                if plain {
                    "text/plain"
                } else {
                    HTML_CONTENT_TYPE
                },
            ),
            ApiError::PreconditionFailed(reason) | ApiError::Internal(reason) => {
                swob_response(status, Vec::new(), Body::Text(reason), HTML_CONTENT_TYPE)
            }
            ApiError::NotFound(headers) | ApiError::Conflict(headers) => {
                swob_response(status, headers, Body::Default, HTML_CONTENT_TYPE)
            }
            ApiError::InsufficientStorage(drive) => swob_response(
                status,
                Vec::new(),
                Body::DefaultForDrive(drive),
                HTML_CONTENT_TYPE,
            ),
            ApiError::Listing(err) => {
                let body = match err.body() {
                    Some(text) => Body::Text(text),
                    None => Body::Text(err.to_string()),
                };
                swob_response(status, Vec::new(), body, err.content_type())
            }
            ApiError::NotImplemented(_)
            | ApiError::BadRequestDefault
            | ApiError::MethodNotAllowed
            | ApiError::NotAcceptable => {
                swob_response(status, Vec::new(), Body::Default, HTML_CONTENT_TYPE)
            }
        }
    }
}
