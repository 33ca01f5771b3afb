//! From a message to its set of keyed token hashes.
//!
//! What is looked at, each with its own prefix so that "free" in a subject and "free" in a
//! body are different tokens:
//! - headers: `From` and `Reply-To` (address, domain, display-name words, whether they
//!   differ), `Subject` words, the first `MAX_HOPS` `Received` hops (hosts, parent domains,
//!   networks, protocol), `Content-Type` / charset / transfer encoding of every part,
//!   `X-Mailer` / `User-Agent`, the *shape* of the `Message-ID` (digits and letters replaced
//!   by classes, so its unique part is not stored but the habit of the software that made it
//!   is) and the names of the headers present;
//! - bodies after MIME decoding (base64, quoted-printable, charsets — mail-parser) and, for
//!   HTML, after stripping the markup (`html`): words, URLs and their domains;
//! - a few structural features, kept because the evaluation showed they help (BENCHMARKS.md).
//!
//! Limits, so that no message can make this slow or large: at most `MAX_SCAN_BYTES` of the
//! raw message are parsed, at most `MAX_TEXT_BYTES` of decoded text are read, at most
//! `MAX_TOKENS` tokens are produced, and over-long words become one coarse token.
//!
//! Every token is hashed with SipHash-2-4 under the model's 128-bit secret (each distinct token
//! of a message once); no token text outlives the call: the buffer the tokens are laid out in
//! is zeroed before `message` or `text` returns.

use std::borrow::Cow;

use mail_parser::{HeaderName, Message, MessageParser, MimeHeaders, PartType};

use super::headers::headers;
use super::html::{self, HtmlText};
use super::sink::{HashKey, Sink};
use super::words;

/// Raw bytes of one message that are parsed; the rest is ignored.
pub const MAX_SCAN_BYTES: usize = 512 * 1024;
/// Decoded body text (all parts together) that is tokenized.
pub const MAX_TEXT_BYTES: usize = 192 * 1024;
/// Tokens produced for one message (before duplicates are removed).
pub const MAX_TOKENS: usize = 4000;
/// Nested messages (forwarded as attachments) followed.
const MAX_DEPTH: usize = 3;

/// Turns messages into token hashes. Keeps its buffers between messages.
pub struct Tokenizer {
    sink: Sink,
    parser: MessageParser,
    html: HtmlText,
}

/// What the parts of one message looked like, for the structural features.
#[derive(Default)]
struct Shape {
    text_parts: usize,
    html_parts: usize,
    images: usize,
    text_bytes: usize,
    letters: usize,
    capitals: usize,
    link_mismatch: bool,
}

impl Tokenizer {
    pub fn new(key: &HashKey) -> Tokenizer {
        Tokenizer::with_sink(Sink::new(key.clone(), MAX_TOKENS))
    }

    fn with_sink(sink: Sink) -> Tokenizer {
        // Only the MIME headers and the ones looked at are parsed into structures; the rest
        // stay raw text (cheap), which is all `headers` needs.
        // Every other header is only skipped over: its name is kept (for the `header:`
        // tokens), its value not read.
        let parser = MessageParser::new()
            .with_mime_headers()
            .header_text(HeaderName::Subject)
            .header_address(HeaderName::From)
            .header_address(HeaderName::ReplyTo)
            .header_raw(HeaderName::Received)
            .header_raw(HeaderName::MessageId)
            .header_raw(HeaderName::Other(Cow::Borrowed("X-Mailer")))
            .header_raw(HeaderName::Other(Cow::Borrowed("User-Agent")))
            .default_header_ignore();
        Tokenizer {
            sink,
            parser,
            html: HtmlText::default(),
        }
    }

    /// A tokenizer that also records the token texts (tests only).
    pub fn recording(key: &HashKey) -> Tokenizer {
        Tokenizer::with_sink(Sink::recording(key.clone(), MAX_TOKENS))
    }

    /// The token texts of the last call, if recording.
    pub fn recorded(&self) -> Vec<String> {
        self.sink.recorded()
    }

    /// The sorted, distinct token hashes of a raw RFC 822 message.
    pub fn message(&mut self, raw: &[u8]) -> &[u64] {
        self.sink.start();
        let raw = &raw[..raw.len().min(MAX_SCAN_BYTES)];
        let raw = skip_mbox_line(raw);
        match self.parser.parse(raw) {
            Some(message) => {
                let mut budget = MAX_TEXT_BYTES;
                let mut shape = Shape::default();
                headers(&message, &mut self.sink);
                parts(
                    &message,
                    0,
                    &mut self.sink,
                    &mut self.html,
                    &mut budget,
                    &mut shape,
                );
                structure(&shape, &mut self.sink);
            }
            None => {
                let text = String::from_utf8_lossy(&raw[..raw.len().min(MAX_TEXT_BYTES)]);
                words::words(&text, "", &mut self.sink);
            }
        }
        self.sink.finish()
    }

