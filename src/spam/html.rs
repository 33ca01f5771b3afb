//! HTML to text for the tokenizer: the words a reader sees, the links behind them, and
//! two things spam does with markup (images instead of text, link text that names another
//! site than the link goes to).
//!
//! Not a browser: one linear pass, tags dropped, `script`/`style`/comments skipped, the
//! common entities decoded. Inline tags (`<b>`, `<font>`, …) are dropped without a space, so
//! "V<b>I</b>AGRA" still reads as one word, as it does on screen.

use super::words::url_host;

/// Where the ASCII byte `byte` first occurs in `text` (always a character boundary, as an
/// ASCII byte never occurs inside a longer UTF-8 sequence). `memchr` scans 32 bytes at a
/// step; `str::find` with a char was 4 % of classifying a message.
fn find_byte(text: &str, byte: u8) -> Option<usize> {
    memchr::memchr(byte, text.as_bytes())
}

/// Links kept per HTML part.
const MAX_LINKS: usize = 64;

#[derive(Debug, Default)]
pub struct HtmlText {
    pub text: String,
    /// `href` of links and `src` of images, as written.
    pub links: Vec<String>,
    pub images: usize,
    /// A link whose visible text is a URL of another host than the one it points to.
    pub link_mismatch: bool,
}

/// Fills `out` (cleared first) from `markup`.
pub fn strip(markup: &str, out: &mut HtmlText) {
    out.text.clear();
    out.links.clear();
    out.images = 0;
    out.link_mismatch = false;
    // (host the open link points to, where its text starts in out.text)
    let mut anchor: Option<(Option<String>, usize)> = None;
    let mut rest = markup;
    while !rest.is_empty() {
        let Some(open) = find_byte(rest, b'<') else {
            decode_entities(rest, &mut out.text);
            break;
        };
        decode_entities(&rest[..open], &mut out.text);
        rest = &rest[open..];
        if let Some(comment) = rest.strip_prefix("<!--") {
            rest = memchr::memmem::find(comment.as_bytes(), b"-->")
                .map_or("", |end| &comment[end + 3..]);
            continue;
        }
        let end = find_byte(rest, b'>').unwrap_or(rest.len());
        let tag = &rest[1..end];
        rest = rest.get(end + 1..).unwrap_or("");
        let closing = tag.starts_with('/');
        let name_end = tag
            .trim_start_matches('/')
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(tag.trim_start_matches('/').len());
        let name = &tag.trim_start_matches('/')[..name_end];
        let is = |n: &str| name.eq_ignore_ascii_case(n);
        if !closing && (is("script") || is("style")) {
            rest = skip_element(rest, name);
        } else if is("a") {
            if closing {
                if let Some((host, start)) = anchor.take() {
                    out.link_mismatch |= link_text_mismatch(&out.text[start..], host.as_deref());
                }
            } else if let Some(href) = attribute(tag, "href") {
                anchor = Some((url_host(href).map(str::to_ascii_lowercase), out.text.len()));
                if out.links.len() < MAX_LINKS {
                    out.links.push(href.to_string());
                }
            }
        } else if is("img") {
            out.images += 1;
            if let Some(src) = attribute(tag, "src")
                && out.links.len() < MAX_LINKS
            {
                out.links.push(src.to_string());
            }
        } else if !is_inline(name) {
            out.text.push(' ');
        }
    }
}

fn is_inline(name: &str) -> bool {
    [
        "b", "i", "u", "em", "strong", "font", "span", "small", "big", "sup", "sub", "s", "tt",
    ]
    .iter()
    .any(|n| name.eq_ignore_ascii_case(n))
}

/// After `<script …>`: what follows `</script>` (or nothing if it never closes).
fn skip_element<'a>(rest: &'a str, name: &str) -> &'a str {
    let mut search = rest;
    while let Some(at) = memchr::memmem::find(search.as_bytes(), b"</") {
        let after = &search[at + 2..];
        if after.len() >= name.len()
            && after.is_char_boundary(name.len())
            && after[..name.len()].eq_ignore_ascii_case(name)
        {
            return find_byte(after, b'>').map_or("", |end| &after[end + 1..]);
        }
        search = after;
    }
    ""
}

