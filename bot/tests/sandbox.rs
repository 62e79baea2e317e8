//! `basis sandbox`: its own HTTP API, driven as the page drives it, and the
//! page itself in headless Chromium.

use std::time::Duration;

use basis::Config;
use basis::sandbox::{Args, Sandbox};
use serde_json::{Value, json};

const PATIENCE: Duration = Duration::from_secs(15);

async fn start(members: u32) -> Sandbox {
    let config = Config { organisation: "IG Beispiel".to_owned(), ..Config::default() };
    Sandbox::start(config, &Args { port: 0, members, database: None }).await.expect("the sandbox starts")
}

/// The page's view of the sandbox.
struct Page {
    http: reqwest::Client,
    base: String,
}

impl Page {
    fn new(sandbox: &Sandbox) -> Page {
        Page { http: reqwest::Client::new(), base: sandbox.url() }
    }

    async fn get(&self, path: &str) -> Value {
        let response = self.http.get(format!("{}{path}", self.base)).send().await.expect("GET");
        assert!(response.status().is_success(), "GET {path}: {}", response.status());
        response.json().await.expect("JSON")
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .header("X-Sandbox", "1")
            .json(&body)
            .send()
            .await
            .expect("POST");
        assert!(response.status().is_success(), "POST {path}: {}", response.status());
        response.json().await.expect("JSON")
    }

    async fn say(&self, persona: &str, text: &str) {
        self.post(&format!("api/chat/{persona}/send"), json!({ "text": text })).await;
    }

    async fn press(&self, persona: &str, message: &Value, data: &str) -> Value {
        self.post(&format!("api/chat/{persona}/press"), json!({ "message_id": message["id"], "data": data })).await
    }

    /// The first message in the persona's chat that `pred` accepts, polling
    /// like the page does.
    async fn wait_for(&self, persona: &str, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let chat = self.get(&format!("api/chat/{persona}")).await;
            let messages = chat["messages"].as_array().cloned().unwrap_or_default();
            if let Some(found) = messages.iter().find(|m| pred(m)) {
                return found.clone();
            }
            if tokio::time::Instant::now() > deadline {
                panic!("{persona}'s chat never showed {what}: {messages:#?}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// (label, callback data) of a message's inline buttons.
fn buttons(message: &Value) -> Vec<(String, String)> {
    message["reply_markup"]["inline_keyboard"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row.as_array().cloned().unwrap_or_default())
        .map(|b| (b["text"].as_str().unwrap_or("").to_owned(), b["callback_data"].as_str().unwrap_or("").to_owned()))
        .collect()
}

fn button_with(message: &Value, label_part: &str) -> Option<(String, String)> {
    buttons(message).into_iter().find(|(label, _)| label.contains(label_part))
}

#[tokio::test]
async fn a_member_subscribes_and_sees_the_owners_post_through_the_sandbox_api() {
    let sandbox = start(40).await;
    let page = Page::new(&sandbox);

    let personas = page.get("api/personas").await;
    let keys: Vec<&str> = personas["personas"].as_array().unwrap().iter().map(|p| p["key"].as_str().unwrap()).collect();
    assert_eq!(keys, ["anna", "ben", "owner", "group"]);
    let html = page.http.get(&page.base).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("<script src=\"/page.js\">"), "{html}");

    // Anna (German app) starts and taps Strikes on the topic keyboard.
    page.say("anna", "/start").await;
    let welcome = page.wait_for("anna", "the topic keyboard", |m| button_with(m, "Streiks").is_some()).await;
    let (label, data) = button_with(&welcome, "Streiks").unwrap();
    assert!(label.contains('⬜'), "{label}");
    let answer = page.press("anna", &welcome, &data).await;
    assert_eq!(answer["answered"], true, "{answer}");
    // The keyboard is edited in place.
    page.wait_for("anna", "Strikes ticked", |m| {
        m["id"] == welcome["id"] && button_with(m, "Streiks").is_some_and(|(l, _)| l.contains('✅'))
    })
    .await;

    // Olga, the owner (English app), posts to Strikes and presses Send.
    page.say("owner", "/post strikes Warnstreik morgen ab 6 Uhr").await;
    let confirm = page
        .wait_for("owner", "the confirmation", |m| buttons(m).iter().any(|(_, data)| data.starts_with("p:s:")))
        .await;
    let (send, data) = buttons(&confirm).into_iter().find(|(_, data)| data.starts_with("p:s:")).unwrap();
    assert_eq!(send, "Send");
    let answer = page.press("owner", &confirm, &data).await;
    assert_eq!(answer["text"], "Done.", "{answer}");

    page.wait_for("anna", "the post", |m| m["from_bot"] == true && m["text"] == "Warnstreik morgen ab 6 Uhr").await;

    // The queue panel: all 41 recipients (40 synthetic, Anna) delivered.
    let deadline = tokio::time::Instant::now() + PATIENCE;
    let queue = loop {
        let queue = page.get("api/queue").await;
        let first = &queue["broadcasts"][0];
        if first["total"] == 41 && first["sent"] == 41 {
            break queue;
        }
        assert!(tokio::time::Instant::now() < deadline, "the broadcast did not finish: {queue:#}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(queue["rate"]["limit"], 30);
    assert_eq!(queue["synthetic_members"], 40);
    let anna = queue["personas"].as_array().unwrap().iter().find(|p| p["key"] == "anna").unwrap().clone();
    assert_eq!(anna["last"], "Warnstreik morgen ab 6 Uhr", "{anna}");
    let ben = queue["personas"].as_array().unwrap().iter().find(|p| p["key"] == "ben").unwrap().clone();
    assert_eq!(ben["received"], 0, "Ben follows nothing: {ben}");

    // Other sites cannot drive it: no write without the header, no other host.
    let url = format!("{}api/chat/anna/send", page.base);
    let bare = page.http.post(&url).json(&json!({ "text": "/stop" })).send().await.unwrap();
    assert_eq!(bare.status(), 403);
    let rebound = page.http.get(format!("{}api/personas", page.base)).header("Host", "evil.example").send().await;
    assert_eq!(rebound.unwrap().status(), 403);

    sandbox.stop().await.expect("a clean stop");
}

#[tokio::test]
async fn photos_sent_in_the_sandbox_are_served_from_the_fakes_bytes() {
    let sandbox = start(0).await;
    let page = Page::new(&sandbox);
    let png = b"\x89PNG\r\n\x1a\n-not-really-but-enough".to_vec();
    let response = page
        .http
        .post(format!("{}api/chat/owner/photo?caption=Kundgebung", page.base))
        .header("X-Sandbox", "1")
        .body(png.clone())
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    let photo = page.wait_for("owner", "the photo", |m| m["kind"] == "photo").await;
    assert_eq!(photo["text"], "Kundgebung");
    let file = photo["file"].as_str().expect("a file URL").trim_start_matches('/').to_owned();
    let served = page.http.get(format!("{}{file}", page.base)).send().await.unwrap();
    assert_eq!(served.headers()["content-type"], "image/png");
    assert_eq!(served.bytes().await.unwrap().to_vec(), png);
    sandbox.stop().await.expect("a clean stop");
}