    /// The sorted, distinct token hashes of a text without mail headers: a chat's first
    /// message, a web form. Same word rules as mail bodies, the subject with its prefix.
    pub fn text(&mut self, subject: &str, body: &str) -> &[u64] {
        self.sink.start();
        words::words(
            prefix_of(subject, MAX_TEXT_BYTES),
            "subject:",
            &mut self.sink,
        );
        let body = prefix_of(body, MAX_TEXT_BYTES);
        words::words(body, "", &mut self.sink);
        let mut shape = Shape::default();
        count_case(body, &mut shape);
        shape.text_parts = 1;
        structure(&shape, &mut self.sink);
        self.sink.finish()
    }
}

/// mbox files start each message with a `From sender date` line that is no header.
fn skip_mbox_line(raw: &[u8]) -> &[u8] {
    if raw.starts_with(b"From ") {
        match raw.iter().position(|&b| b == b'\n') {
            Some(end) => &raw[end + 1..],
            None => raw,
        }
    } else {
        raw
    }
}

/// The longest prefix of `text` of at most `max` bytes that ends on a character boundary.
pub(super) fn prefix_of(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

fn parts(
    message: &Message<'_>,
    depth: usize,
    sink: &mut Sink,
    html_text: &mut HtmlText,
    budget: &mut usize,
    shape: &mut Shape,
) {
    for part in &message.parts {
        if sink.is_full() {
            return;
        }
        if let Some(ct) = part.content_type() {
            let subtype = ct.subtype().unwrap_or("");
            sink.push_parts(
                "content-type:",
                &[
                    &ct.ctype().to_ascii_lowercase(),
                    "/",
                    &subtype.to_ascii_lowercase(),
                ],
            );
            if let Some(charset) = ct.attribute("charset") {
                sink.push_lower("charset:", prefix_of(charset, 40));
            }
        }
        if let Some(encoding) = part.content_transfer_encoding() {
            sink.push_lower("encoding:", prefix_of(encoding, 40));
        }
        if let Some(name) = part.attachment_name()
            && let Some((_, ext)) = name.rsplit_once('.')
        {
            sink.push_lower("filename:.", prefix_of(ext, 10));
        }
        match &part.body {
            PartType::Text(text) => {
                let text = take_budget(text, budget);
                shape.text_parts += 1;
                shape.text_bytes += text.len();
                count_case(text, shape);
                words::words(text, "", sink);
            }
            PartType::Html(markup) => {
                let markup = take_budget(markup, budget);
                shape.html_parts += 1;
                html::strip(markup, html_text);
                shape.text_bytes += html_text.text.len();
                shape.images += html_text.images;
                shape.link_mismatch |= html_text.link_mismatch;
                count_case(&html_text.text, shape);
                words::words(&html_text.text, "", sink);
                for link in &html_text.links {
                    words::link(link, sink);
                }
            }
            PartType::Binary(_) | PartType::InlineBinary(_) => {
                if part
                    .content_type()
                    .is_some_and(|ct| ct.ctype().eq_ignore_ascii_case("image"))
                {
                    shape.images += 1;
                }
            }
            PartType::Message(inner) if depth < MAX_DEPTH => {
                parts(inner, depth + 1, sink, html_text, budget, shape);
            }
            PartType::Message(_) | PartType::Multipart(_) => {}
        }
    }
}

/// What is left of the text budget, cut at a character boundary.
fn take_budget<'a>(text: &'a str, budget: &mut usize) -> &'a str {
    let text = prefix_of(text, *budget);
    *budget -= text.len();
    text
}

/// Counts letters and capitals: ASCII 32 bytes at a time, other characters decoded.
fn count_case(text: &str, shape: &mut Shape) {
    const CHUNK: usize = 32;
    let bytes = text.as_bytes();
    let (mut letters, mut capitals) = (0usize, 0usize);
    let mut i = 0;
    'chunks: while i < bytes.len() {
        let end = (i + CHUNK).min(bytes.len());
        // A whole chunk of ASCII: branch-free counts (they vectorize). Mail text decoded
        // from Latin-1 is mostly ASCII with a few other characters, so the chunks after one
        // of them are fast again.
        if end - i == CHUNK && bytes[i..end].is_ascii() {
            let (mut l, mut c) = (0u8, 0u8);
            for &b in &bytes[i..end] {
                l += u8::from((b | 0x20).wrapping_sub(b'a') < 26);
                c += u8::from(b.wrapping_sub(b'A') < 26);
            }
            letters += usize::from(l);
            capitals += usize::from(c);
            i = end;
            continue;
        }
        // Otherwise this chunk (or the short tail) a character at a time; the last character
        // may end past the chunk, and the next chunk starts after it.
        while i < end {
            let b = bytes[i];
            if b < 0x80 {
                letters += usize::from(b.is_ascii_alphabetic());
                capitals += usize::from(b.is_ascii_uppercase());
                i += 1;
                continue;
            }
            // A lead byte: i only ever stops on character boundaries.
            let Some(c) = text[i..].chars().next() else {
                break 'chunks;
            };
            if c.is_alphabetic() {
                letters += 1;
                if c.is_uppercase() {
                    capitals += 1;
                }
            }
            i += c.len_utf8();
        }
    }
    shape.letters += letters;
    shape.capitals += capitals;
}

