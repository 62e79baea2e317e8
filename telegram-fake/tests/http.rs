//! The fake at the HTTP level: URL scheme, body formats, envelopes, errors
//! under pressure, webhooks, robustness against junk and throughput.

mod common;

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use axum::{Json, Router, extract::State, http::HeaderMap, routing::post};
use basis_telegram_fake::{FakeTelegram, InjectedFailure};
use serde_json::{Value, json};

fn url(tg: &FakeTelegram, method: &str) -> String {
    format!("{}bot{}/{}", tg.api_url(), tg.token(), method)
}

async fn post_json(tg: &FakeTelegram, method: &str, body: Value) -> (u16, Value) {
    let resp = reqwest::Client::new().post(url(tg, method)).json(&body).send().await.expect("request");
    let status = resp.status().as_u16();
    (status, resp.json().await.expect("json body"))
}

#[tokio::test]
async fn method_names_match_in_any_case_and_by_get() {
    let tg = FakeTelegram::start().await;
    tg.user(1001, "Anna", None);
    for method in ["sendMessage", "SendMessage", "SENDMESSAGE", "sendmessage"] {
        let (status, body) = post_json(&tg, method, json!({"chat_id": 1001, "text": method})).await;
        assert_eq!(status, 200, "{method}: {body}");
        assert_eq!(body["ok"], true);
        assert_eq!(body["result"]["text"], method);
    }
    let me: Value = reqwest::get(url(&tg, "GetMe")).await.expect("get").json().await.expect("json");
    assert_eq!(me["result"]["username"], "basis_test_bot");
    assert!(tg.requests().iter().all(|r| r.method == r.method.to_lowercase()));
}

#[tokio::test]
async fn wrong_token_unknown_method_and_unimplemented_methods() {
    let tg = FakeTelegram::start().await;
    let resp = reqwest::Client::new().post(format!("{}bot1:wrong/getMe", tg.api_url())).send().await.expect("request");
    assert_eq!(resp.status().as_u16(), 401);
    assert_eq!(
        resp.json::<Value>().await.expect("json"),
        json!({"ok": false, "error_code": 401, "description": "Unauthorized"})
    );
    let (status, body) = post_json(&tg, "noSuchMethod", json!({})).await;
    assert_eq!(status, 404);
    assert_eq!(body, json!({"ok": false, "error_code": 404, "description": "Not Found"}));
    let (status, body) = post_json(&tg, "sendInvoice", json!({})).await;
    assert_eq!(status, 400);
    assert!(body["description"].as_str().is_some_and(|d| d.contains("not implemented")));
    let resp = reqwest::get(format!("{}nothing-here", tg.api_url())).await.expect("get");
    assert_eq!(resp.status().as_u16(), 404);
}

#[tokio::test]
async fn form_query_and_json_bodies_become_the_same_params() {
    let tg = FakeTelegram::start().await;
    tg.user(1001, "Anna", None);
    let markup = r#"{"inline_keyboard":[[{"text":"Go","callback_data":"go"}]]}"#;
    let client = reqwest::Client::new();
    let resp = client
        .post(url(&tg, "sendMessage"))
        .form(&[("chat_id", "1001"), ("text", "[1, 2]"), ("reply_markup", markup)])
        .send()
        .await
        .expect("form");
    assert_eq!(resp.status().as_u16(), 200);
    let resp =
        client.get(format!("{}?chat_id=1001&text=from%20query", url(&tg, "sendMessage"))).send().await.expect("query");
    assert_eq!(resp.status().as_u16(), 200);
    let (status, _) =
        post_json(&tg, "sendMessage", json!({"chat_id": "1001", "text": "json", "reply_markup": markup})).await;
    assert_eq!(status, 200);

    let reqs = tg.requests_for("sendmessage");
    assert_eq!(reqs[0].params["chat_id"], json!(1001));
    assert_eq!(reqs[0].params["text"], json!("[1, 2]"));
    assert_eq!(reqs[0].params["reply_markup"]["inline_keyboard"][0][0]["text"], "Go");
    assert_eq!(reqs[1].text(), Some("from query"));
    assert_eq!(reqs[2].params["chat_id"], json!(1001));
    assert_eq!(reqs[2].params["reply_markup"]["inline_keyboard"][0][0]["callback_data"], "go");
    let texts: Vec<Option<String>> = tg.bot_messages_in(1001).into_iter().map(|m| m.text).collect();
    assert_eq!(texts, vec![Some("[1, 2]".into()), Some("from query".into()), Some("json".into())]);
    assert!(tg.last_bot_message(1001).expect("msg").reply_markup.is_some());
}

