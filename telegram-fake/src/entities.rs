//! What Telegram does to message text before a member sees it: `parse_mode`
//! markup becomes plain text plus entities (with Telegram's error texts for
//! broken markup), surrounding whitespace goes, and commands, mentions,
//! hashtags and links are detected. Offsets and lengths are UTF-16 code
//! units, as in the Bot API.

use serde_json::{Map, Value, json};

/// One formatting entity before it becomes JSON.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Entity {
    pub kind: &'static str,
    pub offset: usize,
    pub length: usize,
    pub url: Option<String>,
    pub language: Option<String>,
    pub user_id: Option<i64>,
    pub custom_emoji_id: Option<String>,
}

impl Entity {
    fn new(kind: &'static str, offset: usize, length: usize) -> Self {
        Entity { kind, offset, length, url: None, language: None, user_id: None, custom_emoji_id: None }
    }

    /// The MessageEntity object; `user` turns a user id into a User object.
    pub fn to_json(&self, user: &dyn Fn(i64) -> Value) -> Value {
        let mut m = Map::new();
        m.insert("type".into(), json!(self.kind));
        m.insert("offset".into(), json!(self.offset));
        m.insert("length".into(), json!(self.length));
        if let Some(u) = &self.url {
            m.insert("url".into(), json!(u));
        }
        if let Some(l) = &self.language {
            m.insert("language".into(), json!(l));
        }
        if let Some(id) = self.user_id {
            m.insert("user".into(), user(id));
        }
        if let Some(e) = &self.custom_emoji_id {
            m.insert("custom_emoji_id".into(), json!(e));
        }
        Value::Object(m)
    }
}

pub(crate) fn utf16_len(s: &str) -> usize {
    s.chars().map(char::len_utf16).sum()
}

#[derive(Default)]
struct Out {
    text: String,
    u16: usize,
}

impl Out {
    fn push(&mut self, c: char) {
        self.text.push(c);
        self.u16 += c.len_utf16();
    }
}

/// Parses `text` according to a Bot API `parse_mode`. The error is the part
/// after "Bad Request: can't parse entities: ".
pub(crate) fn parse(text: &str, mode: &str) -> Result<Result<(String, Vec<Entity>), String>, ()> {
    match mode.to_ascii_lowercase().as_str() {
        "html" => Ok(parse_html(text)),
        "markdownv2" => Ok(parse_markdown_v2(text)),
        "markdown" => Ok(parse_markdown(text)),
        _ => Err(()),
    }
}

struct OpenTag {
    tag: String,
    kind: &'static str,
    start: usize,
    url: Option<String>,
    language: Option<String>,
    user_id: Option<i64>,
    custom_emoji_id: Option<String>,
}

pub(crate) fn parse_html(src: &str) -> Result<(String, Vec<Entity>), String> {
    let mut out = Out::default();
    let mut stack: Vec<OpenTag> = Vec::new();
    let mut ents: Vec<Entity> = Vec::new();
    let mut i = 0;
    while let Some(c) = src[i..].chars().next() {
        match c {
            '<' => {
                let Some(rel) = src[i..].find('>') else {
                    return Err(format!("Unclosed start tag at byte offset {i}"));
                };
                let inner = &src[i + 1..i + rel];
                if let Some(name) = inner.strip_prefix('/') {
                    let name = name.trim().to_ascii_lowercase();
                    let Some(top) = stack.pop() else {
                        return Err(format!("Unexpected end tag at byte offset {i}"));
                    };
                    if top.tag != name {
                        return Err(format!(
                            "Unmatched end tag at byte offset {i}, expected \"</{}>\", found \"</{name}>\"",
                            top.tag
                        ));
                    }
                    let length = out.u16 - top.start;
                    if length > 0 {
                        ents.push(Entity {
                            kind: top.kind,
                            offset: top.start,
                            length,
                            url: top.url,
                            language: top.language,
                            user_id: top.user_id,
                            custom_emoji_id: top.custom_emoji_id,
                        });
                    }
                } else {
                    stack.push(open_html_tag(inner, i, out.u16)?);
                }
                i += rel + 1;
            }
            '&' => {
                let (ch, used) = decode_html_entity(&src[i..]);
                out.push(ch);
                i += used;
            }
            _ => {
                out.push(c);
                i += c.len_utf8();
            }
        }
    }
    if let Some(top) = stack.last() {
        return Err(format!("Can't find end tag corresponding to start tag \"{}\"", top.tag));
    }
    merge_pre_code(&mut ents);
    Ok((out.text, ents))
}

