//! `qiao serve` started as a real process on a free loopback port, stopped when dropped.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Server {
    child: Child,
    pub base: String,
    /// The server's own temporary folder (its `TMPDIR`), so that its private folder can
    /// be found, and checked to be gone after it stops.
    pub tmp: tempfile::TempDir,
    /// Every line the server printed so far.
    log: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Server {
    pub fn start(root: &Path) -> Server {
        let tmp = tempfile::tempdir().unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_qiao"))
            .env("TMPDIR", tmp.path())
            .arg("--root")
            .arg(root)
            .args(["serve", "--port", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let lines = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                lines.lock().unwrap().push(line.clone());
                if let Some(at) = line.find("http://127.0.0.1:") {
                    let url = line[at..]
                        .split_whitespace()
                        .next()
                        .unwrap()
                        .trim_end_matches('/')
                        .to_owned();
                    let _ = tx.send(url);
                }
            }
        });
        let base = rx
            .recv_timeout(Duration::from_secs(120))
            .expect("qiao serve did not start");
        Server {
            child,
            base,
            tmp,
            log,
        }
    }

    /// What the server printed on standard output so far.
    pub fn log(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    /// The server's private folders in its temporary folder (one while it runs).
    pub fn private_dirs(&self) -> Vec<PathBuf> {
        std::fs::read_dir(self.tmp.path())
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .unwrap()
                    .to_string_lossy()
                    .starts_with("qiao-serve-")
            })
            .collect()
    }

    /// The folder the server builds into and serves.
    pub fn out_dir(&self) -> PathBuf {
        match self.private_dirs().as_slice() {
            [one] => one.join("site"),
            other => panic!("expected one private folder, found {other:?}"),
        }
    }

    /// Sends a signal (`TERM`, `INT`) to the server process.
    pub fn signal(&self, name: &str) {
        let sent = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.child.id().to_string())
            .status()
            .unwrap();
        assert!(sent.success(), "kill -{name} failed");
    }

    /// Waits up to `limit` for the process to exit; how long it took, if it did.
    pub fn wait_exit(&mut self, limit: Duration) -> Option<Duration> {
        let started = Instant::now();
        while started.elapsed() < limit {
            if let Ok(Some(_)) = self.child.try_wait() {
                return Some(started.elapsed());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    /// Status, headers (lower-case names) and body of a GET with extra request headers.
    /// Written by hand so that paths go out exactly as given (`/../`, `%2e%2e`, `\`).
    pub fn get_raw(
        &self,
        path: &str,
        headers: &[(&str, &str)],
    ) -> (u16, Vec<(String, String)>, Vec<u8>) {
        self.request_raw("GET", path, headers)
    }

    /// Like [`Server::get_raw`] with any method.
    pub fn request_raw(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
    ) -> (u16, Vec<(String, String)>, Vec<u8>) {
        let host = self.base.trim_start_matches("http://");
        let mut stream = TcpStream::connect(host).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let mut request =
            format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
        for (k, v) in headers {
            request.push_str(&format!("{k}: {v}\r\n"));
        }
        request.push_str("\r\n");
        stream.write_all(request.as_bytes()).unwrap();
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).unwrap();
        let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
        let head = String::from_utf8_lossy(&raw[..split]).into_owned();
        let mut body = raw[split + 4..].to_vec();
        let mut lines = head.lines();
        let status: u16 = lines
            .next()
            .unwrap()
            .split_whitespace()
            .nth(1)
            .unwrap()
            .parse()
            .unwrap();
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        if headers
            .iter()
            .any(|(k, v)| k == "transfer-encoding" && v == "chunked")
        {
            body = dechunk(&body);
        }
        (status, headers, body)
    }

    pub fn get(&self, path: &str) -> (u16, String) {
        let (status, _, body) = self.get_raw(path, &[]);
        (status, String::from_utf8_lossy(&body).into_owned())
    }

    /// A live-reload stream as a tab opens it, once the server has answered; with what
    /// was read of it so far.
    pub fn open_events(&self) -> (TcpStream, String) {
        let host = self.base.trim_start_matches("http://");
        let mut stream = TcpStream::connect(host).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        stream
            .write_all(format!("GET /__qiao/events HTTP/1.1\r\nHost: {host}\r\nAccept: text/event-stream\r\n\r\n").as_bytes())
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut seen = String::new();
        let mut buf = [0u8; 4096];
        while !seen.contains("\r\n\r\n") {
            assert!(Instant::now() < deadline, "no answer on the events stream");
            if let Ok(n) = stream.read(&mut buf) {
                seen.push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        }
        assert!(seen.starts_with("HTTP/1.1 200"), "{seen}");
        (stream, seen)
    }

    /// Reads the server-sent events stream until `event` arrives; returns its data.
    pub fn wait_event(&self, event: &str, trigger: impl FnOnce()) -> String {
        self.wait_events(event, 1, trigger).remove(0)
    }

    /// Reads the server-sent events stream until `count` events named `event` have
    /// arrived; returns their data in order.
    pub fn wait_events(&self, event: &str, count: usize, trigger: impl FnOnce()) -> Vec<String> {
        let (mut stream, mut seen) = self.open_events();
        trigger();
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut buf = [0u8; 4096];
        let name = format!("event: {event}");
        while Instant::now() < deadline {
            if let Ok(n) = stream.read(&mut buf) {
                seen.push_str(&String::from_utf8_lossy(&buf[..n]));
            }
            // Whole events only: each ends with an empty line.
            let found: Vec<String> = (seen.match_indices(&name))
                .filter_map(|(at, _)| {
                    let rest = &seen[at..];
                    let end = rest.find("\n\n")?;
                    Some(
                        (rest[..end].lines())
                            .filter_map(|l| l.strip_prefix("data:"))
                            .map(|d| d.trim_start())
                            .collect::<Vec<_>>()
                            .join("\n"),
                    )
                })
                .collect();
            if found.len() >= count {
                return found.into_iter().take(count).collect();
            }
        }
        panic!("fewer than {count} `{event}` events; got:\n{seen}");
    }

    /// How many search indexes the server has put in place since it started, each
    /// complete with its marker: what a newly opened events stream is told first.
    pub fn search_indexes(&self) -> u64 {
        self.wait_event("search-index", || {}).parse().unwrap()
    }
}

fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(end) = body.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size =
            usize::from_str_radix(String::from_utf8_lossy(&body[..end]).trim(), 16).unwrap_or(0);
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&body[end + 2..end + 2 + size]);
        body = &body[end + 2 + size + 2..];
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        #[cfg(unix)]
        {
            // Quietly: the test may have stopped the server already.
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(self.child.id().to_string())
                .stderr(Stdio::null())
                .status();
            if self.wait_exit(Duration::from_secs(5)).is_some() {
                return;
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