#[tokio::test]
async fn multipart_file_parts_are_kept_with_name_size_and_bytes() {
    let tg = FakeTelegram::start().await;
    tg.user(1001, "Anna", None);
    // curl style: the file part carries the parameter's name.
    let form = reqwest::multipart::Form::new()
        .text("chat_id", "1001")
        .text("caption", "minutes")
        .part("document", reqwest::multipart::Part::bytes(b"hello".to_vec()).file_name("minutes.txt"));
    let resp = reqwest::Client::new().post(url(&tg, "sendDocument")).multipart(form).send().await.expect("multipart");
    let status = resp.status().as_u16();
    let body: Value = resp.json().await.expect("json");
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["result"]["document"]["file_name"], "minutes.txt");
    assert_eq!(body["result"]["document"]["file_size"], 5);
    assert_eq!(body["result"]["document"]["mime_type"], "text/plain");
    let req = tg.requests_for("senddocument").pop().expect("recorded");
    assert_eq!(req.params["chat_id"], json!(1001));
    let file = req.file("document").expect("file");
    assert_eq!(file.size(), 5);
    assert_eq!(file.bytes.as_ref(), b"hello");
}

#[tokio::test]
async fn junk_input_gets_telegram_errors_never_5xx() {
    let tg = FakeTelegram::start().await;
    tg.user(1001, "Anna", None);
    tg.group(-5, "G");
    let forum = tg.forum(-1005, "F");
    tg.make_bot_admin(forum.id, basis_telegram_fake::AdminRights::all());
    let methods = [
        "getMe",
        "getUpdates",
        "setWebhook",
        "deleteWebhook",
        "getWebhookInfo",
        "setMyCommands",
        "getMyCommands",
        "deleteMyCommands",
        "setMyName",
        "getMyName",
        "setChatMenuButton",
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendAudio",
        "sendVideo",
        "sendAnimation",
        "sendVoice",
        "sendVideoNote",
        "sendSticker",
        "sendLocation",
        "sendVenue",
        "sendContact",
        "sendDice",
        "sendMediaGroup",
        "sendChatAction",
        "forwardMessage",
        "forwardMessages",
        "copyMessage",
        "copyMessages",
        "editMessageText",
        "editMessageCaption",
        "editMessageReplyMarkup",
        "deleteMessage",
        "deleteMessages",
        "answerCallbackQuery",
        "getChat",
        "getChatMember",
        "getChatAdministrators",
        "getChatMemberCount",
        "leaveChat",
        "banChatMember",
        "unbanChatMember",
        "restrictChatMember",
        "promoteChatMember",
        "pinChatMessage",
        "getFile",
        "setMyDefaultAdministratorRights",
        "createForumTopic",
        "editForumTopic",
        "closeForumTopic",
        "reopenForumTopic",
        "deleteForumTopic",
    ];
    let junk = [
        json!({}),
        json!({"chat_id": {"x": 1}, "text": ["a"], "message_id": "abc", "offset": "x"}),
        json!({"chat_id": 1001, "text": null, "message_ids": "nope", "media": {"type": 1}}),
        json!({"chat_id": "@nobody", "reply_markup": "{not json", "commands": [1, 2]}),
        json!({"chat_id": -5, "text": "x", "reply_markup": {"inline_keyboard": [["x"]]},
               "reply_parameters": 7, "latitude": "north", "user_id": 1e300}),
        json!({"chat_id": 1001, "photo": {"a": 1}, "document": 5, "message_id": -1,
               "from_chat_id": 1001, "message_ids": [3, 2], "timeout": -5, "limit": 1000,
               "scope": {"type": "nope"}, "action": "dancing", "parse_mode": "Klingon", "text": "t"}),
        json!({"chat_id": -1005, "message_thread_id": "x", "name": {"a": 1}, "icon_color": "red",
               "icon_custom_emoji_id": [1], "text": "t"}),
        json!({"chat_id": -1005, "message_thread_id": 2, "name": "", "icon_color": -1, "text": "t",
               "reply_parameters": {"message_id": 1}}),
    ];
    let client = reqwest::Client::new();
    for m in methods {
        for body in &junk {
            let resp = client.post(url(&tg, m)).json(body).send().await.expect("request");
            let status = resp.status().as_u16();
            let v: Value = resp.json().await.expect("json envelope");
            assert!(status < 500, "{m} {body}: {status} {v}");
            assert!(v["ok"].is_boolean(), "{m}: {v}");
            if status != 200 {
                assert_eq!(v["error_code"], json!(status), "{m}: {v}");
                assert!(v["description"].is_string());
            }
        }
        let raw = client
            .post(url(&tg, m))
            .header("content-type", "application/json")
            .body("{\"chat_id\": 1001,")
            .send()
            .await
            .expect("broken json");
        assert_eq!(raw.status().as_u16(), 400, "{m}");
        let raw = client
            .post(url(&tg, m))
            .header("content-type", "multipart/form-data; boundary=xyz")
            .body("--xyz\r\nbroken")
            .send()
            .await
            .expect("broken multipart");
        assert!(raw.status().as_u16() < 500, "{m}");
    }
}