fn open_html_tag(inner: &str, at: usize, start: usize) -> Result<OpenTag, String> {
    let inner = inner.trim_end_matches('/');
    let name_end = inner.find(|c: char| c.is_whitespace()).unwrap_or(inner.len());
    let tag = inner[..name_end].to_ascii_lowercase();
    let attrs = parse_attrs(&inner[name_end..]);
    let attr = |n: &str| attrs.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
    let unsupported = || Err(format!("Unsupported start tag \"{tag}\" at byte offset {at}"));
    let mut open = OpenTag {
        tag: tag.clone(),
        kind: "bold",
        start,
        url: None,
        language: None,
        user_id: None,
        custom_emoji_id: None,
    };
    open.kind = match tag.as_str() {
        "b" | "strong" => "bold",
        "i" | "em" => "italic",
        "u" | "ins" => "underline",
        "s" | "strike" | "del" => "strikethrough",
        "tg-spoiler" => "spoiler",
        "span" if attr("class").as_deref() == Some("tg-spoiler") => "spoiler",
        "code" => {
            open.language =
                attr("class").and_then(|c| c.strip_prefix("language-").filter(|l| !l.is_empty()).map(str::to_owned));
            "code"
        }
        "pre" => "pre",
        "blockquote" => {
            if attrs.iter().any(|(k, _)| k == "expandable") {
                "expandable_blockquote"
            } else {
                "blockquote"
            }
        }
        "tg-emoji" => match attr("emoji-id") {
            Some(id) if !id.is_empty() => {
                open.custom_emoji_id = Some(id);
                "custom_emoji"
            }
            _ => return unsupported(),
        },
        "a" => {
            let href = attr("href").unwrap_or_default();
            link_kind(&href, &mut open.url, &mut open.user_id)
        }
        _ => return unsupported(),
    };
    Ok(open)
}

/// `tg://user?id=N` links mention a user; everything else is a text link.
/// Telegram completes scheme-less links with `http://`.
fn link_kind(href: &str, url: &mut Option<String>, user_id: &mut Option<i64>) -> &'static str {
    let href = href.trim();
    if let Some(id) = href.strip_prefix("tg://user?id=").and_then(|s| s.parse::<i64>().ok()) {
        *user_id = Some(id);
        return "text_mention";
    }
    *url = Some(if href.contains("://") || href.starts_with("mailto:") {
        href.to_owned()
    } else {
        format!("http://{href}")
    });
    "text_link"
}

fn parse_attrs(s: &str) -> Vec<(String, String)> {
    let mut attrs = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        let start = i;
        while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'=' {
            i += 1;
        }
        if start == i {
            i += 1;
            continue;
        }
        let name = s[start..i].to_ascii_lowercase();
        let mut value = String::new();
        if i < b.len() && b[i] == b'=' {
            i += 1;
            if i < b.len() && (b[i] == b'"' || b[i] == b'\'') {
                let q = b[i];
                i += 1;
                let vs = i;
                while i < b.len() && b[i] != q {
                    i += 1;
                }
                value = decode_html_text(&s[vs..i.min(b.len())]);
                i += 1;
            } else {
                let vs = i;
                while i < b.len() && !b[i].is_ascii_whitespace() {
                    i += 1;
                }
                value = decode_html_text(&s[vs..i]);
            }
        }
        attrs.push((name, value));
    }
    attrs
}

