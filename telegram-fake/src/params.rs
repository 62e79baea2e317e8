//! Turns the ways a Bot API call can carry its parameters (query string, JSON,
//! url-encoded form, multipart) into one JSON object, decoding JSON-encoded
//! values the way Telegram does, and typed access to them.

use std::borrow::Cow;

use axum::{
    body::Bytes,
    extract::{FromRequest, Multipart, Request},
    http::header::CONTENT_TYPE,
};
use serde_json::{Map, Number, Value};

use crate::{
    error::{TgError, TgResult},
    types::UploadedFile,
};

/// Every Bot API 10.1 method, lower-case. Names outside this list get 404 like
/// on Telegram; names inside it that the fake does not implement get a 400
/// that says so, which is easier to debug than a 404.
pub(crate) const BOT_API_METHODS: &[&str] = &[
    "addstickertoset",
    "answercallbackquery",
    "answerchatjoinrequestquery",
    "answerguestquery",
    "answerinlinequery",
    "answerprecheckoutquery",
    "answershippingquery",
    "answerwebappquery",
    "approvechatjoinrequest",
    "approvesuggestedpost",
    "banchatmember",
    "banchatsenderchat",
    "close",
    "closeforumtopic",
    "closegeneralforumtopic",
    "convertgifttostars",
    "copymessage",
    "copymessages",
    "createchatinvitelink",
    "createchatsubscriptioninvitelink",
    "createforumtopic",
    "createinvoicelink",
    "createnewstickerset",
    "declinechatjoinrequest",
    "declinesuggestedpost",
    "deleteallmessagereactions",
    "deletebusinessmessages",
    "deletechatphoto",
    "deletechatstickerset",
    "deleteforumtopic",
    "deletemessage",
    "deletemessagereaction",
    "deletemessages",
    "deletemycommands",
    "deletestickerfromset",
    "deletestickerset",
    "deletestory",
    "deletewebhook",
    "editchatinvitelink",
    "editchatsubscriptioninvitelink",
    "editforumtopic",
    "editgeneralforumtopic",
    "editmessagecaption",
    "editmessagechecklist",
    "editmessagelivelocation",
    "editmessagemedia",
    "editmessagereplymarkup",
    "editmessagetext",
    "editstory",
    "edituserstarsubscription",
    "exportchatinvitelink",
    "forwardmessage",
    "forwardmessages",
    "getavailablegifts",
    "getbusinessaccountgifts",
    "getbusinessaccountstarbalance",
    "getbusinessconnection",
    "getchat",
    "getchatadministrators",
    "getchatgifts",
    "getchatmember",
    "getchatmembercount",
    "getchatmenubutton",
    "getcustomemojistickers",
    "getfile",
    "getforumtopiciconstickers",
    "getgamehighscores",
    "getmanagedbotaccesssettings",
    "getmanagedbottoken",
    "getme",
    "getmycommands",
    "getmydefaultadministratorrights",
    "getmydescription",
    "getmyname",
    "getmyshortdescription",
    "getmystarbalance",
    "getstartransactions",
    "getstickerset",
    "getupdates",
    "getuserchatboosts",
    "getusergifts",
    "getuserpersonalchatmessages",
    "getuserprofileaudios",
    "getuserprofilephotos",
    "getwebhookinfo",
    "giftpremiumsubscription",
    "hidegeneralforumtopic",
    "leavechat",
    "logout",
    "pinchatmessage",
    "poststory",
    "promotechatmember",
    "readbusinessmessage",
    "refundstarpayment",
    "removebusinessaccountprofilephoto",
    "removechatverification",
    "removemyprofilephoto",
    "removeuserverification",
    "reopenforumtopic",
    "reopengeneralforumtopic",
    "replacemanagedbottoken",
    "replacestickerinset",
    "repoststory",
    "restrictchatmember",
    "revokechatinvitelink",
    "savepreparedinlinemessage",
    "savepreparedkeyboardbutton",
    "sendanimation",
    "sendaudio",
    "sendchataction",
    "sendchatjoinrequestwebapp",
    "sendchecklist",
    "sendcontact",
    "senddice",
    "senddocument",
    "sendgame",
    "sendgift",
    "sendinvoice",
    "sendlivephoto",
    "sendlocation",
    "sendmediagroup",
    "sendmessage",
    "sendmessagedraft",
    "sendpaidmedia",
    "sendphoto",
    "sendpoll",
    "sendrichmessage",
    "sendrichmessagedraft",
    "sendsticker",
    "sendvenue",
    "sendvideo",
    "sendvideonote",
    "sendvoice",
    "setbusinessaccountbio",
    "setbusinessaccountgiftsettings",
    "setbusinessaccountname",
    "setbusinessaccountprofilephoto",
    "setbusinessaccountusername",
    "setchatadministratorcustomtitle",
    "setchatdescription",
    "setchatmembertag",
    "setchatmenubutton",
    "setchatpermissions",
    "setchatphoto",
    "setchatstickerset",
    "setchattitle",
    "setcustomemojistickersetthumbnail",
    "setgamescore",
    "setmanagedbotaccesssettings",
    "setmessagereaction",
    "setmycommands",
    "setmydefaultadministratorrights",
    "setmydescription",
    "setmyname",
    "setmyprofilephoto",
    "setmyshortdescription",
    "setpassportdataerrors",
    "setstickeremojilist",
    "setstickerkeywords",
    "setstickermaskposition",
    "setstickerpositioninset",
    "setstickersetthumbnail",
    "setstickersettitle",
    "setuseremojistatus",
    "setwebhook",
    "stopmessagelivelocation",
    "stoppoll",
    "transferbusinessaccountstars",
    "transfergift",
    "unbanchatmember",
    "unbanchatsenderchat",
    "unhidegeneralforumtopic",
    "unpinallchatmessages",
    "unpinallforumtopicmessages",
    "unpinallgeneralforumtopicmessages",
    "unpinchatmessage",
    "upgradegift",
    "uploadstickerfile",
    "verifychat",
    "verifyuser",
];