#[tokio::test]
async fn injected_server_errors_are_deterministic_502s_on_send_calls_only() {
    let tg = FakeTelegram::start().await;
    tg.add_private_chats(1..=300);
    tg.inject_server_errors(1.0);
    let (status, body) = post_json(&tg, "sendMessage", json!({"chat_id": 1, "text": "x"})).await;
    assert_eq!(status, 502);
    assert_eq!(body, json!({"ok": false, "error_code": 502, "description": "Bad Gateway"}));
    let (status, _) = post_json(&tg, "getMe", json!({})).await;
    assert_eq!(status, 200);

    let mut runs = Vec::new();
    for _ in 0..2 {
        tg.inject_server_errors_seeded(0.3, 42);
        let mut failed = Vec::new();
        for id in 1..=200 {
            let (status, _) = post_json(&tg, "sendMessage", json!({"chat_id": id, "text": "x"})).await;
            if status == 502 {
                failed.push(id);
            }
        }
        runs.push(failed);
    }
    assert_eq!(runs[0], runs[1]);
    assert!((30..90).contains(&runs[0].len()), "{}", runs[0].len());
}

#[tokio::test]
async fn latency_delays_calls_but_not_long_polls() {
    let tg = FakeTelegram::start().await;
    tg.user(1001, "Anna", None);
    tg.set_latency(Duration::from_millis(200));
    let t = Instant::now();
    post_json(&tg, "sendMessage", json!({"chat_id": 1001, "text": "x"})).await;
    assert!(t.elapsed() >= Duration::from_millis(200));
    let t = Instant::now();
    post_json(&tg, "getUpdates", json!({"timeout": 0})).await;
    assert!(t.elapsed() < Duration::from_millis(150));
}

#[tokio::test]
async fn a_second_long_poll_terminates_the_first() {
    let tg = FakeTelegram::start().await;
    let first = {
        let tg = tg.clone();
        tokio::spawn(async move { post_json(&tg, "getUpdates", json!({"timeout": 5})).await })
    };
    tokio::time::sleep(Duration::from_millis(150)).await;
    let t = Instant::now();
    let second = post_json(&tg, "getUpdates", json!({"timeout": 1})).await;
    let (status, body) = first.await.expect("first");
    assert_eq!(status, 409);
    assert_eq!(
        body["description"],
        "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
    );
    assert_eq!(second.0, 200);
    assert!(t.elapsed() >= Duration::from_millis(900));
}

#[tokio::test]
async fn fail_next_answers_one_call_with_the_given_error() {
    let tg = FakeTelegram::start().await;
    tg.fail_next("getMe", InjectedFailure::too_many_requests(Duration::from_secs(7)));
    let (status, body) = post_json(&tg, "getMe", json!({})).await;
    assert_eq!(status, 429);
    assert_eq!(body["parameters"]["retry_after"], 7);
    assert_eq!(body["description"], "Too Many Requests: retry after 7");
    let (status, _) = post_json(&tg, "getMe", json!({})).await;
    assert_eq!(status, 200);
}

/// (secret token header, update) pairs a webhook received.
type Deliveries = Arc<Mutex<Vec<(Option<String>, Value)>>>;

#[derive(Clone, Default)]
struct Received {
    updates: Deliveries,
}

async fn receive(State(r): State<Received>, headers: HeaderMap, Json(update): Json<Value>) -> Json<Value> {
    let secret = headers.get("x-telegram-bot-api-secret-token").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let chat = update["message"]["chat"]["id"].clone();
    r.updates.lock().expect("lock").push((secret, update));
    // Telegram lets a webhook answer with a method call.
    Json(json!({"method": "sendMessage", "chat_id": chat, "text": "via webhook reply"}))
}

