//! The live stream as the tests read it.

use std::time::Duration;

use futures::StreamExt;

/// Reads the live stream until `needles` were all seen, in order, or `limit` passes; what
/// arrived.
pub async fn expect_events<S, B>(body: &mut S, needles: &[&str], limit: Duration) -> String
where
    S: futures::Stream<Item = reqwest::Result<B>> + Unpin,
    B: AsRef<[u8]>,
{
    let mut seen = String::new();
    let found = tokio::time::timeout(limit, async {
        let mut next = 0;
        while let Some(chunk) = body.next().await {
            seen.push_str(&String::from_utf8_lossy(chunk.unwrap().as_ref()));
            while next < needles.len() && seen[..].contains(needles[next]) {
                next += 1;
            }
            if next == needles.len() {
                return;
            }
        }
    })
    .await;
    assert!(found.is_ok(), "expected {needles:?} in time; got {seen:?}");
    seen
}
