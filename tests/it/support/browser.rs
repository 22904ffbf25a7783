//! A small WebDriver client for headless Chromium (Debian's `chromium` and
//! `chromium-driver`), enough to open pages, read the DOM, click and type. It talks to
//! chromedriver over HTTP on a free loopback port and stops it when dropped.
//!
//! A missing Chromium is a test failure, never a skip: CI installs it (`.ci/run`).

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

pub struct Browser {
    driver: Child,
    base: String,
    session: String,
    _profile: tempfile::TempDir,
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn chromium() -> &'static str {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
        .expect(
            "Chromium is not installed: apt-get install chromium chromium-driver (.ci/run does)",
        )
}

impl Browser {
    pub fn start() -> Browser {
        let binary = chromium();
        let port = free_port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver is not installed: apt-get install chromium-driver");
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        while ureq::get(&format!("{base}/status")).call().is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        let profile = tempfile::tempdir().unwrap();
        let args = [
            "--headless=new".to_owned(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--no-first-run".into(),
            "--window-size=1280,900".into(),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": binary, "args": args},
            "goog:loggingPrefs": {"browser": "ALL"},
        }}});
        let mut browser = Browser {
            driver,
            base,
            session: String::new(),
            _profile: profile,
        };
        let created = browser.post("/session", caps);
        browser.session = created["sessionId"]
            .as_str()
            .expect("no WebDriver session")
            .to_owned();
        browser
    }

    fn post(&self, path: &str, body: Value) -> Value {
        self.try_post(path, body)
            .unwrap_or_else(|e| panic!("WebDriver {path}: {e}"))
    }

    fn try_post(&self, path: &str, body: Value) -> Result<Value, String> {
        let mut response = ureq::post(&format!("{}{path}", self.base))
            .config()
            .http_status_as_error(false)
            .build()
            .send_json(body)
            .map_err(|e| e.to_string())?;
        let value: Value = response.body_mut().read_json().map_err(|e| e.to_string())?;
        if let Some(err) = value["value"].get("error") {
            return Err(format!("{err} {}", value["value"]["message"]));
        }
        Ok(value["value"].clone())
    }

    fn session_path(&self, rest: &str) -> String {
        format!("/session/{}{rest}", self.session)
    }

    /// Resizes the window, to see a page as a phone (390 × 844) or a desktop shows it.
    pub fn set_window(&self, width: u32, height: u32) {
        self.post(
            &self.session_path("/window/rect"),
            json!({ "width": width, "height": height }),
        );
    }

    pub fn goto(&self, url: &str) {
        self.post(&self.session_path("/url"), json!({ "url": url }));
    }

    /// Runs `script` in the page and returns its value.
    pub fn eval(&self, script: &str) -> Value {
        self.post(
            &self.session_path("/execute/sync"),
            json!({ "script": script, "args": [] }),
        )
    }

    /// Waits until `script` returns something truthy, and returns it. A script that
    /// fails is tried again: the page may be reloading meanwhile.
    pub fn wait_for(&self, what: &str, script: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let v = self
                .try_post(
                    &self.session_path("/execute/sync"),
                    json!({ "script": script, "args": [] }),
                )
                .unwrap_or(Value::Null);
            let truthy = match &v {
                Value::Null | Value::Bool(false) => false,
                Value::String(s) => !s.is_empty(),
                Value::Array(a) => !a.is_empty(),
                Value::Number(n) => n.as_f64() != Some(0.0),
                _ => true,
            };
            if truthy {
                return v;
            }
            if Instant::now() > deadline {
                let dom = self.eval("return document.body ? document.body.innerText : ''");
                panic!(
                    "timed out waiting for {what}; the page shows:\n{dom}\nconsole: {}",
                    self.console()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Hrefs of the links inside the element with `id`.
    pub fn links_in(&self, id: &str) -> Vec<String> {
        let v = self.eval(&format!(
            "return Array.from(document.querySelectorAll('#{id} a')).map(a => a.getAttribute('href'))"
        ));
        v.as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap_or("").to_owned())
            .collect()
    }

    /// The WebDriver id of the first element matching `css`.
    fn element(&self, css: &str) -> String {
        let element = self.post(
            &self.session_path("/element"),
            json!({ "using": "css selector", "value": css }),
        );
        element
            .as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .unwrap()
            .to_owned()
    }

    pub fn click(&self, css: &str) {
        let id = self.element(css);
        self.post(
            &self.session_path(&format!("/element/{id}/click")),
            json!({}),
        );
    }

    /// Types into an element like a person: clears it, then sends the keys.
    pub fn type_into(&self, css: &str, text: &str) {
        let id = self.element(css);
        self.post(
            &self.session_path(&format!("/element/{id}/clear")),
            json!({}),
        );
        self.post(
            &self.session_path(&format!("/element/{id}/value")),
            json!({ "text": text }),
        );
    }

    pub fn console(&self) -> String {
        let logs = ureq::post(&format!("{}{}", self.base, self.session_path("/se/log")))
            .send_json(json!({"type": "browser"}))
            .ok()
            .and_then(|mut r| r.body_mut().read_json::<Value>().ok());
        logs.map(|l| l["value"].to_string()).unwrap_or_default()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = ureq::delete(&format!("{}{}", self.base, self.session_path(""))).call();
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
