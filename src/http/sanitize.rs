//! Making untrusted HTML (a message body whose `html` flag is set, e.g. from a mail) safe to
//! put into a page, for the customer portal and the agent panel alike.
//!
//! ammonia parses the text as a browser would and keeps only an allowlist of tags and
//! attributes: no script, no style (neither elements nor attributes), no event handlers, no
//! forms or frames. Links keep only `http`, `https`, `mailto` and `tel` URLs (so no
//! `javascript:`) and get `rel="noopener noreferrer nofollow"`. Images are removed outright:
//! a remote one is a tracking pixel, and inline ones are not worth the risk.

use std::collections::HashSet;

/// `html` with everything that could run, track, restyle the page or load anything removed.
pub fn sanitize_html(html: &str) -> String {
    ammonia::Builder::default()
        .rm_tags(["img"])
        .url_schemes(HashSet::from(["http", "https", "mailto", "tel"]))
        .link_rel(Some("noopener noreferrer nofollow"))
        .clean(html)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::sanitize_html;

    #[test]
    fn scripts_handlers_and_javascript_urls_are_removed() {
        let dirty = r#"<p onclick="x()">Hi <b>there</b></p><script>alert(1)</script><a href="javascript:alert(1)">x</a><a href="https://example.com/a">ok</a>"#;
        let clean = sanitize_html(dirty);
        assert!(!clean.contains("script"), "{clean}");
        assert!(!clean.contains("onclick"), "{clean}");
        assert!(!clean.contains("javascript:"), "{clean}");
        assert!(clean.contains("<b>there</b>"), "{clean}");
        assert!(
            clean.contains(
                r#"<a href="https://example.com/a" rel="noopener noreferrer nofollow">ok</a>"#
            ),
            "{clean}"
        );
    }

    #[test]
    fn styles_and_images_are_removed() {
        let dirty = r#"<style>body{display:none}</style><p style="position:fixed">t</p><img src="https://tracker.example/p.gif"><img src="cid:logo"><img src=x onerror="alert(1)">"#;
        let clean = sanitize_html(dirty);
        assert_eq!(clean, "<p>t</p>");
    }

    #[test]
    fn other_schemes_and_frames_are_removed() {
        let dirty = r#"<a href="data:text/html,<script>alert(1)</script>">d</a><a href="vbscript:x">v</a><iframe src="https://e.example"></iframe><form action="/x"><input name="a"></form><a href="mailto:a@b.example">m</a>"#;
        let clean = sanitize_html(dirty);
        assert!(
            !clean.contains("data:") && !clean.contains("vbscript:"),
            "{clean}"
        );
        assert!(
            !clean.contains("iframe") && !clean.contains("<form") && !clean.contains("<input"),
            "{clean}"
        );
        assert!(clean.contains(r#"href="mailto:a@b.example""#), "{clean}");
    }
}
