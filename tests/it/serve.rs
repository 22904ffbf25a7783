//! `qiao serve` as a real HTTP server on 127.0.0.1.

use std::time::{Duration, Instant};

use crate::support::browser::Browser;
use crate::support::server::Server;
use crate::support::{Site, node};

fn site() -> Site {
    let site = Site::new();
    site.pair("2024", "kenya", "2024-03-01", "wvteda", "KE")
        .pair("2023", "forum", "2023-06-15", "sco", "KZ");
    site
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

#[test]
fn serves_pages_types_ranges_and_the_404_page() {
    let site = site();
    let server = Server::start(site.root());
    let (status, headers, body) = server.get_raw("/zh/news/kenya/", &[]);
    assert_eq!(status, 200);
    assert!(
        header(&headers, "content-type")
            .unwrap()
            .starts_with("text/html")
    );
    let html = String::from_utf8_lossy(&body);
    assert!(html.contains("中文标题kenya"));
    assert!(
        html.contains("/__qiao/live.js"),
        "reload script injected when serving"
    );
    // The page is not the file (the script is added), so it has no date of its own.
    assert_eq!(header(&headers, "last-modified"), None);
    assert_eq!(header(&headers, "cache-control"), Some("no-cache"));

    let (status, _, _) = server.get_raw("/en/news/kenya", &[]);
    assert!(status == 200 || (300..400).contains(&status), "{status}");

    let (status, _, body) = server.get_raw("/no/such/page/", &[]);
    assert_eq!(status, 404);
    assert!(String::from_utf8_lossy(&body).contains("页面未找到"));

    // A Range of a search-index file: 206 with exactly those bytes.
    let (_, manifest) = server.get("/search/manifest.json");
    let manifest: serde_json::Value = serde_json::from_str(&manifest).unwrap();
    let term = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"].as_str().unwrap().ends_with(".term"))
        .unwrap();
    let url = format!("/search/{}", term["url"].as_str().unwrap());
    let (_, _, whole) = server.get_raw(&url, &[]);
    let (status, headers, body) = server.get_raw(
        &url,
        &[("Range", "bytes=100-199"), ("Accept-Encoding", "gzip, br")],
    );
    assert_eq!(status, 206);
    assert_eq!(
        header(&headers, "content-range"),
        Some(format!("bytes 100-199/{}", term["len"]).as_str())
    );
    assert_eq!(body.len(), 100);
    assert_eq!(body, whole[100..200]);
    // The searcher, compressed by qiao and unpacked by the worker: served as written,
    // with no encoding of the server's that the worker would not expect.
    let wasm = manifest["wasm"].as_str().unwrap();
    let (_, headers, body) = server.get_raw(
        &format!("/search/{wasm}"),
        &[("Accept-Encoding", "identity")],
    );
    assert_eq!(header(&headers, "content-encoding"), None);
    assert_eq!(
        body,
        std::fs::read(server.out_dir().join("search").join(wasm)).unwrap()
    );
    assert_eq!(body[0], 0x5d, "an LZMA header");

    let (_, headers, _) = server.get_raw("/zh/", &[("Accept-Encoding", "gzip")]);
    assert_eq!(header(&headers, "content-encoding"), Some("gzip"));
    let (_, headers, _) = server.get_raw("/style.css", &[("Accept-Encoding", "br")]);
    assert_eq!(header(&headers, "content-encoding"), Some("br"));
    let etag = header(&headers, "etag").expect("etag").to_owned();
    let (status, _, _) = server.get_raw("/style.css", &[("If-None-Match", &etag)]);
    assert_eq!(status, 304);
    let date = header(&headers, "last-modified")
        .expect("last-modified")
        .to_owned();
    let (status, _, _) = server.get_raw("/style.css", &[("If-Modified-Since", &date)]);
    assert_eq!(status, 304);
    // A page is always sent anew: what is added to it changes while the file does not.
    let (status, _, body) = server.get_raw("/zh/", &[("If-Modified-Since", &date)]);
    assert_eq!(status, 200);
    assert!(String::from_utf8_lossy(&body).contains("/__qiao/live.js"));
}

#[test]
fn nothing_outside_the_output_folder_is_served() {
    let site = site();
    let secret = site.root().join("secret.txt");
    std::fs::write(&secret, "TOP SECRET").unwrap();
    let server = Server::start(site.root());
    // A symbolic link inside the served folder that leads out of it.
    let out_dir = server.out_dir();
    #[cfg(unix)]
    {
        use std::os::unix::fs::symlink;
        symlink(&secret, out_dir.join("leak.txt")).unwrap();
        // Under the server's own prefix, where files used to be served unchecked.
        std::fs::create_dir(out_dir.join("__qiao")).unwrap();
        symlink(&secret, out_dir.join("__qiao/leak.txt")).unwrap();
        // A folder leading out, and a folder whose index page leads out.
        symlink(site.root(), out_dir.join("linked")).unwrap();
        std::fs::create_dir(out_dir.join("room")).unwrap();
        symlink(&secret, out_dir.join("room/index.html")).unwrap();
    }
    for path in [
        "/../secret.txt",
        "/../../../../etc/passwd",
        "/%2e%2e/secret.txt",
        "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/..%2fsecret.txt",
        "/zh/%2e%2e/%2e%2e/secret.txt",
        "/..\\secret.txt",
        "/%5c..%5csecret.txt",
        "/leak.txt",
        "/__qiao/leak.txt",
        "/__qiao/%6Ceak.txt",
        "/linked/secret.txt",
        "/room/",
        "/room/index.html",
    ] {
        let (status, _, body) = server.get_raw(path, &[]);
        let body = String::from_utf8_lossy(&body);
        assert!(
            !body.contains("TOP SECRET") && !body.contains("root:"),
            "{path} leaked"
        );
        assert!(status == 404 || status == 400, "{path}: {status}");
    }
}

#[test]
fn head_and_range_requests_follow_rfc_9110() {
    let site = site();
    let server = Server::start(site.root());
    let length =
        |headers: &[(String, String)]| header(headers, "content-length").map(str::to_owned);

    // HEAD reports the length GET sends, the reload script included.
    let (status, get_headers, page) = server.get_raw("/zh/news/kenya/", &[]);
    assert_eq!(status, 200);
    assert!(String::from_utf8_lossy(&page).contains("/__qiao/live.js"));
    let (status, headers, body) = server.request_raw("HEAD", "/zh/news/kenya/", &[]);
    assert_eq!(status, 200);
    assert!(body.is_empty(), "no body in reply to HEAD");
    assert_eq!(length(&headers), Some(page.len().to_string()));
    assert_eq!(length(&get_headers), Some(page.len().to_string()));
    let (_, _, css) = server.get_raw("/style.css", &[]);
    let (_, headers, _) = server.request_raw("HEAD", "/style.css", &[]);
    assert_eq!(length(&headers), Some(css.len().to_string()));

    // A page gets the script, so a range of the file would be wrong: the whole page.
    let (status, headers, body) = server.get_raw("/zh/news/kenya/", &[("Range", "bytes=0-99")]);
    assert_eq!(status, 200);
    assert_eq!(body, page);
    assert_eq!(header(&headers, "content-range"), None);
    assert_eq!(header(&headers, "accept-ranges"), Some("none"));

    // A 404 is never partial.
    let (status, headers, body) = server.get_raw("/no/such/", &[("Range", "bytes=0-9")]);
    assert_eq!(status, 404);
    assert_eq!(header(&headers, "content-range"), None);
    assert!(String::from_utf8_lossy(&body).contains("页面未找到"));

    // Another file: one satisfiable byte range is honoured, any other Range ignored.
    let (_, manifest) = server.get("/search/manifest.json");
    let manifest: serde_json::Value = serde_json::from_str(&manifest).unwrap();
    let url = manifest["files"][0]["url"].as_str().unwrap();
    let file = std::fs::read(server.out_dir().join("search").join(url)).unwrap();
    let url = format!("/search/{url}");
    let len = file.len();
    assert!(len > 20, "{len}");
    for (range, status, from, to) in [
        ("bytes=2-9", 206, 2, 10),
        ("Bytes=-5", 206, len - 5, len),
        ("bytes=4-", 206, 4, len),
        ("bytes= 1-3 , ", 206, 1, 4),
        ("bytes=0-5,10-20", 200, 0, len),
        ("bytes=abc", 200, 0, len),
        ("items=0-5", 200, 0, len),
        ("bytes=9-2", 200, 0, len),
        ("bytes=+1-2", 200, 0, len),
        ("bytes=", 200, 0, len),
        ("bytes=99999999999999999999999-", 200, 0, len),
    ] {
        let (got, headers, body) = server.get_raw(&url, &[("Range", range)]);
        assert_eq!(got, status, "{range}");
        assert!(body == file[from..to], "{range}: wrong bytes");
        let expected = (status == 206).then(|| format!("bytes {from}-{}/{len}", to - 1));
        assert_eq!(
            header(&headers, "content-range").map(str::to_owned),
            expected,
            "{range}"
        );
    }
    let (status, headers, _) = server.get_raw(&url, &[("Range", "bytes=999999999-")]);
    assert_eq!(status, 416);
    assert_eq!(
        header(&headers, "content-range"),
        Some(format!("bytes */{len}").as_str())
    );
}

#[test]
fn edits_are_rebuilt_and_announced_and_errors_keep_the_last_good_site() {
    let site = site();
    let server = Server::start(site.root());
    let edited = "title: 修改后的标题\ndate: 2024-03-01\nalliances: [wvteda]\ncountries: [KE]";
    server.wait_event("reload", || {
        site.article("2024", "kenya", "zh", edited, "新的正文。");
    });
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (_, html) = server.get("/zh/news/kenya/");
        if html.contains("修改后的标题") && html.contains("新的正文") {
            break;
        }
        assert!(Instant::now() < deadline, "the edit was not served");
        std::thread::sleep(Duration::from_millis(100));
    }
    let message = server.wait_event("build-error", || {
        site.article("2024", "kenya", "zh", "title: 坏了\ndate: 2024-99-01", "x");
    });
    assert!(
        message.contains("content/news/2024/kenya.zh.md"),
        "{message}"
    );
    assert!(message.contains("field `date`"), "{message}");
    let (status, html) = server.get("/zh/news/kenya/");
    assert_eq!(status, 200);
    assert!(
        html.contains("修改后的标题"),
        "the last good page stays served"
    );
    let reload = server.wait_event("reload", || {
        site.article("2024", "kenya", "zh", edited, "修好了。");
    });
    // No page was written first (the failed build forgot the model): every tab reloads.
    assert_eq!(reload, r#"{"except":[]}"#);
}

#[test]
fn an_incremental_rebuild_equals_a_full_build() {
    let site = site();
    let server = Server::start(site.root());
    let indexed = server.search_indexes();
    server.wait_event("reload", || {
        site.article(
            "2024",
            "kenya",
            "en",
            "title: Kenya renamed\ndate: 2024-03-01\nalliances: [wvteda]\ncountries: [KE]",
            "A new body about technicians.",
        );
    });
    // The search index follows the page; wait until it has been written too, stale
    // files removed and the marker rewritten, which the server counts only then (the
    // manifest changes before that).
    let deadline = Instant::now() + Duration::from_secs(30);
    while server.search_indexes() == indexed {
        assert!(
            Instant::now() < deadline,
            "the search index was not updated"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let full = site.root().join("full");
    let out = site.run(&[
        "build",
        "--base-url",
        &server.base,
        "-o",
        full.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    crate::support::assert_same_tree(&server.out_dir(), &full, "served vs full build");
    let (_, html) = server.get("/en/news/kenya/");
    assert!(html.contains("Kenya renamed"));
}

#[test]
fn an_edited_article_is_served_before_the_rest_of_the_site_is_rebuilt() {
    let site = site();
    let server = Server::start(site.root());
    let builds = |log: &[String]| log.iter().filter(|l| l.starts_with("Built ")).count();
    let before = builds(&server.log());
    let reloads = server.wait_events("reload", 2, || {
        site.article(
            "2024",
            "kenya",
            "en",
            "title: Kenya\ndate: 2024-03-01\nalliances: [wvteda]\ncountries: [KE]",
            "An edited body.",
        );
    });
    // A tab on the edited page reloads once, when it is written first; the others once,
    // after the rebuild.
    assert_eq!(
        reloads,
        [
            r#"{"only":["/en/news/kenya/"]}"#,
            r#"{"except":["/en/news/kenya/"]}"#
        ],
        "{:#?}",
        server.log()
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while builds(&server.log()) == before {
        assert!(Instant::now() < deadline, "no rebuild after the edit");
        std::thread::sleep(Duration::from_millis(50));
    }
    let log = server.log();
    let updated = log
        .iter()
        .position(|l| l.starts_with("Updated /en/news/kenya/ in "))
        .unwrap_or_else(|| panic!("the edited page was not written first:\n{log:#?}"));
    let rebuilt = log.iter().rposition(|l| l.starts_with("Built ")).unwrap();
    assert!(updated < rebuilt, "{log:#?}");
    let (_, html) = server.get("/en/news/kenya/");
    assert!(html.contains("An edited body."), "{html}");

    // The served reload script, given these two events, reloads each tab once.
    let (_, script) = server.get("/__qiao/live.js");
    for (page, expected) in [("/en/news/kenya/", 1), ("/en/", 1), ("/zh/news/kenya/", 1)] {
        assert_eq!(tab_reloads(&script, page, &reloads), expected, "{page}");
    }
    assert_eq!(
        tab_reloads(&script, "/en/", &["reload".to_owned()]),
        1,
        "an old notice"
    );
}

/// How many times the live-reload `script`, in a tab showing `page`, reloads it for the
/// `reload` events whose data is `events`: run in node with a stand-in for the browser.
fn tab_reloads(script: &str, page: &str, events: &[String]) -> usize {
    let harness = format!(
        "let reloads = 0, listeners = {{}};
         globalThis.location = {{ pathname: {page:?}, reload() {{ reloads++; }} }};
         globalThis.document = {{ currentScript: null, getElementById() {{ return null; }} }};
         globalThis.EventSource = class {{ addEventListener(name, f) {{ listeners[name] = f; }} }};
         {script}
         for (const data of {events}) listeners.reload({{ data }});
         process.stdout.write(String(reloads));",
        events = serde_json::to_string(events).unwrap(),
    );
    let out = String::from_utf8(node(["-e", &harness])).unwrap();
    out.parse()
        .unwrap_or_else(|_| panic!("not a count: {out:?}"))
}

#[cfg(unix)]
#[test]
fn the_preview_folder_is_new_private_and_removed_on_exit() {
    use std::os::unix::fs::MetadataExt;
    let site = site();
    let mut server = Server::start(site.root());
    let [private] = server.private_dirs().try_into().unwrap();
    let meta = std::fs::symlink_metadata(&private).unwrap();
    assert!(meta.is_dir(), "a real folder, not a link");
    assert_eq!(meta.mode() & 0o777, 0o700, "only its owner may enter it");
    let mine = std::fs::metadata(server.tmp.path()).unwrap().uid();
    assert_eq!(meta.uid(), mine);
    assert!(server.out_dir().join("index.html").is_file());

    server.signal("TERM");
    assert!(server.wait_exit(Duration::from_secs(5)).is_some());
    assert_eq!(server.private_dirs(), Vec::<std::path::PathBuf>::new());
}

#[cfg(unix)]
#[test]
fn signals_stop_the_server_at_once_with_live_reload_streams_open() {
    use std::io::Read;
    let site = site();
    for signal in ["TERM", "INT"] {
        let mut server = Server::start(site.root());
        let (mut tab, _) = server.open_events();
        let (mut other_tab, _) = server.open_events();
        server.signal(signal);
        let took = server
            .wait_exit(Duration::from_secs(2))
            .unwrap_or_else(|| panic!("still running 2 s after SIG{signal}"));
        println!("SIG{signal}: stopped in {took:?}");
        assert!(server.private_dirs().is_empty(), "SIG{signal}: folder left");
        // The streams were ended, not left hanging.
        for stream in [&mut tab, &mut other_tab] {
            stream
                .set_read_timeout(Some(Duration::from_secs(2)))
                .unwrap();
            let mut rest = Vec::new();
            assert!(stream.read_to_end(&mut rest).is_ok(), "SIG{signal}");
        }
    }
}

#[test]
fn a_request_whose_headers_never_end_is_dropped() {
    use std::io::{Read, Write};
    let site = site();
    let server = Server::start(site.root());
    let host = server.base.trim_start_matches("http://");
    let mut stalled = std::net::TcpStream::connect(host).unwrap();
    stalled
        .write_all(format!("GET / HTTP/1.1\r\nHost: {host}\r\n").as_bytes())
        .unwrap();
    stalled
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let started = Instant::now();
    let mut answer = Vec::new();
    let closed = stalled.read_to_end(&mut answer);
    let took = started.elapsed();
    assert!(closed.is_ok(), "{closed:?} after {took:?}");
    assert!(took < Duration::from_secs(15), "closed only after {took:?}");
    let answer = String::from_utf8_lossy(&answer);
    assert!(!answer.contains(" 200 "), "{answer}");
    // Other clients were served meanwhile and still are.
    assert_eq!(server.get("/zh/").0, 200);
}

#[test]
fn an_open_search_page_keeps_searching_and_finds_an_edit_once_indexed() {
    let site = site();
    let server = Server::start(site.root());
    let (_, before) = server.get("/search/manifest.json");
    let old: serde_json::Value = serde_json::from_str(&before).unwrap();
    let b = Browser::start();
    b.goto(&format!("{}/en/search/?q=zanzibar", server.base));
    b.wait_for(
        "the search for a word no article has",
        "return document.getElementById('search-status').textContent === 'No articles match.'",
    );

    site.article(
        "2024",
        "kenya",
        "en",
        "title: Kenya\ndate: 2024-03-01\nalliances: [wvteda]\ncountries: [KE]",
        "Technicians from Zanzibar visited the workshop.",
    );
    // The page reloads for the edited pages, then for the new index, and finds the word.
    let started = Instant::now();
    b.wait_for(
        "the edited article among the results",
        "return Array.from(document.querySelectorAll('#search-results a')).some(a => a.getAttribute('href') === '/en/news/kenya/')",
    );
    println!("found the edit after {:?}", started.elapsed());
    assert_eq!(
        b.eval("return document.querySelectorAll('.search-error').length"),
        0
    );
    let (_, after) = server.get("/search/manifest.json");
    assert_ne!(after, before, "a new index");

    // A page still holding the previous manifest can read every file it names, whole or
    // in ranges, although the output (exactly what a full build writes) no longer has
    // them all.
    let mut gone = 0;
    for file in old["files"].as_array().unwrap() {
        let url = file["url"].as_str().unwrap();
        let len = file["len"].as_u64().unwrap() as usize;
        if !server.out_dir().join("search").join(url).exists() {
            gone += 1;
        }
        let (status, _, body) = server.get_raw(&format!("/search/{url}"), &[]);
        assert_eq!((status, body.len()), (200, len), "{url}");
        let (status, _, part) = server.get_raw(&format!("/search/{url}"), &[("Range", "bytes=1-")]);
        assert_eq!(status, 206, "{url}");
        assert!(part == body[1..], "{url}");
    }
    assert!(gone > 0, "the new index replaced some files");
}

#[test]
fn edits_are_seen_after_the_content_folder_is_replaced() {
    let site = site();
    let server = Server::start(site.root());
    let content = site.root().join("content");
    let served = |text: &str| {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !server.get("/zh/news/kenya/").1.contains(text) {
            assert!(Instant::now() < deadline, "`{text}` was not served");
            std::thread::sleep(Duration::from_millis(100));
        }
    };
    let front = "title: 肯尼亚\ndate: 2024-03-01\nalliances: [wvteda]\ncountries: [KE]";
    for (round, replace) in ["removed", "moved away"].into_iter().enumerate() {
        // The server must have seen the folder gone, as when a tool replaces it, before
        // the new one appears: it says so by failing to build without it.
        let error = server.wait_event("build-error", || match replace {
            "removed" => std::fs::remove_dir_all(&content).unwrap(),
            _ => std::fs::rename(&content, site.root().join("content-old")).unwrap(),
        });
        assert!(error.contains("no `content/` folder"), "{error}");
        site.pair("2024", "kenya", "2024-03-01", "wvteda", "KE")
            .pair("2023", "forum", "2023-06-15", "sco", "KZ");
        served("中文标题kenya");
        // The edit that used to go unseen: inside the new folder.
        let body = format!("替换{replace}之后的第{round}次修改。");
        site.article("2024", "kenya", "zh", front, &body);
        served(&body);
    }
}

#[test]
fn a_new_photo_is_processed_in_the_background_while_its_page_is_served() {
    let site = site();
    site.write_bytes(
        "content/news/2024/ceremony.jpg",
        &crate::support::jpeg(2400, 1600),
    );
    for lang in ["zh", "en"] {
        site.article(
            "2024",
            "photo",
            lang,
            "title: Photo\ndate: 2024-05-01\nimage:\n  src: ceremony.jpg\n  alt: The ceremony",
            "Body.",
        );
    }
    let server = Server::start(site.root());
    // The first build published the original and left the photo for later.
    let log = server.log();
    let built = log.iter().position(|l| l.starts_with("Built "));
    let deferred = log
        .iter()
        .position(|l| l.contains("Processing 1 new picture(s) in the background"));
    assert!(
        built.is_some() && deferred.is_some() && built < deferred,
        "{log:?}"
    );
    // Then the derivatives arrive, and the page is rebuilt with them.
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let (_, page) = server.get("/en/news/photo/");
        if page.contains("/media/news/2024/ceremony.1600.webp 1600w") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the derivatives never came:\n{page}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let (status, _, _) = server.get_raw("/media/news/2024/ceremony.960.webp", &[]);
    assert_eq!(status, 200);
    assert!(site.root().join(".qiao-cache/images").is_dir());
}

#[test]
fn timings_print_each_builds_phases() {
    use std::io::{BufRead, BufReader};
    let site = site();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_qiao"))
        .arg("--root")
        .arg(site.root())
        .args(["serve", "--port", "0", "--timings"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut phases = Vec::new();
    while !phases
        .iter()
        .any(|p: &String| p.starts_with("commit output"))
    {
        let left = deadline.saturating_duration_since(Instant::now());
        let Ok(line) = rx.recv_timeout(left) else {
            let _ = child.kill();
            panic!("no timings within 60 s; saw {phases:?}");
        };
        if let Some((phase, took)) = line.split_once(": ")
            && took.trim().ends_with(" ms")
        {
            phases.push(phase.trim().to_owned());
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    for phase in ["load content", "markdown", "render pages", "commit output"] {
        assert!(phases.iter().any(|p| p == phase), "{phase} in {phases:?}");
    }
}