/// Cheap structural features of the whole message.
fn structure(shape: &Shape, sink: &mut Sink) {
    if shape.html_parts > 0 && shape.text_parts == 0 {
        sink.push("shape:", "html-only");
    }
    if shape.images > 0 && shape.text_bytes < 200 {
        sink.push("shape:", "image-only");
    }
    if shape.link_mismatch {
        sink.push("shape:", "link-text-mismatch");
    }
    if shape.letters >= 40 && shape.capitals * 2 > shape.letters {
        sink.push("shape:", "mostly-capitals");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> HashKey {
        HashKey::from_bytes(*b"0123456789abcdef")
    }

    fn texts(raw: &str) -> Vec<String> {
        let mut t = Tokenizer::recording(&key());
        t.message(raw.as_bytes());
        t.recorded()
    }

    #[test]
    fn headers_get_their_prefixes() {
        let t = texts(
            "From nobody Thu Aug 22 13:17:22 2002\r\n\
             From: \"Cheap Deals\" <deals@Spam.Example>\r\n\
             Reply-To: other@elsewhere.example\r\n\
             Subject: Free money now\r\n\
             Received: from mx1.relay.example (mx1.relay.example [193.120.211.219]) by us with ESMTP\r\n\
             Message-ID: <20020822131721.A1234@mail.example.com>\r\n\
             X-Mailer: Mass Mailer 3.1\r\n\
             \r\n\
             Hello there\r\n",
        );
        for want in [
            "from:deals@spam.example",
            "from:@spam.example",
            "from:cheap",
            "reply-to:other@elsewhere.example",
            "reply-to:differs",
            "subject:free",
            "subject:money",
            "received:relay.example",
            "received:ip 193.120.211",
            "received:with esmtp",
            "message-id:shape <9.A9@",
            "message-id:@mail.example.com",
            "x-mailer:mass mailer 3.1",
            "header:x-mailer",
            "hello",
            "there",
        ] {
            if want.starts_with("message-id:shape") {
                assert!(
                    t.iter().any(|x| x.starts_with("message-id:shape 9.A9")),
                    "shape in {t:?}"
                );
                continue;
            }
            assert!(t.contains(&want.to_string()), "{want} missing from {t:?}");
        }
        // The unique part of the Message-ID is not a token.
        assert!(!t.iter().any(|x| x.contains("A1234")), "{t:?}");
    }

    #[test]
    fn count_case_counts_as_char_by_char() {
        let ascii =
            "Hello WORLD, this is [mostly] ASCII text @ 100% `quoted` {braces} ~z~Z".repeat(3);
        let texts = [
            String::new(),
            ascii.clone(),
            format!("{ascii}Ünïcode ΣΊΣΥΦΟΣ straße 東京 {ascii}"),
            format!("é{}", &ascii[..40]),
            "Привет мир, ПРИВЕТ! 東京都 ".repeat(9),
        ];
        for text in texts {
            let mut shape = Shape::default();
            count_case(&text, &mut shape);
            let letters = text.chars().filter(|c| c.is_alphabetic()).count();
            let capitals = text
                .chars()
                .filter(|c| c.is_alphabetic() && c.is_uppercase())
                .count();
            assert_eq!(
                (shape.letters, shape.capitals),
                (letters, capitals),
                "{text:?}"
            );
        }
    }

    #[test]
    fn tokens_are_sorted_distinct_and_keyed() {
        let raw = b"Subject: a\r\n\r\nword word other word\r\n";
        let mut a = Tokenizer::new(&key());
        let first = a.message(raw).to_vec();
        assert!(first.windows(2).all(|w| w[0] < w[1]));
        let mut b = Tokenizer::new(&HashKey::from_bytes([9; 16]));
        let second = b.message(raw).to_vec();
        assert_eq!(first.len(), second.len());
        assert_ne!(first, second, "another key, other hashes");
    }
}
