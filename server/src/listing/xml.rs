//! The XML bits Swift's listings get from Python's ElementTree: its escaping of text and
//! attribute values, and its `<tag />` form for elements with no text and no children.

/// ElementTree's `_escape_cdata`: `&`, `<`, `>`.
pub fn escape_text(out: &mut Vec<u8>, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.extend_from_slice(b"&amp;"),
            '<' => out.extend_from_slice(b"&lt;"),
            '>' => out.extend_from_slice(b"&gt;"),
            _ => push_char(out, c),
        }
    }
}

/// ElementTree's `_escape_attrib`: also `"`, and CR, LF, TAB as character references.
pub fn escape_attr(out: &mut Vec<u8>, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.extend_from_slice(b"&amp;"),
            '<' => out.extend_from_slice(b"&lt;"),
            '>' => out.extend_from_slice(b"&gt;"),
            '"' => out.extend_from_slice(b"&quot;"),
            '\r' => out.extend_from_slice(b"&#13;"),
            '\n' => out.extend_from_slice(b"&#10;"),
            '\t' => out.extend_from_slice(b"&#09;"),
            _ => push_char(out, c),
        }
    }
}

fn push_char(out: &mut Vec<u8>, c: char) {
    let mut buf = [0u8; 4];
    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
}

/// Writes `<tag>text</tag>`, or `<tag />` when the text is empty, as ElementTree does.
pub fn text_element(out: &mut Vec<u8>, tag: &str, text: &str) {
    out.push(b'<');
    out.extend_from_slice(tag.as_bytes());
    if text.is_empty() {
        out.extend_from_slice(b" />");
        return;
    }
    out.push(b'>');
    escape_text(out, text);
    out.extend_from_slice(b"</");
    out.extend_from_slice(tag.as_bytes());
    out.push(b'>');
}
