//! What a member sends, for tests that play members: a text with entities,
//! a photo, a voice message, a video, a document or a location, with an
//! optional caption, as a reply and in a forum topic. The fake turns it into
//! the complete Message object a Telegram client would produce.

use axum::body::Bytes;
use serde_json::{Map, Value, json};

use crate::{
    params::P,
    send::{self, Incoming},
    state::State,
};

/// A message a member sends, built step by step and handed to
/// [`FakeTelegram::send`](crate::FakeTelegram::send):
///
/// ```no_run
/// # use basis_telegram_fake::{FakeTelegram, MemberMessage};
/// # fn demo(tg: &FakeTelegram, thread: i64) {
/// let anna = tg.user(1001, "Anna", None);
/// let forum = tg.forum(-100_500, "Organizers");
/// tg.send(&anna, &forum, MemberMessage::voice(4, b"OggS").caption("My question").in_thread(thread));
/// # }
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct MemberMessage {
    body: Body,
    caption: Option<String>,
    entities: Vec<Value>,
    pub(crate) reply_to: Option<i64>,
    pub(crate) thread: Option<i64>,
}

#[derive(Clone, Debug, PartialEq)]
enum Body {
    Text(String),
    Photo(Bytes),
    Voice { duration: u32, bytes: Bytes },
    Video { duration: u32, file_name: String, bytes: Bytes },
    Document { file_name: String, bytes: Bytes },
    Location { latitude: f64, longitude: f64 },
}

impl MemberMessage {
    fn of(body: Body) -> Self {
        MemberMessage { body, caption: None, entities: Vec::new(), reply_to: None, thread: None }
    }

    /// A text. Commands, mentions, hashtags and links get their entities
    /// like on Telegram; add formatting with [`entities`](Self::entities).
    pub fn text(text: &str) -> Self {
        Self::of(Body::Text(text.to_owned()))
    }

    /// A photo with these bytes (Telegram sends three sizes of it).
    pub fn photo(bytes: &[u8]) -> Self {
        Self::of(Body::Photo(Bytes::copy_from_slice(bytes)))
    }

    /// A voice message (Ogg/Opus, as Telegram's apps record them) of
    /// `duration_secs` seconds.
    pub fn voice(duration_secs: u32, bytes: &[u8]) -> Self {
        Self::of(Body::Voice { duration: duration_secs, bytes: Bytes::copy_from_slice(bytes) })
    }

    /// A 1280×720 MP4 video of `duration_secs` seconds.
    pub fn video(duration_secs: u32, file_name: &str, bytes: &[u8]) -> Self {
        Self::of(Body::Video {
            duration: duration_secs,
            file_name: file_name.to_owned(),
            bytes: Bytes::copy_from_slice(bytes),
        })
    }

    /// A document; its MIME type follows the file name's extension.
    pub fn document(file_name: &str, bytes: &[u8]) -> Self {
        Self::of(Body::Document { file_name: file_name.to_owned(), bytes: Bytes::copy_from_slice(bytes) })
    }

    /// A location (not live).
    pub fn location(latitude: f64, longitude: f64) -> Self {
        Self::of(Body::Location { latitude, longitude })
    }

    /// A caption for a photo, voice message, video or document; ignored for
    /// texts and locations, which cannot have one.
    pub fn caption(mut self, caption: &str) -> Self {
        self.caption = Some(caption.to_owned());
        self
    }

    /// Formatting of the text or caption as MessageEntity objects (UTF-16
    /// offsets), e.g. `json!({"type": "bold", "offset": 0, "length": 5})`.
    /// Links, commands, mentions and hashtags are still detected.
    pub fn entities(mut self, entities: Vec<Value>) -> Self {
        self.entities = entities;
        self
    }

    /// Sends it as a reply to this message of the same chat. In a forum the
    /// reply goes to the topic of the message it answers.
    pub fn reply_to(mut self, message_id: i64) -> Self {
        self.reply_to = Some(message_id);
        self
    }

    /// Sends it in this topic of a forum.
    pub fn in_thread(mut self, thread_id: i64) -> Self {
        self.thread = Some(thread_id);
        self
    }

    /// The content fields of the Message object, and the file's bytes.
    pub(crate) fn content(&self, st: &mut State) -> (Map<String, Value>, Option<Bytes>) {
        let mut content = Map::new();
        let explicit = Some(&self.entities).filter(|e| !e.is_empty());
        let bytes = match &self.body {
            Body::Text(text) => {
                let (text, entities) = formatted(st, text, explicit);
                content.insert("text".into(), json!(text));
                if !entities.is_empty() {
                    content.insert("entities".into(), Value::Array(entities));
                }
                return (content, None);
            }
            Body::Location { latitude, longitude } => {
                content.insert("location".into(), json!({"latitude": latitude, "longitude": longitude}));
                return (content, None);
            }
            Body::Photo(bytes) => {
                let media = register(st, "photo", None, None, bytes, Map::new());
                content.insert("photo".into(), media);
                bytes
            }
            Body::Voice { duration, bytes } => {
                let mut p = Map::new();
                p.insert("duration".into(), json!(duration));
                let media = register(st, "voice", None, Some("audio/ogg"), bytes, p);
                content.insert("voice".into(), media);
                bytes
            }
            Body::Video { duration, file_name, bytes } => {
                let mut p = Map::new();
                p.insert("duration".into(), json!(duration));
                let media = register(st, "video", Some(file_name), Some("video/mp4"), bytes, p);
                content.insert("video".into(), media);
                bytes
            }
            Body::Document { file_name, bytes } => {
                let media = register(st, "document", Some(file_name), None, bytes, Map::new());
                content.insert("document".into(), media);
                bytes
            }
        };
        if let Some(caption) = &self.caption {
            let (caption, entities) = formatted(st, caption, explicit);
            if !caption.is_empty() {
                content.insert("caption".into(), json!(caption));
                if !entities.is_empty() {
                    content.insert("caption_entities".into(), Value::Array(entities));
                }
            }
        }
        (content, Some(bytes.clone()))
    }
}

/// Text and entities as a Telegram client sends them: the member's own
/// formatting plus the links, commands and mentions Telegram detects.
fn formatted(st: &State, text: &str, explicit: Option<&Vec<Value>>) -> (String, Vec<Value>) {
    st.format_text(text, None, explicit).unwrap_or_else(|_| (text.to_owned(), explicit.cloned().unwrap_or_default()))
}

/// Registers an uploaded file and returns the value of its message field.
fn register(
    st: &mut State,
    kind: &'static str,
    file_name: Option<&str>,
    mime_type: Option<&str>,
    bytes: &Bytes,
    params: Map<String, Value>,
) -> Value {
    let incoming = Incoming {
        file_name: file_name.map(str::to_owned),
        mime_type: mime_type.map(str::to_owned),
        bytes: Some(bytes.clone()),
    };
    // Only a malformed numeric parameter can fail, and these are numbers.
    send::register_file(st, kind, incoming, &P(&params)).unwrap_or(Value::Null)
}
