//! The wire: pages, JSON answers and the browser bundle travel gzip- or brotli-compressed when
//! the client accepts it and decode to exactly what an uncompressed request gets; the bundle's
//! hashed URLs are cached as immutable and pages are not; the live stream is never
//! compressed and still delivers a change within a second. See README, "The wire".
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Read;
use std::time::{Duration, Instant};

use common::TestServer;
use futures::StreamExt;
use reqwest::StatusCode;
use reqwest::header::{
    ACCEPT, ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_SECURITY_POLICY,
    CONTENT_TYPE, HeaderMap, IF_MODIFIED_SINCE, LAST_MODIFIED, VARY,
};
use serde_json::json;
use tempfile::TempDir;

/// A browser bundle of the shape `scripts/build-site.sh` writes, with made-up contents big
/// enough to be worth compressing: the test needs no wasm build.
fn fake_site() -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    let pkg = dir.path().join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    let js: String = (0..400)
        .map(|i| {
            format!(
                "export function f{i}(a) {{ return wasm.f{i}(a, {}); }}\n",
                i * 7
            )
        })
        .collect();
    // A module header, then bytes with some structure (as code has) and some noise.
    let mut wasm = b"\0asm\x01\0\0\0".to_vec();
    let mut x: u32 = 12345;
    for i in 0..200_000u32 {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        wasm.push(if i % 16 == 0 {
            (x >> 24) as u8
        } else {
            (i % 61) as u8
        });
    }
    let css: String = (0..300)
        .map(|i| format!(".card-{i} {{ margin: {i}px; color: #333; }}\n"))
        .collect();
    std::fs::write(pkg.join("flowboard.js"), js).unwrap();
    std::fs::write(pkg.join("flowboard_bg.wasm"), wasm).unwrap();
    std::fs::write(pkg.join("flowboard.css"), css).unwrap();
    std::fs::write(
        dir.path().join("favicon.svg"),
        "<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
    )
    .unwrap();
    dir
}

/// What one request got: headers and the body as sent.
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    wire: Vec<u8>,
}

impl Answer {
    fn header(&self, name: reqwest::header::HeaderName) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// The body with its `Content-Encoding` undone.
    fn decoded(&self) -> Vec<u8> {
        let mut out = Vec::new();
        match self.header(CONTENT_ENCODING) {
            "" => out.clone_from(&self.wire),
            "gzip" => {
                flate2::read::GzDecoder::new(&self.wire[..])
                    .read_to_end(&mut out)
                    .expect("valid gzip");
            }
            "br" => {
                brotli_decompressor::Decompressor::new(&self.wire[..], 4096)
                    .read_to_end(&mut out)
                    .expect("valid brotli");
            }
            other => panic!("unexpected Content-Encoding {other:?}"),
        }
        out
    }

    /// The decoded body as text, with what differs on every request by design blanked out:
    /// the page's CSP nonce and the board's `now` (when it was read).
    fn text(&self) -> String {
        String::from_utf8(self.comparable()).expect("UTF-8")
    }

    /// The decoded body; text with [`Answer::text`]'s blanks.
    fn comparable(&self) -> Vec<u8> {
        let text = match String::from_utf8(self.decoded()) {
            Ok(text) => text,
            Err(binary) => return binary.into_bytes(),
        };
        let csp = self.header(CONTENT_SECURITY_POLICY);
        let text = match csp
            .split("'nonce-")
            .nth(1)
            .and_then(|r| r.split('\'').next())
        {
            Some(nonce) if !nonce.is_empty() => text.replace(nonce, "NONCE"),
            _ => text,
        };
        blank_times_after(&text, "\"now").into_bytes()
    }
}

/// `text` with the timestamp after each `marker` (past the quotes, backslashes and colon of
/// JSON, plain or escaped inside a page's script) replaced by `TIME`.
fn blank_times_after(text: &str, marker: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(marker) {
        let (before, after) = rest.split_at(at + marker.len());
        out.push_str(before);
        let punctuation = after.len() - after.trim_start_matches(['\\', '"', ':']).len();
        out.push_str(&after[..punctuation]);
        let value = &after[punctuation..];
        let time = value.len()
            - value
                .trim_start_matches(|c: char| c.is_ascii_digit() || "-:.TZ+".contains(c))
                .len();
        if time > 0 {
            out.push_str("TIME");
        }
        rest = &value[time..];
    }
    out.push_str(rest);
    out
}

