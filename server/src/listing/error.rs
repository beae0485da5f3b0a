//! Why a listing request was refused, carrying exactly the status, content type and body Swift's
//! container server sends for it (the server's error module turns it into a response).

/// Swift's default 406 body (swob's `HTTPNotAcceptable` with no body of its own).
pub const NOT_ACCEPTABLE_BODY: &str = "<html><h1>Not Acceptable</h1><p>The resource is not available in a format acceptable to your browser.</p></html>";

/// swob's content type for error bodies given without one.
pub const HTML_CONTENT_TYPE: &str = "text/html; charset=UTF-8";

/// A refused listing request or an unrenderable listing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ListingError {
    /// A query parameter is not valid UTF-8: 400, `text/plain`, `"<name>" parameter not valid UTF-8`.
    #[error("\"{0}\" parameter not valid UTF-8")]
    ParamNotUtf8(String),
    /// The Accept header does not parse: 400 `Invalid Accept header`.
    #[error("Invalid Accept header")]
    InvalidAccept,
    /// No acceptable listing format: 406 with swob's default body.
    #[error("Not Acceptable")]
    NotAcceptable,
    /// `limit` above the maximum: 412 `Maximum limit is N`.
    #[error("Maximum limit is {0}")]
    LimitTooLarge(u64),
    /// Swift raises an unhandled exception here (e.g. `limit=²`, a corrupt `created_at`, an xml
    /// shard listing): 500.
    #[error("listing error: {0}")]
    Internal(String),
}

impl ListingError {
    /// The HTTP status Swift answers with.
    pub fn status(&self) -> u16 {
        match self {
            ListingError::ParamNotUtf8(_) | ListingError::InvalidAccept => 400,
            ListingError::NotAcceptable => 406,
            ListingError::LimitTooLarge(_) => 412,
            ListingError::Internal(_) => 500,
        }
    }

    /// The response's Content-Type, as Swift sends it.
    pub fn content_type(&self) -> &'static str {
        match self {
            ListingError::ParamNotUtf8(_) => "text/plain",
            _ => HTML_CONTENT_TYPE,
        }
    }

    /// The response body, as Swift sends it (None for 500s: the server writes its own).
    pub fn body(&self) -> Option<String> {
        match self {
            ListingError::NotAcceptable => Some(NOT_ACCEPTABLE_BODY.to_string()),
            ListingError::Internal(_) => None,
            other => Some(other.to_string()),
        }
    }
}
