//! The sandbox page in a real browser: headless Chromium (Debian's
//! `chromium` and `chromium-driver`), driven over WebDriver with plain HTTP.
//!
//! Without Chromium the test is skipped with a note, except under `CI`,
//! where it fails. With `BASIS_SANDBOX_SCREENSHOTS=<dir>` it also writes the
//! README's screenshots there (and seeds 3000 members, so that the queue
//! panel shows a broadcast at work).

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use basis::Config;
use basis::sandbox::{Args, Sandbox};
use serde_json::{Value, json};

const PATIENCE: Duration = Duration::from_secs(20);
/// The key of a W3C WebDriver element reference.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

fn find_program(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    names.iter().flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name))).find(|p| p.is_file())
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// A WebDriver session with chromedriver, which is stopped when dropped.
struct Browser {
    http: reqwest::Client,
    session: String,
    _driver: tokio::process::Child,
    _profile: tempfile::TempDir,
}

impl Browser {
    async fn start(chromium: &Path, chromedriver: &Path) -> Browser {
        let port = {
            let socket = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
            socket.local_addr().unwrap().port()
        };
        let driver = tokio::process::Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("start chromedriver");
        let http = reqwest::Client::new();
        let base = format!("http://127.0.0.1:{port}");
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let ready = http.get(format!("{base}/status")).send().await;
            if let Ok(response) = ready
                && let Ok(status) = response.json::<Value>().await
                && status["value"]["ready"] == true
            {
                break;
            }
            assert!(tokio::time::Instant::now() < deadline, "chromedriver did not become ready");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let profile = tempfile::tempdir().expect("a profile directory");
        let args = [
            "--headless".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-quic".to_owned(),
            "--no-first-run".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--window-size=1280,860".to_owned(),
            "--lang=en-US".to_owned(),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        let capabilities = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": chromium, "args": args },
        }}});
        let created: Value = http
            .post(format!("{base}/session"))
            .json(&capabilities)
            .send()
            .await
            .expect("create a session")
            .json()
            .await
            .expect("session JSON");
        let session = created["value"]["sessionId"].as_str().unwrap_or_else(|| panic!("no session: {created}"));
        Browser { http, session: format!("{base}/session/{session}"), _driver: driver, _profile: profile }
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Result<Value, String> {
        let mut request = self.http.request(method, format!("{}{path}", self.session));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.map_err(|e| e.to_string())?;
        let ok = response.status().is_success();
        let value: Value = response.json().await.map_err(|e| e.to_string())?;
        if ok { Ok(value["value"].clone()) } else { Err(value["value"].to_string()) }
    }

    async fn open(&self, url: &str) {
        self.call(reqwest::Method::POST, "/url", Some(json!({ "url": url }))).await.expect("navigate");
    }

    async fn find(&self, xpath: &str) -> Result<String, String> {
        let found =
            self.call(reqwest::Method::POST, "/element", Some(json!({ "using": "xpath", "value": xpath }))).await?;
        found[ELEMENT].as_str().map(str::to_owned).ok_or_else(|| found.to_string())
    }

    /// Waits until `xpath` matches an element.
    async fn wait_for(&self, xpath: &str) -> String {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            match self.find(xpath).await {
                Ok(element) => return element,
                Err(error) if tokio::time::Instant::now() > deadline => {
                    let text = self.page_text().await;
                    panic!("nothing matches {xpath}: {error}\npage:\n{text}");
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    }

    /// Clicks the element `xpath` matches, finding it again when the page
    /// re-rendered it in between.
    async fn click(&self, xpath: &str) {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let element = self.wait_for(xpath).await;
            match self.call(reqwest::Method::POST, &format!("/element/{element}/click"), Some(json!({}))).await {
                Ok(_) => return,
                Err(error) if tokio::time::Instant::now() > deadline => panic!("cannot click {xpath}: {error}"),
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    }

    /// Types into the message field and presses Enter.
    async fn type_message(&self, text: &str) {
        let input = self.wait_for("//input[@id='text']").await;
        let keys = format!("{text}\u{E007}");
        self.call(reqwest::Method::POST, &format!("/element/{input}/value"), Some(json!({ "text": keys })))
            .await
            .expect("type");
    }

    async fn page_text(&self) -> String {
        let script = json!({ "script": "return document.body.innerText", "args": [] });
        self.call(reqwest::Method::POST, "/execute/sync", Some(script)).await.map(|v| v.to_string()).unwrap_or_default()
    }

    async fn screenshot(&self, path: &Path) {
        let shot = self.call(reqwest::Method::GET, "/screenshot", None).await.expect("screenshot");
        let png = base64_decode(shot.as_str().expect("base64"));
        std::fs::write(path, png).expect("write the screenshot");
    }

    async fn close(self) {
        let _ = self.call(reqwest::Method::DELETE, "", None).await;
    }
}

fn base64_decode(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("not base64: {c}"),
    };
    let digits: Vec<u8> = text.bytes().filter(|c| !c.is_ascii_whitespace() && *c != b'=').map(value).collect();
    let mut out = Vec::with_capacity(digits.len() * 3 / 4);
    for chunk in digits.chunks(4) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, d)| n | u32::from(*d) << (18 - 6 * i));
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..chunk.len() - 1]);
    }
    out
}