/// Parameters whose Bot API type is String in every method that has them.
/// Their values stay strings even when they look like JSON (a message text
/// may well be `[1, 2]`); every other parameter is JSON-decoded when it parses.
const STRING_PARAMS: &[&str] = &[
    "action",
    "address",
    "bio",
    "business_connection_id",
    "callback_query_id",
    "caption",
    "chat_join_request_query_id",
    "comment",
    "currency",
    "custom_description",
    "custom_emoji_id",
    "custom_title",
    "data",
    "description",
    "description_parse_mode",
    "emoji",
    "emoji_status_custom_emoji_id",
    "error_message",
    "explanation",
    "explanation_parse_mode",
    "file_id",
    "first_name",
    "format",
    "foursquare_id",
    "foursquare_type",
    "game_short_name",
    "gift_id",
    "google_place_id",
    "google_place_type",
    "guest_query_id",
    "icon_custom_emoji_id",
    "inline_message_id",
    "inline_query_id",
    "invite_link",
    "ip_address",
    "language_code",
    "last_name",
    "message_effect_id",
    "name",
    "next_offset",
    "old_sticker",
    "owned_gift_id",
    "parse_mode",
    "payload",
    "performer",
    "phone_number",
    "photo_url",
    "pre_checkout_query_id",
    "provider_data",
    "provider_token",
    "question",
    "question_parse_mode",
    "secret_token",
    "shipping_query_id",
    "short_description",
    "start_parameter",
    "sticker_format",
    "sticker_set_name",
    "sticker_type",
    "tag",
    "telegram_payment_charge_id",
    "text",
    "text_parse_mode",
    "title",
    "type",
    "url",
    "username",
    "vcard",
    "web_app_query_id",
    "web_app_url",
];

/// "InputFile or String" parameters: a file id, a URL or `attach://<part>`.
/// Only objects (InputProfilePhoto, InputSticker) are decoded.
const FILE_PARAMS: &[&str] = &[
    "animation",
    "audio",
    "cover",
    "document",
    "live_photo",
    "photo",
    "sticker",
    "thumbnail",
    "video",
    "video_note",
    "voice",
];

/// Telegram accepts 50 MB uploads through the cloud Bot API.
pub(crate) const MAX_BODY: usize = 50 * 1024 * 1024;

pub(crate) struct Params {
    pub map: Map<String, Value>,
    pub files: Vec<UploadedFile>,
}