/// The value of attribute `name` in a tag's text, quoted or not.
fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let lower = tag.as_bytes();
    let mut from = 0;
    while from + name.len() <= tag.len() {
        let at = lower[from..]
            .windows(name.len())
            .position(|w| w.eq_ignore_ascii_case(name.as_bytes()))?
            + from;
        from = at + name.len();
        let before_ok = at == 0 || lower[at - 1].is_ascii_whitespace();
        let after = tag[from..].trim_start();
        if !before_ok {
            continue;
        }
        let Some(value) = after.strip_prefix('=') else {
            continue;
        };
        let value = value.trim_start();
        return Some(match value.chars().next() {
            Some(q @ ('"' | '\'')) => {
                let inner = &value[1..];
                &inner[..inner.find(q).unwrap_or(inner.len())]
            }
            _ => &value[..value.find(char::is_whitespace).unwrap_or(value.len())],
        });
    }
    None
}

fn link_text_mismatch(text: &str, href_host: Option<&str>) -> bool {
    let Some(href_host) = href_host else {
        return false;
    };
    text.split_whitespace().any(|word| {
        url_host(word.trim_matches(|c: char| c == '.' || c == ','))
            .is_some_and(|shown| !shown.eq_ignore_ascii_case(href_host))
    })
}

/// Appends `text` with `&amp;`, `&lt;`, `&#65;`, `&#x41;`, … decoded.
fn decode_entities(text: &str, out: &mut String) {
    let mut rest = text;
    while let Some(amp) = find_byte(rest, b'&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let semi = rest.bytes().take(12).position(|b| b == b';');
        let decoded = semi.and_then(|semi| entity(&rest[1..semi]).map(|c| (c, semi)));
        match decoded {
            Some((c, semi)) => {
                out.push(c);
                rest = &rest[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
}

fn entity(name: &str) -> Option<char> {
    if let Some(number) = name.strip_prefix('#') {
        let code = match number.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => number.parse().ok()?,
        };
        return char::from_u32(code);
    }
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => ' ',
        "copy" => '©',
        "reg" => '®',
        "euro" => '€',
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stripped(markup: &str) -> HtmlText {
        let mut out = HtmlText::default();
        strip(markup, &mut out);
        out
    }

    #[test]
    fn text_is_what_a_reader_sees() {
        let out = stripped(
            "<html><head><style>p { color: red }</style><script>var x = '<p>';</script></head>\
             <body><!-- hidden --><p>Buy V<b>IAG</b>RA&nbsp;now &amp; save&#33;</p>\
             <a href=\"http://cheap.example/x\">click</a><img src='http://img.example/a.gif'></body>",
        );
        let words: Vec<&str> = out.text.split_whitespace().collect();
        assert_eq!(words, ["Buy", "VIAGRA", "now", "&", "save!", "click"]);
        assert_eq!(
            out.links,
            ["http://cheap.example/x", "http://img.example/a.gif"]
        );
        assert_eq!(out.images, 1);
        assert!(!out.link_mismatch);
    }

    #[test]
    fn link_text_naming_another_site_is_noticed() {
        let out =
            stripped("<a href=\"http://evil.example/login\">https://www.bank.example/login</a>");
        assert!(out.link_mismatch);
        let same = stripped("<a href=\"http://bank.example/\">http://bank.example/login</a>");
        assert!(!same.link_mismatch);
    }

    #[test]
    fn broken_markup_does_not_panic() {
        for markup in [
            "<",
            "<a href=",
            "<a href='x",
            "&#xFFFFFFFF;",
            "<script>never",
            "<!--",
            "&",
        ] {
            let _ = stripped(markup);
        }
    }
}