fn decode_html_text(s: &str) -> String {
    let mut out = String::new();
    let mut i = 0;
    while let Some(c) = s[i..].chars().next() {
        if c == '&' {
            let (ch, used) = decode_html_entity(&s[i..]);
            out.push(ch);
            i += used;
        } else {
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// Decodes the entity at the start of `s` (which starts with '&'). Telegram
/// knows the four named entities and all numeric ones; anything else is a
/// literal ampersand.
fn decode_html_entity(s: &str) -> (char, usize) {
    let Some(end) = s.char_indices().take(12).find(|&(_, c)| c == ';').map(|(i, _)| i) else {
        return ('&', 1);
    };
    let name = &s[1..end];
    let ch = match name {
        "lt" => Some('<'),
        "gt" => Some('>'),
        "amp" => Some('&'),
        "quot" => Some('"'),
        _ => {
            let code = if let Some(hex) = name.strip_prefix("#x").or_else(|| name.strip_prefix("#X")) {
                u32::from_str_radix(hex, 16).ok()
            } else if let Some(dec) = name.strip_prefix('#') {
                dec.parse::<u32>().ok()
            } else {
                None
            };
            code.and_then(char::from_u32)
        }
    };
    match ch {
        Some(c) => (c, end + 1),
        None => ('&', 1),
    }
}

/// `<pre><code class="language-x">` is one pre entity with a language.
fn merge_pre_code(ents: &mut Vec<Entity>) {
    let codes: Vec<Entity> = ents.iter().filter(|e| e.kind == "code").cloned().collect();
    for code in codes {
        if let Some(pre) =
            ents.iter_mut().find(|e| e.kind == "pre" && e.offset == code.offset && e.length == code.length)
        {
            if pre.language.is_none() {
                pre.language = code.language.clone();
            }
            ents.retain(|e| !(e.kind == "code" && e.offset == code.offset && e.length == code.length));
        }
    }
    for e in ents.iter_mut() {
        if e.kind == "code" {
            e.language = None;
        }
    }
}

fn entity_name(kind: &str) -> &'static str {
    match kind {
        "bold" => "Bold",
        "italic" => "Italic",
        "underline" => "Underline",
        "strikethrough" => "Strikethrough",
        "spoiler" => "Spoiler",
        "text_link" => "TextUrl",
        "custom_emoji" => "CustomEmoji",
        "code" => "Code",
        "pre" => "Pre",
        _ => "Entity",
    }
}

struct MdOpen {
    kind: &'static str,
    start: usize,
    byte: usize,
}

/// MarkdownV2 as documented: every reserved character outside an entity
/// must be escaped, otherwise Telegram refuses the whole message.
pub(crate) fn parse_markdown_v2(src: &str) -> Result<(String, Vec<Entity>), String> {
    let chars: Vec<(usize, char)> = src.char_indices().collect();
    let n = chars.len();
    let at = |k: usize| chars.get(k).map(|&(_, c)| c);
    let mut out = Out::default();
    let mut ents = Vec::new();
    let mut stack: Vec<MdOpen> = Vec::new();
    let mut quote: Option<(usize, bool)> = None;
    let mut line_start = true;
    let mut k = 0;
    while k < n {
        let (bi, c) = chars[k];
        if line_start {
            line_start = false;
            let expandable_start = c == '*' && at(k + 1) == Some('*') && at(k + 2) == Some('>');
            if c == '>' || expandable_start {
                if quote.is_none() {
                    quote = Some((out.u16, expandable_start));
                }
                k += if expandable_start { 3 } else { 1 };
                continue;
            } else if let Some((start, expandable)) = quote.take() {
                close_quote(&mut ents, start, out.u16.saturating_sub(1), expandable);
            }
        }
        match c {
            '\\' => match at(k + 1) {
                Some(nc) if (1..=126).contains(&(nc as u32)) => {
                    out.push(nc);
                    k += 2;
                }
                _ => {
                    out.push('\\');
                    k += 1;
                }
            },
            '`' if at(k + 1) == Some('`') && at(k + 2) == Some('`') => {
                let (content, lang, next) =
                    md_pre(&chars, k + 3).ok_or_else(|| format!("Can't find end of Pre entity at byte offset {bi}"))?;
                let start = out.u16;
                for ch in content.chars() {
                    out.push(ch);
                }
                if out.u16 > start {
                    let mut e = Entity::new("pre", start, out.u16 - start);
                    e.language = lang;
                    ents.push(e);
                }
                k = next;
            }
            '`' => {
                let mut j = k + 1;
                let start = out.u16;
                let mut closed = false;
                while j < n {
                    match chars[j].1 {
                        '\\' if j + 1 < n => {
                            out.push(chars[j + 1].1);
                            j += 2;
                        }
                        '`' => {
                            closed = true;
                            j += 1;
                            break;
                        }
                        ch => {
                            out.push(ch);
                            j += 1;
                        }
                    }
                }
                if !closed {
                    return Err(format!("Can't find end of Code entity at byte offset {bi}"));
                }
                if out.u16 > start {
                    ents.push(Entity::new("code", start, out.u16 - start));
                }
                k = j;
            }
            '*' => {
                md_toggle(&mut stack, &mut ents, "bold", out.u16, bi)?;
                k += 1;
            }
            '_' if at(k + 1) == Some('_') => {
                md_toggle(&mut stack, &mut ents, "underline", out.u16, bi)?;
                k += 2;
            }
            '_' => {
                md_toggle(&mut stack, &mut ents, "italic", out.u16, bi)?;
                k += 1;
            }
            '~' => {
                md_toggle(&mut stack, &mut ents, "strikethrough", out.u16, bi)?;
                k += 1;
            }
            '|' if at(k + 1) == Some('|') => {
                let ends_quote = matches!(quote, Some((_, true)))
                    && matches!(at(k + 2), None | Some('\n'))
                    && !stack.iter().any(|o| o.kind == "spoiler");
                if !ends_quote {
                    md_toggle(&mut stack, &mut ents, "spoiler", out.u16, bi)?;
                }
                k += 2;
            }
            '[' => {
                stack.push(MdOpen { kind: "text_link", start: out.u16, byte: bi });
                k += 1;
            }
            '!' if at(k + 1) == Some('[') => {
                stack.push(MdOpen { kind: "custom_emoji", start: out.u16, byte: bi });
                k += 2;
            }
            ']' if stack.last().is_some_and(|o| o.kind == "text_link" || o.kind == "custom_emoji") => {
                if at(k + 1) != Some('(') {
                    return Err(reserved(']'));
                }
                let mut j = k + 2;
                let mut url = String::new();
                let mut closed = false;
                while j < n {
                    match chars[j].1 {
                        '\\' if j + 1 < n => {
                            url.push(chars[j + 1].1);
                            j += 2;
                        }
                        ')' => {
                            closed = true;
                            j += 1;
                            break;
                        }
                        ch => {
                            url.push(ch);
                            j += 1;
                        }
                    }
                }
                if !closed {
                    return Err(format!("Can't find end of a URL at byte offset {}", chars[k].0));
                }
                let Some(open) = stack.pop() else {
                    return Err(reserved(']'));
                };
                let length = out.u16 - open.start;
                let mut e = Entity::new(open.kind, open.start, length);
                if open.kind == "custom_emoji" {
                    let id = url
                        .strip_prefix("tg://emoji?id=")
                        .filter(|id| !id.is_empty())
                        .ok_or_else(|| "Custom emoji entity must have a custom emoji identifier".to_owned())?;
                    e.custom_emoji_id = Some(id.to_owned());
                } else {
                    e.kind = link_kind(&url, &mut e.url, &mut e.user_id);
                }
                if length > 0 {
                    ents.push(e);
                }
                k = j;
            }
            '\n' => {
                out.push('\n');
                line_start = true;
                k += 1;
            }
            ']' | '(' | ')' | '>' | '#' | '+' | '-' | '=' | '|' | '{' | '}' | '.' | '!' => {
                return Err(reserved(c));
            }
            _ => {
                out.push(c);
                k += 1;
            }
        }
    }
    if let Some((start, expandable)) = quote.take() {
        close_quote(&mut ents, start, out.u16, expandable);
    }
    if let Some(open) = stack.first() {
        return Err(format!("Can't find end of {} entity at byte offset {}", entity_name(open.kind), open.byte));
    }
    Ok((out.text, ents))
}

fn reserved(c: char) -> String {
    format!("Character '{c}' is reserved and must be escaped with the preceding '\\'")
}

fn close_quote(ents: &mut Vec<Entity>, start: usize, end: usize, expandable: bool) {
    if end > start {
        let kind = if expandable { "expandable_blockquote" } else { "blockquote" };
        ents.push(Entity::new(kind, start, end - start));
    }
}

fn md_toggle(
    stack: &mut Vec<MdOpen>,
    ents: &mut Vec<Entity>,
    kind: &'static str,
    pos: usize,
    byte: usize,
) -> Result<(), String> {
    match stack.iter().rposition(|o| o.kind == kind) {
        None => {
            stack.push(MdOpen { kind, start: pos, byte });
            Ok(())
        }
        Some(idx) => {
            let open = stack.remove(idx);
            if pos > open.start {
                ents.push(Entity::new(kind, open.start, pos - open.start));
            }
            Ok(())
        }
    }
}

/// Reads a ``` block starting after the opening fence. Returns the content,
/// its language and the index after the closing fence.
fn md_pre(chars: &[(usize, char)], from: usize) -> Option<(String, Option<String>, usize)> {
    let n = chars.len();
    let mut j = from;
    let mut raw = String::new();
    loop {
        if j >= n {
            return None;
        }
        let c = chars[j].1;
        if c == '\\' && j + 1 < n {
            raw.push(chars[j + 1].1);
            j += 2;
            continue;
        }
        if c == '`' && chars.get(j + 1).map(|x| x.1) == Some('`') && chars.get(j + 2).map(|x| x.1) == Some('`') {
            j += 3;
            break;
        }
        raw.push(c);
        j += 1;
    }
    let (lang, content) = match raw.split_once('\n') {
        Some((first, rest)) if !first.is_empty() && !first.contains(char::is_whitespace) => {
            (Some(first.to_owned()), rest.to_owned())
        }
        _ => (None, raw),
    };
    Some((content, lang, j))
}

/// Telegram's legacy Markdown: no nesting, no reserved characters.
pub(crate) fn parse_markdown(src: &str) -> Result<(String, Vec<Entity>), String> {
    let chars: Vec<(usize, char)> = src.char_indices().collect();
    let n = chars.len();
    let mut out = Out::default();
    let mut ents = Vec::new();
    let mut k = 0;
    while k < n {
        let (bi, c) = chars[k];
        let err = || format!("Can't find end of the entity starting at byte offset {bi}");
        match c {
            '\\' if matches!(chars.get(k + 1).map(|x| x.1), Some('_' | '*' | '`' | '[')) => {
                out.push(chars[k + 1].1);
                k += 2;
            }
            '*' | '_' => {
                let kind = if c == '*' { "bold" } else { "italic" };
                let end = (k + 1..n).find(|&j| chars[j].1 == c).ok_or_else(err)?;
                let start = out.u16;
                for &(_, ch) in &chars[k + 1..end] {
                    out.push(ch);
                }
                if out.u16 > start {
                    ents.push(Entity::new(kind, start, out.u16 - start));
                }
                k = end + 1;
            }
            '`' => {
                let fence = chars.get(k + 1).map(|x| x.1) == Some('`') && chars.get(k + 2).map(|x| x.1) == Some('`');
                if fence {
                    let end = (k + 3..n.saturating_sub(2))
                        .find(|&j| chars[j].1 == '`' && chars[j + 1].1 == '`' && chars[j + 2].1 == '`')
                        .ok_or_else(err)?;
                    let raw: String = chars[k + 3..end].iter().map(|x| x.1).collect();
                    let (lang, content) = match raw.split_once('\n') {
                        Some((first, rest)) if !first.is_empty() && !first.contains(char::is_whitespace) => {
                            (Some(first.to_owned()), rest.to_owned())
                        }
                        _ => (None, raw),
                    };
                    let start = out.u16;
                    for ch in content.chars() {
                        out.push(ch);
                    }
                    if out.u16 > start {
                        let mut e = Entity::new("pre", start, out.u16 - start);
                        e.language = lang;
                        ents.push(e);
                    }
                    k = end + 3;
                } else {
                    let end = (k + 1..n).find(|&j| chars[j].1 == '`').ok_or_else(err)?;
                    let start = out.u16;
                    for &(_, ch) in &chars[k + 1..end] {
                        out.push(ch);
                    }
                    if out.u16 > start {
                        ents.push(Entity::new("code", start, out.u16 - start));
                    }
                    k = end + 1;
                }
            }
            '[' => {
                let close = (k + 1..n).find(|&j| chars[j].1 == ']').ok_or_else(err)?;
                if chars.get(close + 1).map(|x| x.1) != Some('(') {
                    out.push('[');
                    k += 1;
                    continue;
                }
                let end = (close + 2..n).find(|&j| chars[j].1 == ')').ok_or_else(err)?;
                let url: String = chars[close + 2..end].iter().map(|x| x.1).collect();
                let start = out.u16;
                for &(_, ch) in &chars[k + 1..close] {
                    out.push(ch);
                }
                if out.u16 > start {
                    let mut e = Entity::new("text_link", start, out.u16 - start);
                    e.kind = link_kind(&url, &mut e.url, &mut e.user_id);
                    ents.push(e);
                }
                k = end + 1;
            }
            _ => {
                out.push(c);
                k += 1;
            }
        }
    }
    Ok((out.text, ents))
}

/// Telegram drops leading and trailing whitespace of texts and captions.
pub(crate) fn trim(text: String, ents: Vec<Entity>) -> (String, Vec<Entity>) {
    let trimmed_start = text.len() - text.trim_start().len();
    let lead = utf16_len(&text[..trimmed_start]);
    let body = text.trim();
    let body_len = utf16_len(body);
    let ents = ents
        .into_iter()
        .filter_map(|mut e| {
            let start = e.offset.saturating_sub(lead).min(body_len);
            let end = (e.offset + e.length).saturating_sub(lead).min(body_len);
            if end <= start {
                return None;
            }
            e.offset = start;
            e.length = end - start;
            Some(e)
        })
        .collect();
    (body.to_owned(), ents)
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Commands, mentions, hashtags and links Telegram marks by itself, outside
/// code, pre and links already present in `taken` (offset, length pairs).
pub(crate) fn detect(text: &str, taken: &[(usize, usize)]) -> Vec<Entity> {
    let chars: Vec<char> = text.chars().collect();
    let mut offs = Vec::with_capacity(chars.len() + 1);
    let mut o = 0;
    for &c in &chars {
        offs.push(o);
        o += c.len_utf16();
    }
    offs.push(o);
    let n = chars.len();
    let free = |a: usize, b: usize| {
        let (s, e) = (offs[a], offs[b]);
        !taken.iter().any(|&(to, tl)| s < to + tl && to < e)
    };
    let mut ents = Vec::new();
    let mut k = 0;
    while k < n {
        let c = chars[k];
        let boundary = k == 0 || !(is_word(chars[k - 1]) || chars[k - 1] == '/' || chars[k - 1] == '@');
        let mut matched = None;
        if boundary {
            matched = match c {
                '/' => scan_command(&chars, k),
                '@' => scan_mention(&chars, k),
                '#' => scan_hashtag(&chars, k),
                'h' | 'H' | 't' | 'T' | 'w' | 'W' => scan_url(&chars, k),
                _ => None,
            };
        }
        match matched {
            Some((kind, end)) if free(k, end) => {
                ents.push(Entity::new(kind, offs[k], offs[end] - offs[k]));
                k = end;
            }
            Some((_, end)) => k = end,
            None => k += 1,
        }
    }
    ents
}

fn ascii_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn scan_command(chars: &[char], k: usize) -> Option<(&'static str, usize)> {
    let mut j = k + 1;
    while j < chars.len() && ascii_word(chars[j]) && j - k <= 64 {
        j += 1;
    }
    if j == k + 1 {
        return None;
    }
    if chars.get(j) == Some(&'@') {
        let mut m = j + 1;
        while m < chars.len() && ascii_word(chars[m]) {
            m += 1;
        }
        if m > j + 1 {
            j = m;
        }
    }
    if chars.get(j).is_some_and(|&c| is_word(c)) {
        return None;
    }
    Some(("bot_command", j))
}

fn scan_mention(chars: &[char], k: usize) -> Option<(&'static str, usize)> {
    let mut j = k + 1;
    while j < chars.len() && ascii_word(chars[j]) {
        j += 1;
    }
    let len = j - k - 1;
    let starts_with_letter = chars.get(k + 1).is_some_and(|c| c.is_ascii_alphabetic());
    if !(5..=32).contains(&len) || !starts_with_letter || chars.get(j).is_some_and(|&c| is_word(c)) {
        return None;
    }
    Some(("mention", j))
}

fn scan_hashtag(chars: &[char], k: usize) -> Option<(&'static str, usize)> {
    let mut j = k + 1;
    while j < chars.len() && is_word(chars[j]) {
        j += 1;
    }
    if j == k + 1 || chars[k + 1..j].iter().all(|c| c.is_ascii_digit()) {
        return None;
    }
    Some(("hashtag", j))
}

fn scan_url(chars: &[char], k: usize) -> Option<(&'static str, usize)> {
    const PREFIXES: &[&str] = &["https://", "http://", "tg://", "www.", "t.me/"];
    let rest_lower: String = chars[k..chars.len().min(k + 8)].iter().flat_map(|c| c.to_lowercase()).collect();
    let prefix = PREFIXES.iter().find(|p| rest_lower.starts_with(**p))?;
    let mut j = k;
    while j < chars.len() && !chars[j].is_whitespace() {
        j += 1;
    }
    while j > k && matches!(chars[j - 1], '.' | ',' | ';' | ':' | '!' | '?' | '\'' | '"' | ')' | ']' | '}') {
        j -= 1;
    }
    if j - k <= prefix.chars().count() {
        return None;
    }
    Some(("url", j))
}

/// Orders entities like Telegram: by offset, longer (outer) first.
pub(crate) fn sort(ents: &mut [Entity]) {
    ents.sort_by(|a, b| a.offset.cmp(&b.offset).then(b.length.cmp(&a.length)));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(e: &[Entity]) -> Vec<(&str, usize, usize)> {
        e.iter().map(|e| (e.kind, e.offset, e.length)).collect()
    }

    #[test]
    fn html_becomes_plain_text_with_entities() {
        let (text, ents) = parse_html("<b>Hi</b> &lt;3 <a href=\"https://x.org\">link</a>").unwrap();
        assert_eq!(text, "Hi <3 link");
        assert_eq!(kinds(&ents), vec![("bold", 0, 2), ("text_link", 6, 4)]);
        assert_eq!(ents[1].url.as_deref(), Some("https://x.org"));
    }

    #[test]
    fn html_errors_read_like_telegram() {
        assert_eq!(parse_html("a <br> b").unwrap_err(), "Unsupported start tag \"br\" at byte offset 2");
        assert_eq!(parse_html("<b>x").unwrap_err(), "Can't find end tag corresponding to start tag \"b\"");
        assert!(parse_html("<b>x</i>").unwrap_err().starts_with("Unmatched end tag"));
    }

    #[test]
    fn html_pre_with_code_language_is_one_entity() {
        let (text, ents) = parse_html("<pre><code class=\"language-rust\">fn x()</code></pre>").unwrap();
        assert_eq!(text, "fn x()");
        assert_eq!(ents.len(), 1);
        assert_eq!(ents[0].language.as_deref(), Some("rust"));
    }

    #[test]
    fn odd_ampersands_stay_literal() {
        let (text, _) = parse_html("a &b€€€€€€€€€ &#128512; &#xZZ; &").unwrap();
        assert_eq!(text, "a &b€€€€€€€€€ 😀 &#xZZ; &");
    }

    #[test]
    fn offsets_count_utf16_units() {
        let (text, ents) = parse_html("😀 <i>ä</i>").unwrap();
        assert_eq!(text, "😀 ä");
        assert_eq!(kinds(&ents), vec![("italic", 3, 1)]);
    }

    #[test]
    fn markdown_v2_requires_escapes() {
        let (text, ents) = parse_markdown_v2("*bold* and _it_ \\. [l](https://a.b/\\)x)").unwrap();
        assert_eq!(text, "bold and it . l");
        assert_eq!(kinds(&ents), vec![("bold", 0, 4), ("italic", 9, 2), ("text_link", 14, 1)]);
        assert_eq!(ents[2].url.as_deref(), Some("https://a.b/)x"));
        assert_eq!(
            parse_markdown_v2("end.").unwrap_err(),
            "Character '.' is reserved and must be escaped with the preceding '\\'"
        );
        assert_eq!(parse_markdown_v2("*open").unwrap_err(), "Can't find end of Bold entity at byte offset 0");
    }

    #[test]
    fn markdown_v2_blockquote_and_pre() {
        let (text, ents) = parse_markdown_v2(">quoted\n>more\nafter\n```rust\nlet x;```").unwrap();
        assert_eq!(text, "quoted\nmore\nafter\nlet x;");
        assert_eq!(kinds(&ents), vec![("blockquote", 0, 11), ("pre", 18, 6)]);
    }

    #[test]
    fn legacy_markdown() {
        let (text, ents) = parse_markdown("*b* _i_ `c` [t](http://x.y)").unwrap();
        assert_eq!(text, "b i c t");
        assert_eq!(ents.len(), 4);
    }

    #[test]
    fn commands_mentions_and_links_are_detected() {
        let text = "/start@basis_test_bot payload @someone #tag https://t.me/x.";
        let ents = detect(text, &[]);
        assert_eq!(kinds(&ents), vec![("bot_command", 0, 21), ("mention", 30, 8), ("hashtag", 39, 4), ("url", 44, 14)]);
        assert!(detect("a/b and x@y", &[]).is_empty());
    }

    #[test]
    fn trim_moves_entities() {
        let (text, ents) = trim("  <b>".into(), vec![Entity::new("bold", 2, 3)]);
        assert_eq!(text, "<b>");
        assert_eq!(kinds(&ents), vec![("bold", 0, 3)]);
    }
}
