//! The browser bundle under content-addressed URLs, and the caching rules of every answer.
//!
//! At start-up the server reads the bundle `scripts/build-site.sh` wrote into
//! `site_root/pkg` (`flowboard.js`, `flowboard_bg.wasm`, `flowboard.css`), hashes it and keeps
//! it in memory. Pages name the copies by their hash (`/pkg/flowboard.<hash>.js`,
//! `/pkg/flowboard.<hash>_bg.wasm`, `/pkg/flowboard.<hash>.css`), and those URLs are cached
//! for a year as `immutable`: a new build has new URLs, so nothing stale is ever used.
//!
//! Why in memory, hashed by the server: the bytes served under a hashed URL are the bytes
//! that were hashed, even when the files on disk are rebuilt under a running server (the
//! old URLs keep their old content until the restart, and pages name the old URLs until
//! then); the build writes the same file names as before, and nothing has to agree on a
//! manifest. Leptos's own `hash_files` reads `hash.txt` from the directory of the running
//! executable, which is not where the site is (test binaries, `target/release`).
//!
//! Everything else: the plain file names and other static files (`/favicon.svg`) are served
//! from disk with `no-cache` (revalidated with `Last-Modified`); pages are `private, no-cache`
//! (never shared, always revalidated: they show who is signed in); API and server-function
//! answers are `no-store`.

use std::path::Path;

use axum::Router;
use axum::body::Bytes;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sha2::{Digest, Sha256};

/// The bundle's base file name, as `scripts/build-site.sh` writes it.
pub const OUTPUT_NAME: &str = "flowboard";

/// `Cache-Control` of an asset whose URL changes whenever its content does.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// `Cache-Control` of other static files: keep, but ask the server first (`Last-Modified`).
pub const REVALIDATE: &str = "no-cache";
/// `Cache-Control` of pages: only the browser may keep them, and it must ask first.
pub const PAGE: &str = "private, no-cache";
/// `Cache-Control` of API and server-function answers.
pub const DYNAMIC: &str = "no-store";

/// One file of the bundle, kept in memory under its hashed URL.
#[derive(Clone)]
struct Asset {
    /// The URL path, e.g. `/pkg/flowboard.0123456789abcdef.js`.
    path: String,
    content_type: &'static str,
    bytes: Bytes,
}

/// The browser bundle as this process serves it.
#[derive(Clone)]
pub struct Bundle {
    /// What Leptos's `HydrationScripts` builds the script URLs from (`LeptosOptions::output_name`):
    /// `flowboard.<hash>`, or `flowboard` when no bundle was found.
    pub output_name: String,
    /// The stylesheet's URL.
    pub stylesheet: String,
    assets: Vec<Asset>,
}

impl Bundle {
    /// Reads and hashes the bundle in `site_root/pkg`. Without one (a server built without
    /// the browser side, as in most tests) pages name the plain file names, which then 404.
    pub fn load(site_root: &Path) -> Self {
        let pkg = site_root.join("pkg");
        let read = |name: &str| std::fs::read(pkg.join(name)).map(Bytes::from);
        let (js, wasm, css) = match (
            read(&format!("{OUTPUT_NAME}.js")),
            read(&format!("{OUTPUT_NAME}_bg.wasm")),
            read(&format!("{OUTPUT_NAME}.css")),
        ) {
            (Ok(js), Ok(wasm), Ok(css)) => (js, wasm, css),
            (js, wasm, css) => {
                let error = [js.err(), wasm.err(), css.err()]
                    .into_iter()
                    .flatten()
                    .next()
                    .map(|e| e.to_string())
                    .unwrap_or_default();
                tracing::warn!(
                    dir = %pkg.display(),
                    %error,
                    "no browser bundle: pages will not be interactive (scripts/build-site.sh builds it)"
                );
                return Self::plain();
            }
        };
        // The script and the module are generated together and only work together: one hash.
        let code = short_hash(&[&js, &wasm]);
        let style = short_hash(&[&css]);
        let output_name = format!("{OUTPUT_NAME}.{code}");
        let stylesheet = format!("/pkg/{OUTPUT_NAME}.{style}.css");
        let assets = vec![
            Asset {
                path: format!("/pkg/{output_name}.js"),
                content_type: "text/javascript",
                bytes: js,
            },
            // HydrationScripts appends `_bg` to the module's name, as wasm-bindgen names it.
            Asset {
                path: format!("/pkg/{output_name}_bg.wasm"),
                content_type: "application/wasm",
                bytes: wasm,
            },
            Asset {
                path: stylesheet.clone(),
                content_type: "text/css; charset=utf-8",
                bytes: css,
            },
        ];
        Self {
            output_name,
            stylesheet,
            assets,
        }
    }

