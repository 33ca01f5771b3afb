//! The headers a message's tokens come from: `From` / `Reply-To`, `Subject`, the first
//! `Received` hops, `X-Mailer` / `User-Agent`, the shape of the `Message-ID`, and the names
//! of the headers present.

use mail_parser::{Address, HeaderName, HeaderValue, Message};

use super::sink::Sink;
use super::tokenizer::prefix_of;
use super::words::{self, MAX_WORD_BYTES};

/// `Received` headers looked at, from the top (the hops nearest to us come first).
const MAX_HOPS: usize = 4;
/// Headers looked at.
const MAX_HEADERS: usize = 200;

pub(super) fn headers(message: &Message<'_>, sink: &mut Sink) {
    let mut hops = 0;
    for header in message.headers().iter().take(MAX_HEADERS) {
        let name = header.name();
        if name.len() <= MAX_WORD_BYTES {
            sink.push_lower("header:", name);
        }
        match &header.name {
            HeaderName::From => address(header.value(), "from:", sink),
            HeaderName::ReplyTo => address(header.value(), "reply-to:", sink),
            HeaderName::Subject => {
                if let Some(subject) = header.value().as_text() {
                    words::words(prefix_of(subject, 1024), "subject:", sink);
                }
            }
            HeaderName::Received if hops < MAX_HOPS => {
                hops += 1;
                if let Some(text) = header.value().as_text() {
                    received(prefix_of(text, 1024), sink);
                }
            }
            HeaderName::MessageId => {
                if let Some(text) = header.value().as_text() {
                    message_id_shape(prefix_of(text, 256), sink);
                }
            }
            _ if name.eq_ignore_ascii_case("X-Mailer")
                || name.eq_ignore_ascii_case("User-Agent") =>
            {
                if let Some(text) = header.value().as_text() {
                    let text = prefix_of(text.trim(), 80);
                    sink.push_lower("x-mailer:", text);
                    words::words(text, "x-mailer:", sink);
                }
            }
            _ => {}
        }
    }
    // Reply-To pointing elsewhere than From is a classic of spam (and of mailing lists).
    let from = first_address(message.header(HeaderName::From));
    let reply_to = first_address(message.header(HeaderName::ReplyTo));
    if let (Some(from), Some(reply_to)) = (from, reply_to) {
        let same = from.eq_ignore_ascii_case(reply_to);
        sink.push("reply-to:", if same { "same" } else { "differs" });
    }
}

fn first_address<'a>(value: Option<&'a HeaderValue<'_>>) -> Option<&'a str> {
    value?.as_address()?.first()?.address.as_deref()
}

/// An address header: the address, its domain and parent domains, the display name's words.
fn address(value: &HeaderValue<'_>, prefix: &str, sink: &mut Sink) {
    let Some(list) = value.as_address() else {
        if let Some(text) = value.as_text() {
            words::words(prefix_of(text, 256), prefix, sink);
        }
        return;
    };
    let addrs: Vec<_> = match list {
        Address::List(list) => list.iter().take(3).collect(),
        Address::Group(groups) => groups
            .iter()
            .flat_map(|g| g.addresses.iter())
            .take(3)
            .collect(),
    };
    for addr in addrs {
        if let Some(email) = addr.address.as_deref() {
            let email = prefix_of(email, 128);
            sink.push_lower(prefix, email);
            match email.rsplit_once('@') {
                Some((_, domain)) => sink.push_lower(prefix, &format!("@{domain}")),
                None => sink.push(prefix, "no-domain"),
            }
        } else {
            sink.push(prefix, "no-address");
        }
        match addr.name.as_deref() {
            Some(name) => words::words(prefix_of(name, 256), prefix, sink),
            None => sink.push(prefix, "no-name"),
        }
    }
}

/// One `Received` hop: the host names (and their parent domains), the /24 networks of the
/// addresses, and the protocol after `with`.
fn received(text: &str, sink: &mut Sink) {
    let mut after_with = false;
    for piece in ReceivedPieces::new(text) {
        let piece = piece.trim_matches(|c: char| c == '.' || c == ',');
        if piece.is_empty() || piece.len() > 80 {
            continue;
        }
        if after_with {
            sink.push_lower("received:with ", piece);
            after_with = false;
            continue;
        }
        if piece.eq_ignore_ascii_case("with") {
            after_with = true;
            continue;
        }
        if !piece.contains('.') || piece.contains('@') {
            continue;
        }
        if piece.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
            // 193.120.211.219 → 193.120.211: the sender's network, not the one machine.
            let network = piece.rsplit_once('.').map_or(piece, |(net, _)| net);
            sink.push("received:ip ", network);
        } else if piece.bytes().any(|b| b.is_ascii_alphabetic()) {
            let mut domain = piece;
            loop {
                sink.push_lower("received:", domain);
                match domain.split_once('.') {
                    Some((_, parent)) if parent.contains('.') => domain = parent,
                    _ => break,
                }
            }
        }
    }
}

