//! Markdown to HTML for announcement bodies and class descriptions. Raw HTML in the source is shown as text
//! and only http(s), mailto and site-relative links survive, so a body can never
//! carry script into the page.

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, html};

pub fn render(markdown: &str) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let events = Parser::new_ext(markdown, options).map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        Event::Start(Tag::Link { link_type, dest_url, title, id }) => {
            Event::Start(Tag::Link { link_type, dest_url: safe_url(dest_url), title, id })
        }
        Event::Start(Tag::Image { link_type, dest_url, title, id }) => {
            Event::Start(Tag::Image { link_type, dest_url: safe_url(dest_url), title, id })
        }
        other => other,
    });
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut out, events);
    out
}

fn safe_url(url: CowStr<'_>) -> CowStr<'_> {
    let lower = url.trim().to_ascii_lowercase();
    let allowed = lower.starts_with("https://")
        || lower.starts_with("http://")
        || lower.starts_with("mailto:")
        // The same rule as a login's `next`: `/\evil.example` is another site to a browser.
        || (lower.starts_with('/') && crate::platform::url::is_site_path(&url))
        || (lower.starts_with('#') && !url.chars().any(char::is_control));
    if allowed { url } else { CowStr::Borrowed("#") }
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn renders_markdown() {
        let html = render("# 标题\n\n正文 **加粗**\n\n- 一\n- 二");
        assert!(html.contains("<h1>标题</h1>"));
        assert!(html.contains("<strong>加粗</strong>"));
        assert!(html.contains("<li>一</li>"));
    }

    #[test]
    fn neutralises_html_and_scripts() {
        let html =
            render("<script>alert(1)</script>\n\n[点我](javascript:alert(1)) <img src=x onerror=alert(1)>");
        assert!(!html.contains("<script"));
        assert!(!html.contains("<img"));
        assert!(!html.contains("javascript:"));
        assert!(html.contains("&lt;script&gt;"));
    }

    #[test]
    fn keeps_safe_links() {
        let html = render("[指南](/news/3) [官网](https://example.cn) [x](//evil.example)");
        assert!(html.contains(r#"href="/news/3""#));
        assert!(html.contains(r#"href="https://example.cn""#));
        assert!(html.contains(r##"href="#""##));
    }

    #[test]
    fn site_links_follow_the_next_path_rule() {
        for evil in ["/\\evil.example", "/%09/evil.example", "/%5C%5Cevil.example", "/%2F/evil.example"] {
            let html = render(&format!("[x]({evil})"));
            assert!(html.contains(r##"href="#""##), "{evil}: {html}");
            assert!(!html.contains("evil.example\""), "{evil}: {html}");
        }
        let html = render("[x](/news/3?page=2)");
        assert!(html.contains(r#"href="/news/3?page=2""#), "{html}");
    }
}
