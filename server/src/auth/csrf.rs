//! Cross-site request forgery protection: a state-changing request that carries the session
//! cookie must come from our own origin, as its `Origin` (or, failing that, `Referer`) header
//! says. Browsers send `Origin` on every cross-site POST and cannot forge it; API clients
//! with Bearer tokens send no cookie and are not affected. This is OWASP's "verifying origin
//! with standard headers" defence, on top of `SameSite=Lax` cookies.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::SESSION_COOKIE;
use crate::http::ApiError;

/// The origin browsers must send (`https://flowboard.example.com`), or `None` to compare with
/// the request's own `Host`.
#[derive(Clone, Debug)]
pub struct AllowedOrigin(pub Option<String>);

/// Refuses state-changing cookie-authenticated requests from other origins with 403.
pub async fn csrf_guard(
    State(allowed): State<AllowedOrigin>,
    request: Request,
    next: Next,
) -> Response {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    );
    let headers = request.headers();
    // Without the cookie a forged request rides on no session, with one exception: signing
    // in itself (login CSRF signs the victim into the attacker's account). Browsers always
    // announce their origin on a cross-site POST, so on server functions an announced
    // foreign origin is refused too.
    let announced = headers.contains_key(header::ORIGIN) || headers.contains_key(header::REFERER);
    let checked =
        has_session_cookie(headers) || (announced && request.uri().path().starts_with("/fn/"));
    if safe || !checked || same_origin(headers, &allowed) {
        return next.run(request).await;
    }
    tracing::warn!(
        origin = ?request.headers().get(header::ORIGIN),
        path = %request.uri().path(),
        "cross-site request refused"
    );
    ApiError::CrossSite.into_response()
}

fn has_session_cookie(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .any(|c| c.trim().starts_with(&format!("{SESSION_COOKIE}=")))
}

/// `scheme://host[:port]` of a URL.
fn origin_of(url: &str) -> Option<&str> {
    let (scheme, rest) = url.split_once("://")?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    Some(&url[..scheme.len() + 3 + end])
}

fn same_origin(headers: &HeaderMap, allowed: &AllowedOrigin) -> bool {
    let claimed = headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .filter(|v| *v != "null")
        .or_else(|| headers.get(header::REFERER).and_then(|v| v.to_str().ok()))
        .and_then(origin_of);
    let Some(claimed) = claimed else {
        return false;
    };
    match &allowed.0 {
        Some(public) => origin_of(public).is_some_and(|p| p.eq_ignore_ascii_case(claimed)),
        None => {
            let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
            let claimed_host = claimed.split_once("://").map(|(_, h)| h);
            host.is_some() && claimed_host.is_some_and(|c| Some(c) == host)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(k.clone(), HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn origins() {
        assert_eq!(
            origin_of("https://a.example:8443/x?y"),
            Some("https://a.example:8443")
        );
        assert_eq!(
            origin_of("http://127.0.0.1:3000"),
            Some("http://127.0.0.1:3000")
        );
        assert_eq!(origin_of("nonsense"), None);
        let own = AllowedOrigin(None);
        let h = headers(&[
            (header::HOST, "127.0.0.1:3000"),
            (header::ORIGIN, "http://127.0.0.1:3000"),
        ]);
        assert!(same_origin(&h, &own));
        let h = headers(&[
            (header::HOST, "127.0.0.1:3000"),
            (header::ORIGIN, "http://evil.example"),
        ]);
        assert!(!same_origin(&h, &own));
        let h = headers(&[
            (header::HOST, "127.0.0.1:3000"),
            (header::REFERER, "http://127.0.0.1:3000/boards/x"),
        ]);
        assert!(same_origin(&h, &own));
        let h = headers(&[(header::HOST, "127.0.0.1:3000")]);
        assert!(!same_origin(&h, &own), "no Origin and no Referer: refused");
        let public = AllowedOrigin(Some("https://board.example.com".into()));
        let h = headers(&[
            (header::HOST, "internal:3000"),
            (header::ORIGIN, "https://board.example.com"),
        ]);
        assert!(same_origin(&h, &public));
    }
}