/// Whether a character separates the pieces of a `Received` header.
fn is_received_separator(c: char) -> bool {
    c.is_whitespace() || matches!(c, '(' | ')' | '[' | ']' | ';' | '<' | '>')
}

/// `is_received_separator` for the ASCII characters, as a table (a test checks it).
static RECEIVED_SEPARATOR: [bool; 128] = {
    let mut table = [false; 128];
    let mut b = 0;
    while b < 128 {
        table[b] = matches!(
            b as u8,
            b'\t'
                | b'\n'
                | 0x0B
                | 0x0C
                | b'\r'
                | b' '
                | b'('
                | b')'
                | b'['
                | b']'
                | b';'
                | b'<'
                | b'>'
        );
        b += 1;
    }
    table
};

/// The pieces of `text.split(is_received_separator)`, found a byte at a time for ASCII and a
/// character at a time only for the rest: `Received` headers are long, and splitting them
/// by characters was a few per cent of a message's time.
struct ReceivedPieces<'a> {
    text: &'a str,
    at: usize,
    done: bool,
}

impl<'a> ReceivedPieces<'a> {
    fn new(text: &'a str) -> Self {
        ReceivedPieces {
            text,
            at: 0,
            done: false,
        }
    }
}

impl<'a> Iterator for ReceivedPieces<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        if self.done {
            return None;
        }
        let bytes = self.text.as_bytes();
        let start = self.at;
        let mut i = start;
        while i < bytes.len() {
            let b = bytes[i];
            let width = if b < 0x80 {
                if RECEIVED_SEPARATOR[usize::from(b)] {
                    self.at = i + 1;
                    return Some(&self.text[start..i]);
                }
                1
            } else {
                // A lead byte (i only ever stops on character boundaries).
                let c = self.text[i..].chars().next()?;
                if is_received_separator(c) {
                    self.at = i + c.len_utf8();
                    return Some(&self.text[start..i]);
                }
                c.len_utf8()
            };
            i += width;
        }
        // As `split`: the last piece, empty or not.
        self.done = true;
        Some(&self.text[start..])
    }
}

/// `<20020822131721.A1234@mail.example.com>` → shape `9.a9@` plus the domain: how the
/// sending software builds its ids, without the id itself.
fn message_id_shape(text: &str, sink: &mut Sink) {
    let id = text.trim().trim_start_matches('<').trim_end_matches('>');
    let (local, domain) = id.rsplit_once('@').unwrap_or((id, ""));
    let mut shape = String::with_capacity(16);
    let mut last = None;
    for c in local.chars() {
        let class = if c.is_ascii_digit() {
            '9'
        } else if c.is_ascii_lowercase() {
            'a'
        } else if c.is_ascii_uppercase() {
            'A'
        } else if c.is_alphanumeric() {
            'u'
        } else {
            c
        };
        if last != Some(class) {
            shape.push(class);
            last = Some(class);
        }
        if shape.len() >= 24 {
            break;
        }
    }
    sink.push("message-id:shape ", &shape);
    if domain.is_empty() {
        sink.push("message-id:", "no-domain");
    } else {
        sink.push_lower("message-id:@", prefix_of(domain, 80));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn received_pieces_are_those_of_split() {
        for b in 0u8..128 {
            assert_eq!(
                RECEIVED_SEPARATOR[usize::from(b)],
                is_received_separator(char::from(b)),
                "{b:#x}"
            );
        }
        for text in [
            "",
            ";",
            "from mx1.relay.example (mx1.relay.example [193.120.211.219]) by us with ESMTP",
            "  a\tb\r\n c;d<e>f  ",
            "from h\u{a0}ost\u{3000}x (é\u{2028}ü) [日本];",
            "trailing ",
        ] {
            let want: Vec<&str> = text.split(is_received_separator).collect();
            let got: Vec<&str> = ReceivedPieces::new(text).collect();
            assert_eq!(got, want, "{text:?}");
        }
    }
}