/// Reads the query string and body of a request into one parameter object.
pub(crate) async fn read(req: Request) -> TgResult<Params> {
    let mut map = Map::new();
    if let Some(q) = req.uri().query() {
        for (k, v) in form_urlencoded::parse(q.as_bytes()) {
            let value = normalize(&k, Value::String(v.into_owned()));
            map.insert(k.into_owned(), value);
        }
    }
    let content_type = req.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase();
    let mut files = Vec::new();
    if content_type.starts_with("multipart/form-data") {
        read_multipart(req, &mut map, &mut files).await?;
    } else {
        let body =
            Bytes::from_request(req, &()).await.map_err(|_| TgError::bad("request body is too big or unreadable"))?;
        let trimmed = body.trim_ascii_start();
        if trimmed.is_empty() {
        } else if content_type.starts_with("application/json")
            || (content_type.is_empty() && trimmed.first() == Some(&b'{'))
        {
            let value: Value = serde_json::from_slice(&body).map_err(|_| TgError::bad("can't parse JSON object"))?;
            let Value::Object(obj) = value else {
                return Err(TgError::bad("can't parse JSON object"));
            };
            for (k, v) in obj {
                let v = normalize(&k, v);
                map.insert(k, v);
            }
        } else {
            for (k, v) in form_urlencoded::parse(&body) {
                let value = normalize(&k, Value::String(v.into_owned()));
                map.insert(k.into_owned(), value);
            }
        }
    }
    Ok(Params { map, files })
}

struct Part {
    name: String,
    file_name: Option<String>,
    content_type: Option<String>,
    bytes: Bytes,
}

async fn read_multipart(req: Request, map: &mut Map<String, Value>, files: &mut Vec<UploadedFile>) -> TgResult<()> {
    let bad = || TgError::bad("can't parse multipart/form-data request");
    let mut multipart = Multipart::from_request(req, &()).await.map_err(|_| bad())?;
    let mut parts = Vec::new();
    while let Some(field) = multipart.next_field().await.map_err(|_| bad())? {
        let name = field.name().unwrap_or_default().to_owned();
        let file_name = field.file_name().map(str::to_owned);
        let content_type = field.content_type().map(str::to_owned);
        let bytes = field.bytes().await.map_err(|_| bad())?;
        parts.push(Part { name, file_name, content_type, bytes });
    }
    // A part is a file when it says so (file name), when a parameter points to
    // it with attach://, or when it is not text at all.
    let attached: Vec<String> = parts
        .iter()
        .filter_map(|p| std::str::from_utf8(&p.bytes).ok().and_then(|s| s.strip_prefix("attach://")).map(str::to_owned))
        .collect();
    let mut media_refs = Vec::new();
    for p in &parts {
        if p.file_name.is_none() && (p.name == "media" || p.name == "stickers") {
            // Albums name their files inside a JSON array.
            if let Ok(s) = std::str::from_utf8(&p.bytes) {
                collect_attach_refs(s, &mut media_refs);
            }
        }
    }
    for p in parts {
        let is_text = p.file_name.is_none()
            && !attached.contains(&p.name)
            && !media_refs.contains(&p.name)
            && p.content_type.as_deref().is_none_or(|c| c.starts_with("text/"));
        match (is_text, String::from_utf8(p.bytes.to_vec())) {
            (true, Ok(text)) => {
                let value = normalize(&p.name, Value::String(text));
                map.insert(p.name, value);
            }
            _ => files.push(UploadedFile {
                part_name: p.name,
                file_name: p.file_name,
                content_type: p.content_type,
                bytes: p.bytes,
            }),
        }
    }
    Ok(())
}

fn collect_attach_refs(s: &str, out: &mut Vec<String>) {
    let mut rest = s;
    while let Some(i) = rest.find("attach://") {
        rest = &rest[i + "attach://".len()..];
        let end = rest.find(|c: char| c == '"' || c == '\\' || c.is_whitespace()).unwrap_or(rest.len());
        out.push(rest[..end].to_owned());
        rest = &rest[end..];
    }
}

/// Decodes JSON-encoded string values of non-string parameters, as Telegram
/// does for form and multipart bodies (and for JSON bodies that nest JSON in
/// strings, which some clients do for `reply_markup`).
pub(crate) fn normalize(name: &str, value: Value) -> Value {
    let Value::String(s) = value else {
        return value;
    };
    if STRING_PARAMS.contains(&name) {
        return Value::String(s);
    }
    let t = s.trim();
    if FILE_PARAMS.contains(&name) {
        if t.starts_with('{')
            && let Ok(v) = serde_json::from_str::<Value>(t)
        {
            return v;
        }
        return Value::String(s);
    }
    if name == "chat_id" || name == "from_chat_id" || name.ends_with("_id") {
        // Ids may be "@channelusername" and must keep 64 bits.
        if let Ok(n) = t.parse::<i64>() {
            return Value::Number(n.into());
        }
        return Value::String(s);
    }
    if t.is_empty() {
        return Value::String(s);
    }
    match serde_json::from_str::<Value>(t) {
        Ok(v) => v,
        Err(_) => Value::String(s),
    }
}