    /// No bundle: the plain file names, served from disk if they appear.
    fn plain() -> Self {
        Self {
            output_name: OUTPUT_NAME.to_owned(),
            stylesheet: format!("/pkg/{OUTPUT_NAME}.css"),
            assets: Vec::new(),
        }
    }

    /// The hashed URLs, each answering its bytes with [`IMMUTABLE`].
    pub fn router<S: Clone + Send + Sync + 'static>(&self) -> Router<S> {
        self.assets.iter().fold(Router::new(), |router, asset| {
            let Asset {
                content_type,
                bytes,
                ..
            } = asset.clone();
            router.route(
                &asset.path,
                get(move || async move {
                    (
                        [
                            (header::CONTENT_TYPE, content_type),
                            (header::CACHE_CONTROL, IMMUTABLE),
                        ],
                        bytes,
                    )
                        .into_response()
                }),
            )
        })
    }
}

/// The first 16 hex digits (64 bits) of the SHA-256 of `parts`, each prefixed by its length.
fn short_hash(parts: &[&[u8]]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part);
    }
    hasher
        .finalize()
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Gives every answer that did not choose its own `Cache-Control` one by what it is: a page
/// ([`PAGE`]), a static file from disk ([`REVALIDATE`]; only files carry `Last-Modified`, and
/// only a file's conditional request is answered 304) or anything else, JSON, CSV and
/// problem documents ([`DYNAMIC`]).
pub async fn cache_control(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let status = response.status();
    let headers = response.headers_mut();
    if headers.contains_key(header::CACHE_CONTROL) {
        return response;
    }
    let is_html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let policy = if is_html {
        PAGE
    } else if headers.contains_key(header::LAST_MODIFIED) || status == StatusCode::NOT_MODIFIED {
        REVALIDATE
    } else {
        DYNAMIC
    };
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_follows_the_content() {
        let a = short_hash(&[b"ab", b"c"]);
        assert_eq!(a.len(), 16);
        assert_eq!(a, short_hash(&[b"ab", b"c"]));
        assert_ne!(a, short_hash(&[b"a", b"bc"]), "part boundaries count");
        assert_ne!(a, short_hash(&[b"ab", b"d"]));
    }

    #[test]
    fn each_url_changes_with_its_own_content() {
        let dir = tempfile::tempdir().expect("temp dir");
        let pkg = dir.path().join("pkg");
        std::fs::create_dir_all(&pkg).expect("pkg dir");
        let write = |name: &str, text: &str| std::fs::write(pkg.join(name), text).expect("write");
        write("flowboard.js", "js 1");
        write("flowboard_bg.wasm", "wasm 1");
        write("flowboard.css", "css 1");
        let first = Bundle::load(dir.path());
        assert!(first.output_name.starts_with("flowboard.") && first.output_name.len() == 26);
        let paths: Vec<_> = first.assets.iter().map(|a| a.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                format!("/pkg/{}.js", first.output_name),
                format!("/pkg/{}_bg.wasm", first.output_name),
                first.stylesheet.clone(),
            ]
        );
        write("flowboard.css", "css 2");
        let restyled = Bundle::load(dir.path());
        assert_eq!(restyled.output_name, first.output_name);
        assert_ne!(restyled.stylesheet, first.stylesheet);
        write("flowboard_bg.wasm", "wasm 2");
        let rebuilt = Bundle::load(dir.path());
        assert_ne!(rebuilt.output_name, first.output_name);
        assert_eq!(rebuilt.stylesheet, restyled.stylesheet);
    }

    #[test]
    fn a_missing_bundle_keeps_the_plain_names() {
        let dir = tempfile::tempdir().expect("temp dir");
        let bundle = Bundle::load(dir.path());
        assert_eq!(bundle.output_name, "flowboard");
        assert_eq!(bundle.stylesheet, "/pkg/flowboard.css");
        assert!(bundle.assets.is_empty());
    }
}
