//! Building responses as Swift's `swob` does: its default content type, and the default HTML body
//! it writes for statuses that have an explanation when a handler gives no body.

use axum::response::Response;
use bytes::Bytes;
use http::header::{CONTENT_LENGTH, CONTENT_TYPE, LAST_MODIFIED};
use http::{HeaderName, HeaderValue, StatusCode};

/// swob's default Content-Type.
pub const HTML_CONTENT_TYPE: &str = "text/html; charset=UTF-8";

/// What goes in a response body.
#[derive(Debug)]
pub enum Body {
    /// swob's default body for the status (empty when the status has no explanation).
    Default,
    /// The 507 default body, which names the drive.
    DefaultForDrive(String),
    /// A text body given by the handler.
    Text(String),
    /// A prepared body (listings).
    Bytes(Bytes),
}

/// swob's title and explanation of a status, if it writes a default body for it.
fn explanation(status: StatusCode) -> Option<(&'static str, &'static str)> {
    Some(match status.as_u16() {
        202 => ("Accepted", "The request is accepted for processing."),
        301 => ("Moved Permanently", "The resource has moved permanently."),
        400 => (
            "Bad Request",
            "The server could not comply with the request since it is either malformed or otherwise incorrect.",
        ),
        404 => ("Not Found", "The resource could not be found."),
        405 => ("Method Not Allowed", "The method is not allowed for this resource."),
        406 => (
            "Not Acceptable",
            "The resource is not available in a format acceptable to your browser.",
        ),
        409 => ("Conflict", "There was a conflict when trying to complete your request."),
        412 => ("Precondition Failed", "A precondition for this request was not met."),
        500 => (
            "Internal Error",
            "The server has either erred or is incapable of performing the requested operation.",
        ),
        501 => (
            "Not Implemented",
            "The requested method is not implemented by this server.",
        ),
        507 => (
            "Insufficient Storage",
            "There was not enough space to save the resource. Drive: ",
        ),
        _ => return None,
    })
}

/// A response with `headers`, the body, `Content-Type` and `Content-Length`, as swob sends it.
pub fn swob_response(
    status: StatusCode,
    headers: Vec<(HeaderName, HeaderValue)>,
    body: Body,
    content_type: &str,
) -> Response {
    let bytes = match body {
        Body::Text(text) => Bytes::from(text),
        Body::Bytes(bytes) => bytes,
        Body::Default => match explanation(status) {
            Some((title, text)) => {
                Bytes::from(format!("<html><h1>{title}</h1><p>{text}</p></html>"))
            }
            None => Bytes::new(),
        },
        Body::DefaultForDrive(drive) => match explanation(status) {
            Some((title, text)) => {
                Bytes::from(format!("<html><h1>{title}</h1><p>{text}{drive}</p></html>"))
            }
            None => Bytes::new(),
        },
    };
    let len = bytes.len();
    let mut resp = Response::new(axum::body::Body::from(bytes));
    *resp.status_mut() = status;
    let map = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(content_type) {
        map.insert(CONTENT_TYPE, v);
    }
    for (name, value) in headers {
        map.insert(name, value);
    }
    map.insert(CONTENT_LENGTH, HeaderValue::from(len));
    resp
}

/// A bodiless success response (201, 202, 204) with extra headers.
pub fn status_response(status: StatusCode, headers: Vec<(HeaderName, HeaderValue)>) -> Response {
    swob_response(status, headers, Body::Default, HTML_CONTENT_TYPE)
}

/// Sets `Last-Modified` as swob does: the timestamp rounded up to a whole second, as an HTTP date.
pub fn set_last_modified(resp: &mut Response, seconds: f64) {
    let secs = seconds.ceil() as i64;
    if let Ok(v) = HeaderValue::from_str(&http_date(secs)) {
        resp.headers_mut().insert(LAST_MODIFIED, v);
    }
}

/// RFC 7231 date (`Tue, 14 Nov 2023 22:13:21 GMT`) for seconds since the epoch.
pub fn http_date(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (h, m, s) = (rem / 3600, (rem % 3600) / 60, rem % 60);
    let (y, mo, d) = civil_from_days(days);
    const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let wd = WEEKDAYS[days.rem_euclid(7) as usize];
    format!(
        "{wd}, {d:02} {} {y:04} {h:02}:{m:02}:{s:02} GMT",
        MONTHS[(mo - 1) as usize]
    )
}

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian calendar.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_dates() {
        assert_eq!(http_date(1_700_000_001), "Tue, 14 Nov 2023 22:13:21 GMT");
        assert_eq!(http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(http_date(951_782_400), "Tue, 29 Feb 2000 00:00:00 GMT");
    }
}