/// Typed, forgiving access to parameters: numbers may come as strings and
/// booleans as "true"/"1", like Telegram accepts.
pub(crate) struct P<'a>(pub &'a Map<String, Value>);

impl<'a> P<'a> {
    pub fn get(&self, name: &str) -> Option<&'a Value> {
        match self.0.get(name) {
            None | Some(Value::Null) => None,
            Some(v) => Some(v),
        }
    }

    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    pub fn str(&self, name: &str) -> TgResult<Option<Cow<'a, str>>> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(Cow::Borrowed(s.as_str()))),
            Some(Value::Number(n)) => Ok(Some(Cow::Owned(n.to_string()))),
            Some(Value::Bool(b)) => Ok(Some(Cow::Owned(b.to_string()))),
            Some(_) => Err(TgError::invalid(name)),
        }
    }

    pub fn req_str(&self, name: &str) -> TgResult<Cow<'a, str>> {
        self.str(name)?.ok_or_else(|| TgError::empty(name))
    }

    pub fn i64(&self, name: &str) -> TgResult<Option<i64>> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => value_i64(v).map(Some).ok_or_else(|| TgError::invalid(name)),
        }
    }

    pub fn f64(&self, name: &str) -> TgResult<Option<f64>> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Number(n)) => Ok(n.as_f64()),
            Some(Value::String(s)) => {
                s.trim().parse::<f64>().ok().filter(|f| f.is_finite()).map(Some).ok_or_else(|| TgError::invalid(name))
            }
            Some(_) => Err(TgError::invalid(name)),
        }
    }

    pub fn bool(&self, name: &str) -> TgResult<bool> {
        match self.get(name) {
            None => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(Value::Number(n)) => Ok(n.as_i64() != Some(0)),
            Some(Value::String(s)) => match s.trim().to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" => Ok(true),
                "false" | "0" | "no" | "" => Ok(false),
                _ => Err(TgError::invalid(name)),
            },
            Some(_) => Err(TgError::invalid(name)),
        }
    }

    /// An object parameter, which may still be an undecodable string.
    pub fn object(&self, name: &str) -> TgResult<Option<&'a Map<String, Value>>> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Object(m)) => Ok(Some(m)),
            Some(_) => Err(TgError::bad(&format!("can't parse {name} JSON object"))),
        }
    }

    pub fn array(&self, name: &str) -> TgResult<Option<&'a Vec<Value>>> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Array(a)) => Ok(Some(a)),
            Some(_) => Err(TgError::bad(&format!("can't parse {name} JSON array"))),
        }
    }
}

pub(crate) fn value_i64(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => {
            n.as_i64().or_else(|| n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15).map(|f| f as i64))
        }
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

pub(crate) fn num(n: i64) -> Value {
    Value::Number(Number::from(n))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn text_that_looks_like_json_stays_text() {
        assert_eq!(normalize("text", json!("[1, 2]")), json!("[1, 2]"));
        assert_eq!(normalize("caption", json!("42")), json!("42"));
    }

    #[test]
    fn markup_and_numbers_are_decoded() {
        assert_eq!(normalize("reply_markup", json!(r#"{"inline_keyboard":[]}"#)), json!({"inline_keyboard": []}));
        assert_eq!(normalize("chat_id", json!("-1001234567890")), json!(-1001234567890i64));
        assert_eq!(normalize("chat_id", json!("@channel")), json!("@channel"));
        assert_eq!(normalize("disable_notification", json!("true")), json!(true));
        assert_eq!(normalize("document", json!("attach://abc")), json!("attach://abc"));
    }

    #[test]
    fn attach_refs_are_found_in_album_json() {
        let mut out = Vec::new();
        collect_attach_refs(
            r#"[{"type":"photo","media":"attach://a1"},{"type":"photo","media":"attach://b2"}]"#,
            &mut out,
        );
        assert_eq!(out, vec!["a1", "b2"]);
    }
}