async fn send(request: reqwest::RequestBuilder, encoding: &str) -> Answer {
    let request = if encoding.is_empty() {
        request
    } else {
        request.header(ACCEPT_ENCODING, encoding)
    };
    let r = request.send().await.unwrap();
    let status = r.status();
    let headers = r.headers().clone();
    let wire = r.bytes().await.unwrap().to_vec();
    Answer {
        status,
        headers,
        wire,
    }
}

/// Asks for the same thing plainly, with `br` and with `gzip`: each compressed answer says
/// its encoding, is smaller and decodes to the plain one. The plain answer.
async fn same_in_every_encoding(
    what: &str,
    request: impl Fn() -> reqwest::RequestBuilder,
) -> Answer {
    let plain = send(request(), "").await;
    assert_eq!(plain.status, StatusCode::OK, "{what}");
    assert_eq!(plain.header(CONTENT_ENCODING), "", "{what} asked plainly");
    for encoding in ["br", "gzip"] {
        let packed = send(request(), encoding).await;
        assert_eq!(packed.status, StatusCode::OK, "{what} ({encoding})");
        assert_eq!(packed.header(CONTENT_ENCODING), encoding, "{what}");
        assert!(
            packed
                .header(VARY)
                .to_ascii_lowercase()
                .contains("accept-encoding"),
            "{what} ({encoding}) must vary by Accept-Encoding for caches in between"
        );
        assert!(
            packed.wire.len() < plain.wire.len() / 2,
            "{what} ({encoding}): {} bytes compressed, {} plain",
            packed.wire.len(),
            plain.wire.len()
        );
        assert!(
            packed.comparable() == plain.comparable(),
            "{what} ({encoding}) decodes to the plain answer"
        );
        assert_eq!(packed.header(CACHE_CONTROL), plain.header(CACHE_CONTROL));
    }
    plain
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compressed_cached_and_live() {
    let site = fake_site();
    let db = common::sqlite();
    let mut config = server::Config::for_database(db.url.clone());
    config.site_root = site.path().to_owned();
    let s = TestServer::start_with(config).await;
    // reqwest here has no decompression features: `Content-Encoding` stays visible and
    // bodies come as sent. Pages need a signed-in browser; the REST API takes the token.
    common::user(s.store.as_ref(), "wire@example.com", true).await;
    let browser = common::signed_in(&s.base, "wire@example.com").await;
    let c = &s.client;
    let r = s
        .post_json("/api/v1/boards", &json!({"name": "Wire"}))
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    for i in 0..12 {
        let r = s
            .post_json(
                "/api/v1/boards/wire/cards",
                &json!({"title": format!("Card number {i} of the wire test"), "card_type": "feature"}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
    }

    // A page, rendered by Leptos.
    let page =
        same_in_every_encoding("the board page", || browser.get(s.url("/boards/wire"))).await;
    let html = page.text();
    assert!(html.contains("Card number 11 of the wire test"), "{html}");
    assert_eq!(page.header(CACHE_CONTROL), "private, no-cache");

    // A server function's JSON answer.
    let snapshot = same_in_every_encoding("get_board's answer", || {
        browser
            .post(s.url("/fn/get_board"))
            .header(ACCEPT, "application/json")
            .form(&[("slug", "wire")])
    })
    .await;
    assert!(
        snapshot
            .header(CONTENT_TYPE)
            .starts_with("application/json")
    );
    assert_eq!(snapshot.header(CACHE_CONTROL), "no-store");

    // A REST answer.
    let cards =
        same_in_every_encoding("the REST board", || c.get(s.url("/api/v1/boards/wire"))).await;
    assert_eq!(cards.header(CACHE_CONTROL), "no-store");

    // The bundle, under the hashed URLs the page names.
    let urls = bundle_urls(&html);
    for (url, file, content_type) in [
        (&urls.script, "flowboard.js", "text/javascript"),
        (&urls.module, "flowboard_bg.wasm", "application/wasm"),
        (&urls.stylesheet, "flowboard.css", "text/css"),
    ] {
        let answer = same_in_every_encoding(url, || c.get(s.url(url))).await;
        assert_eq!(
            answer.wire,
            std::fs::read(site.path().join("pkg").join(file)).unwrap(),
            "{url} is {file}"
        );
        assert!(
            answer.header(CONTENT_TYPE).starts_with(content_type),
            "{url}"
        );
        assert_eq!(
            answer.header(CACHE_CONTROL),
            "public, max-age=31536000, immutable",
            "{url}"
        );
    }

    // Static files under names that do not change: revalidated, answered 304 when unchanged.
    for path in ["/pkg/flowboard.css", "/favicon.svg"] {
        let plain = send(c.get(s.url(path)), "br").await;
        assert_eq!(plain.status, StatusCode::OK, "{path}");
        assert_eq!(plain.header(CACHE_CONTROL), "no-cache", "{path}");
        let since = plain.header(LAST_MODIFIED).to_owned();
        assert!(!since.is_empty(), "{path} has Last-Modified");
        let again = send(c.get(s.url(path)).header(IF_MODIFIED_SINCE, since), "br").await;
        assert_eq!(again.status, StatusCode::NOT_MODIFIED, "{path}");
        assert_eq!(again.header(CACHE_CONTROL), "no-cache", "{path}");
    }
    // Tiny answers are not worth compressing.
    let small = send(c.get(s.url("/favicon.svg")), "br, gzip").await;
    assert_eq!(small.header(CONTENT_ENCODING), "");

    live_stream_is_neither_compressed_nor_late(&s).await;
    s.stop().await.unwrap();
}

/// The hashed URLs a page names: the stylesheet (in the shell), the script and the module
/// (Leptos's HydrationScripts).
struct BundleUrls {
    stylesheet: String,
    script: String,
    module: String,
}

fn bundle_urls(html: &str) -> BundleUrls {
    let mut urls: Vec<String> = html
        .match_indices("\"/pkg/flowboard.")
        .map(|(at, _)| {
            let rest = &html[at + 1..];
            rest[..rest.find('"').unwrap_or(rest.len())].to_owned()
        })
        .collect();
    urls.sort();
    urls.dedup();
    let find = |suffix: &str| {
        urls.iter()
            .find(|u| u.ends_with(suffix))
            .cloned()
            .unwrap_or_else(|| panic!("no *{suffix} among {urls:?}"))
    };
    let urls = BundleUrls {
        stylesheet: find(".css"),
        script: find(".js"),
        module: find("_bg.wasm"),
    };
    // Each carries a hash: `flowboard.<16 hex digits>`.
    for url in [&urls.stylesheet, &urls.script, &urls.module] {
        let hash = url["/pkg/flowboard.".len()..]
            .split(['.', '_'])
            .next()
            .unwrap_or_default();
        assert!(
            hash.len() == 16 && hash.chars().all(|c| c.is_ascii_hexdigit()),
            "{url} carries no content hash"
        );
    }
    urls
}

/// Opens the live stream asking for compression: it comes uncompressed, and a change made
/// after its `ready` event arrives within a second (a compressor would hold it back until
/// its buffer filled).
async fn live_stream_is_neither_compressed_nor_late(s: &TestServer) {
    let r = s
        .client
        .get(s.url("/api/v1/boards/wire/live"))
        .header(ACCEPT_ENCODING, "br, gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    assert!(
        !r.headers().contains_key(CONTENT_ENCODING),
        "the live stream must not be compressed: {:?}",
        r.headers()
    );
    let mut body = r.bytes_stream();
    let mut seen = String::new();
    let ready = tokio::time::timeout(Duration::from_secs(5), async {
        while let Some(chunk) = body.next().await {
            seen.push_str(&String::from_utf8_lossy(&chunk.unwrap()));
            if seen.contains("event: ready") && seen.contains("\n\n") {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(ready, Ok(true), "no ready event: {seen:?}");
    let start = Instant::now();
    let r = s
        .post_json(
            "/api/v1/boards/wire/cards",
            &json!({"title": "Arrives live", "card_type": "feature"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let arrived = tokio::time::timeout(Duration::from_secs(1), async {
        while let Some(chunk) = body.next().await {
            seen.push_str(&String::from_utf8_lossy(&chunk.unwrap()));
            if seen.contains("event: change") {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(
        arrived,
        Ok(true),
        "no change event within a second ({:?}): {seen:?}",
        start.elapsed()
    );
}
