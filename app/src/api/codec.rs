//! The encoding of server functions' answers: JSON, as `server_fn`'s own `Json`, but read
//! from text on the client.
//!
//! Why: the browser reads the same types from two places, the values a page was rendered
//! with (Leptos's resources: `serde_json::from_str`) and server functions' answers
//! (`server_fn`'s `Json`: `serde_json::from_slice`). serde compiles every type's
//! deserializer once per reader, so each type shipped twice in the wasm bundle; reading the
//! answers as text too keeps one copy (issue 8: the bundle's size).

use serde::{Serialize, de::DeserializeOwned};
use server_fn::codec::Post;
use server_fn::{Bytes, ContentType, Decodes, Encodes, Format, FormatType};

/// JSON written as bytes and read as UTF-8 text (see the module's comment).
pub struct JsonText;

/// A server function's answer as [`JsonText`], in a `POST` body like `server_fn`'s `Json`.
pub type JsonAnswer = Post<JsonText>;

impl ContentType for JsonText {
    const CONTENT_TYPE: &'static str = "application/json";
}

impl FormatType for JsonText {
    const FORMAT_TYPE: Format = Format::Text;
}

impl<T: Serialize> Encodes<T> for JsonText {
    type Error = serde_json::Error;

    fn encode(output: &T) -> Result<Bytes, Self::Error> {
        serde_json::to_vec(output).map(Bytes::from)
    }
}

impl<T: DeserializeOwned> Decodes<T> for JsonText {
    type Error = String;

    fn decode(bytes: Bytes) -> Result<T, Self::Error> {
        let text = std::str::from_utf8(&bytes).map_err(|e| e.to_string())?;
        serde_json::from_str(text).map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn answers_read_back_as_written() {
        let value = (
            String::from("ünïcode \"quoted\""),
            vec![1_i64, -2],
            Some(2.5_f64),
        );
        let bytes = <JsonText as Encodes<_>>::encode(&value).unwrap();
        let back: (String, Vec<i64>, Option<f64>) = JsonText::decode(bytes).unwrap();
        assert_eq!(back, value);
    }

    #[test]
    fn bad_answers_are_errors_not_panics() {
        let not_utf8 = Bytes::from_static(&[b'"', 0xff, b'"']);
        assert!(<JsonText as Decodes<String>>::decode(not_utf8).is_err());
        let truncated = Bytes::from_static(b"{\"a\":");
        assert!(<JsonText as Decodes<serde_json::Value>>::decode(truncated).is_err());
    }
}