#[tokio::test]
async fn webhook_receives_updates_with_secret_and_may_answer_with_a_method() {
    let tg = FakeTelegram::start().await;
    let anna = tg.user(1001, "Anna", None);
    let chat = tg.private_chat(&anna);
    let received = Received::default();
    let app = Router::new().route("/hook", post(receive)).with_state(received.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });

    let (status, body) = post_json(&tg, "setWebhook", json!({"url": "http://example.org/hook"})).await;
    assert_eq!(status, 400, "{body}");
    let (status, body) =
        post_json(&tg, "setWebhook", json!({"url": format!("http://{addr}/hook"), "secret_token": "s3cr3t"})).await;
    assert_eq!(status, 200);
    assert_eq!(body["description"], "Webhook was set");
    let (status, _) = post_json(&tg, "getUpdates", json!({})).await;
    assert_eq!(status, 409);

    let mark = tg.mark();
    let injected = tg.send_text(&anna, &chat, "hello hook");
    let reply = tg
        .wait_for_request_after(mark, |r| r.method == "sendmessage", Duration::from_secs(5))
        .await
        .expect("webhook reply executed");
    assert_eq!(reply.text(), Some("via webhook reply"));
    {
        let got = received.updates.lock().expect("lock");
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].0.as_deref(), Some("s3cr3t"));
        assert_eq!(got[0].1["update_id"], json!(injected.update_id));
        assert!(common::violations(&["Update"], &got[0].1).is_empty());
    }
    assert_eq!(tg.pending_updates(), 0);
    let (_, info) = post_json(&tg, "getWebhookInfo", json!({})).await;
    assert_eq!(info["result"]["url"], format!("http://{addr}/hook"));
    assert_eq!(info["result"]["pending_update_count"], 0);

    let (_, body) = post_json(&tg, "deleteWebhook", json!({})).await;
    assert_eq!(body["description"], "Webhook was deleted");
    let (status, _) = post_json(&tg, "getUpdates", json!({})).await;
    assert_eq!(status, 200);
    server.abort();
    common::assert_answers_conform(&tg);
}

#[tokio::test]
async fn a_million_members_register_quickly_and_sends_flow_at_thousands_per_second() {
    let tg = FakeTelegram::start().await;
    let t = Instant::now();
    tg.add_private_chats(1..=1_000_000);
    let registered = t.elapsed();
    assert!(registered < Duration::from_secs(5), "{registered:?}");
    tg.set_keep_history(false);

    let client = reqwest::Client::new();
    let total = 2_000;
    let t = Instant::now();
    let mut tasks = Vec::new();
    for worker in 0..32 {
        let client = client.clone();
        let url = url(&tg, "sendMessage");
        tasks.push(tokio::spawn(async move {
            let mut id = worker + 1;
            while id <= total {
                let resp = client
                    .post(&url)
                    .json(&json!({"chat_id": id * 400, "text": "Strike vote on Friday"}))
                    .send()
                    .await
                    .expect("send");
                assert_eq!(resp.status().as_u16(), 200);
                id += 32;
            }
        }));
    }
    for t in tasks {
        t.await.expect("worker");
    }
    let took = t.elapsed();
    assert_eq!(tg.delivery_count(), total as usize);
    let rate = total as f64 / took.as_secs_f64();
    println!("registered 1M chats in {registered:?}; {rate:.0} sendMessage/s");
    assert!(rate > 300.0, "{rate:.0}/s");
    // History is off, so edits of dropped messages still work.
    let (status, _) =
        post_json(&tg, "editMessageText", json!({"chat_id": 400, "message_id": 1, "text": "edited"})).await;
    assert_eq!(status, 200);
}

#[test]
fn the_schema_checker_catches_broken_objects() {
    let good = json!({"message_id": 1, "date": 1, "chat": {"id": 1, "type": "private"}});
    assert!(common::violations(&["Message"], &good).is_empty());
    let bad = json!({"message_id": "1", "chat": {"id": 1}, "invented": true});
    let v = common::violations(&["Message"], &bad);
    assert!(v.iter().any(|e| e.contains("date")), "{v:?}");
    assert!(v.iter().any(|e| e.contains("invented")), "{v:?}");
    assert!(v.iter().any(|e| e.contains("type")), "{v:?}");
    assert!(v.iter().any(|e| e.contains("message_id")), "{v:?}");
}

#[test]
fn the_schema_checker_knows_forum_objects() {
    let topic = json!({"message_thread_id": 2, "name": "Anna", "icon_color": 7322096});
    assert!(common::violations(&["ForumTopic"], &topic).is_empty());
    let v = common::violations(&["ForumTopic"], &json!({"message_thread_id": "2", "name": "Anna"}));
    assert!(v.iter().any(|e| e.contains("icon_color")), "{v:?}");
    assert!(v.iter().any(|e| e.contains("message_thread_id")), "{v:?}");
    let closed = json!({
        "message_id": 3, "date": 1, "chat": {"id": -100, "type": "supergroup", "title": "F", "is_forum": true},
        "message_thread_id": 2, "is_topic_message": true, "forum_topic_closed": {},
    });
    assert!(common::violations(&["Message"], &closed).is_empty());
    let v = common::violations(
        &["Message"],
        &json!({"message_id": 3, "date": 1, "chat": {"id": 1, "type": "private"},
        "is_topic_message": 1, "forum_topic_created": {"name": "Anna"}}),
    );
    assert!(v.iter().any(|e| e.contains("is_topic_message")), "{v:?}");
    assert!(v.iter().any(|e| e.contains("icon_color")), "{v:?}");
}