fn message_with(text: &str) -> String {
    format!("//div[contains(@class,'msg')]//div[contains(@class,'bubble')][contains(., '{text}')]")
}

fn inline_button(label_part: &str) -> String {
    format!("//div[contains(@class,'msg')]//button[contains(@class,'kb')][contains(., '{label_part}')]")
}

#[tokio::test]
async fn in_the_browser_a_member_subscribes_the_owner_posts_and_the_member_sees_it() {
    let chromium = find_program(&["chromium", "chromium-browser", "google-chrome"]);
    let chromedriver = find_program(&["chromedriver"]);
    let (Some(chromium), Some(chromedriver)) = (chromium, chromedriver) else {
        if in_ci() {
            panic!("CI needs Chromium and ChromeDriver for the browser test: apt-get install chromium chromium-driver");
        }
        eprintln!("skipped: no chromium/chromedriver (Debian: apt-get install chromium chromium-driver)");
        return;
    };
    let shots = std::env::var_os("BASIS_SANDBOX_SCREENSHOTS").map(PathBuf::from);
    let members = if shots.is_some() { 3000 } else { 40 };
    let config = Config { organisation: "IG Beispiel".to_owned(), ..Config::default() };
    let sandbox = Sandbox::start(config, &Args { port: 0, members, database: None }).await.expect("the sandbox starts");
    let browser = Browser::start(&chromium, &chromedriver).await;
    browser.open(&sandbox.url()).await;

    // Anna opens the bot and taps Strikes.
    browser.click("//button[@data-key='anna']").await;
    browser.type_message("/start").await;
    browser.click(&format!("{}[contains(., '⬜')]", inline_button("Streiks"))).await;
    browser.wait_for(&format!("{}[contains(., '✅')]", inline_button("Streiks"))).await;
    if let Some(dir) = &shots {
        browser.screenshot(&dir.join("sandbox-member.png")).await;
    }

    // Olga, the owner, posts to Strikes and sends.
    browser.click("//button[@data-key='owner']").await;
    browser.wait_for("//div[@id='chat-title'][contains(., 'Olga')]").await;
    browser.type_message("/post strikes Warnstreik morgen ab 6 Uhr").await;
    browser.click("//div[contains(@class,'msg')]//button[contains(@class,'kb')][normalize-space(.)='Send']").await;
    browser.wait_for("//div[@id='broadcasts']//div[contains(@class,'broadcast')]").await;
    if let Some(dir) = &shots {
        tokio::time::sleep(Duration::from_secs(4)).await;
        browser.screenshot(&dir.join("sandbox-owner.png")).await;
    }

    // Back to Anna: the post is there.
    browser.click("//button[@data-key='anna']").await;
    browser.wait_for(&message_with("Warnstreik morgen ab 6 Uhr")).await;
    if let Some(dir) = &shots {
        browser.screenshot(&dir.join("sandbox-received.png")).await;
    }

    browser.close().await;
    sandbox.stop().await.expect("a clean stop");
}
