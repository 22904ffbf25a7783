//! The output folder belongs to qiao: foreign folders are refused, files qiao did not write
//! survive every build, the switch is atomic under SIGKILL, and concurrent builds never mix.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{Site, tree};

fn small_site() -> Site {
    let site = Site::new();
    site.pair("2024", "kenya", "2024-03-01", "wvteda", "KE")
        .pair("2023", "forum", "2023-06-15", "sco", "KZ");
    site
}

fn qiao(site: &Site, args: &[&str]) -> std::process::Output {
    site.run(args)
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_foreign_folder_is_refused_and_keeps_its_files() {
    let site = small_site();
    let dir = site.root().join("elsewhere");
    std::fs::create_dir_all(dir.join("notes")).unwrap();
    std::fs::write(dir.join("notes/todo.txt"), "mine").unwrap();
    std::fs::write(dir.join(".hidden"), "mine too").unwrap();
    let before = tree(&dir);

    let out = qiao(&site, &["build", "-o", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let msg = stderr(&out);
    assert!(
        msg.contains("not written by qiao") && msg.contains("--force") && msg.contains("notes"),
        "{msg}"
    );
    assert_eq!(tree(&dir), before, "nothing in the refused folder changed");

    // `-o .git` in a site kept in git: the repository is refused, not wiped.
    let git = site.root().join(".git");
    std::fs::create_dir_all(git.join("objects")).unwrap();
    std::fs::write(git.join("HEAD"), "ref: refs/heads/main\n").unwrap();
    let out = qiao(&site, &["build", "-o", git.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(git.join("HEAD")).unwrap(),
        "ref: refs/heads/main\n"
    );
}

#[test]
fn force_replaces_a_foreign_folder_but_keeps_dot_files_and_kept_names() {
    let site = small_site();
    let toml = std::fs::read_to_string(site.root().join("site.toml")).unwrap();
    site.write("site.toml", &format!("keep = [\"CNAME\"]\n{toml}"));
    let dir = site.out();
    std::fs::create_dir_all(dir.join("old")).unwrap();
    std::fs::write(dir.join("old/page.html"), "hugo's").unwrap();
    std::fs::write(dir.join("CNAME"), "news.example.org").unwrap();
    std::fs::write(dir.join(".nojekyll"), "").unwrap();

    let out = qiao(&site, &["build", "--force"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        !dir.join("old").exists(),
        "forced: the foreign files are replaced"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("CNAME")).unwrap(),
        "news.example.org"
    );
    assert!(dir.join(".nojekyll").exists());
    assert!(dir.join("zh/news/kenya/index.html").exists());
    assert!(dir.join(".qiao-output").exists());
}

#[test]
fn a_marked_folder_is_rebuilt_and_files_added_by_hand_survive() {
    let site = small_site();
    site.build_ok();
    let out = site.out();
    std::fs::write(out.join("google1234.html"), "verification").unwrap();
    std::fs::write(out.join("zh/notes.txt"), "by hand").unwrap();
    // The article goes away: its pages must go with it; the hand-written files stay.
    std::fs::remove_file(site.root().join("content/news/2023/forum.zh.md")).unwrap();
    std::fs::remove_file(site.root().join("content/news/2023/forum.en.md")).unwrap();
    site.build_ok();
    assert!(!out.join("zh/news/forum").exists());
    assert!(out.join("zh/news/kenya/index.html").exists());
    assert_eq!(
        std::fs::read_to_string(out.join("google1234.html")).unwrap(),
        "verification"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("zh/notes.txt")).unwrap(),
        "by hand"
    );
    let marker = std::fs::read_to_string(out.join(".qiao-output")).unwrap();
    assert!(marker.lines().any(|l| l == "zh/news/kenya/index.html"));
    assert!(
        !marker.contains("google1234"),
        "the marker lists only qiao's files"
    );
}

#[test]
fn a_file_by_hand_where_the_build_writes_is_an_error_that_changes_nothing() {
    let site = small_site();
    site.build_ok();
    // The user's file is where a new article will be published.
    std::fs::create_dir_all(site.out().join("zh/news/new")).unwrap();
    std::fs::write(site.out().join("zh/news/new/index.html"), "mine").unwrap();
    let before = site.snapshot();
    site.pair("2024", "new", "2024-05-01", "wvteda", "KE");
    let out = qiao(&site, &["build"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("zh/news/new"), "{}", stderr(&out));
    assert_eq!(site.snapshot(), before);
}

#[test]
fn a_gh_pages_checkout_keeps_its_git_folder_and_cname() {
    let site = small_site();
    let out = site.out();
    let git = |args: &[&str]| {
        let o = Command::new("git")
            .arg("-C")
            .arg(&out)
            .args(args)
            .output()
            .unwrap();
        assert!(o.status.success(), "git {args:?}: {}", stderr(&o));
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    std::fs::create_dir_all(&out).unwrap();
    git(&["init", "-q", "-b", "gh-pages"]);
    std::fs::write(out.join("CNAME"), "news.example.org\n").unwrap();
    let toml = std::fs::read_to_string(site.root().join("site.toml")).unwrap();
    site.write("site.toml", &format!("keep = [\"CNAME\"]\n{toml}"));
    for round in 0..2 {
        site.pair(
            "2024",
            &format!("round{round}"),
            "2024-04-01",
            "wvteda",
            "KE",
        );
        let o = qiao(&site, &["build"]);
        assert!(o.status.success(), "round {round}: {}", stderr(&o));
        assert_eq!(
            std::fs::read_to_string(out.join("CNAME")).unwrap(),
            "news.example.org\n"
        );
        git(&["add", "-A"]);
        git(&[
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.org",
            "commit",
            "-qm",
            &format!("round {round}"),
        ]);
    }
    let log = git(&["log", "--oneline"]);
    assert_eq!(log.lines().count(), 2, "{log}");
    assert!(git(&["status", "--porcelain"]).is_empty());
}

#[test]
fn leftovers_of_a_killed_build_are_cleaned_by_the_next_one() {
    let site = small_site();
    site.build_ok();
    let stale = site.root().join(".public.qiao-staging-999999");
    std::fs::create_dir_all(stale.join("zh")).unwrap();
    std::fs::write(stale.join("zh/index.html"), "half written").unwrap();
    site.build_ok();
    let names: Vec<String> = std::fs::read_dir(site.root())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        !names
            .iter()
            .any(|n| n.contains("qiao-staging") || n.contains("qiao-old")),
        "{names:?}"
    );
}

/// A site big enough that its build takes a while, so kills land in every phase.
fn big_site(pairs: usize) -> Site {
    let site = Site::new();
    for i in 0..pairs {
        let body = "The alliance met to sign an agreement on vocational training. ".repeat(30);
        for (lang, title) in [("zh", format!("中文标题{i}")), ("en", format!("Title {i}"))] {
            site.article(
                &format!("{}", 2000 + i % 20),
                &format!("item-{i}"),
                lang,
                &format!(
                    "title: \"{title}\"\ndate: {}-0{}-1{}\nalliances: [wvteda]\ncountries: [KE]",
                    2000 + i % 20,
                    1 + i % 9,
                    i % 10
                ),
                &body,
            );
        }
    }
    site
}

fn build_cmd(site: &Site, base: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_qiao"));
    cmd.arg("--root")
        .arg(site.root())
        .args(["build", "--base-url", base])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    cmd
}

fn clean_build(site: &Site, base: &str) -> BTreeMap<PathBuf, Vec<u8>> {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let status = Command::new(env!("CARGO_BIN_EXE_qiao"))
        .arg("--root")
        .arg(site.root())
        .args(["build", "--base-url", base, "-o"])
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success());
    tree(&out)
}

fn whole(out: &Path, a: &BTreeMap<PathBuf, Vec<u8>>, b: &BTreeMap<PathBuf, Vec<u8>>) -> bool {
    let now = tree(out);
    &now == a || &now == b
}

#[test]
fn a_build_killed_at_any_moment_leaves_the_old_or_the_new_output_whole() {
    let site = big_site(120);
    let (a, b) = ("https://a.example.org", "https://b.example.org");
    let old = clean_build(&site, a);
    let new = clean_build(&site, b);
    assert_ne!(old, new);

    // How long a build from A to B takes here, to spread the kills over all of it.
    assert!(build_cmd(&site, a).status().unwrap().success());
    let started = Instant::now();
    assert!(build_cmd(&site, b).status().unwrap().success());
    let took = started.elapsed();

    let rounds = 12;
    for round in 0..rounds {
        let (from, to) = if round % 2 == 0 { (a, b) } else { (b, a) };
        let from_tree = if from == a { &old } else { &new };
        let to_tree = if to == a { &old } else { &new };
        assert!(build_cmd(&site, from).status().unwrap().success());
        let mut child = build_cmd(&site, to).spawn().unwrap();
        // From the start to past the end: the last kills land in the commit phase.
        let delay = took.mul_f64(0.3 + 0.9 * round as f64 / rounds as f64);
        std::thread::sleep(delay);
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        assert!(
            whole(&site.out(), from_tree, to_tree),
            "round {round}: killed after {delay:?} of {took:?}, the output is neither build"
        );
        // The next build finishes or rolls back what the killed one left, and is clean.
        assert!(build_cmd(&site, to).status().unwrap().success());
        assert!(
            &tree(&site.out()) == to_tree,
            "round {round}: the build after a kill differs from a clean build"
        );
        let leftovers = std::fs::read_dir(site.root())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains("qiao-staging") || n.contains("qiao-old"))
            .count();
        assert_eq!(leftovers, 0, "round {round}");
    }
}

#[test]
fn concurrent_builds_into_one_folder_never_mix() {
    let site = big_site(60);
    let (a, b) = ("https://a.example.org", "https://b.example.org");
    let old = clean_build(&site, a);
    let new = clean_build(&site, b);
    for _ in 0..3 {
        let mut first = build_cmd(&site, a).spawn().unwrap();
        let mut second = build_cmd(&site, b).spawn().unwrap();
        let deadline = Instant::now() + Duration::from_secs(120);
        // Both finish, one after the other; the folder is then one of them, whole.
        assert!(first.wait().unwrap().success());
        assert!(second.wait().unwrap().success());
        assert!(Instant::now() < deadline);
        assert!(whole(&site.out(), &old, &new), "a mix of two builds");
    }
}

#[cfg(unix)]
#[test]
fn the_previous_build_is_kept_as_a_spare_that_shares_unchanged_files() {
    use std::os::unix::fs::MetadataExt;
    let site = small_site();
    site.build_ok();
    site.pair("2024", "kenya", "2024-03-01", "sco", "KE");
    site.build_ok();
    let spare = site.root().join(".public.qiao-spare");
    assert!(
        spare.join(".qiao-output").is_file(),
        "the spare is a whole build"
    );
    let ino = |p: &Path| std::fs::metadata(p).unwrap().ino();
    // Unchanged between the two builds: one file, linked from both trees.
    assert_eq!(
        ino(&spare.join("robots.txt")),
        ino(&site.out().join("robots.txt"))
    );
    // Changed: two files, the live one the new build's.
    let page = "en/news/kenya/index.html";
    assert_ne!(ino(&spare.join(page)), ino(&site.out().join(page)));
    assert!(
        std::fs::read_to_string(site.out().join(page))
            .unwrap()
            .contains("China-SCO")
    );
    // A third build brings the spare up to date and switches again: still a clean build.
    site.pair("2024", "kenya", "2024-03-01", "wvteda", "KE");
    site.build_ok();
    let clean = tempfile::tempdir().unwrap();
    qiao::pipeline::build(&qiao::BuildOptions {
        out: Some(clean.path().join("out")),
        ..qiao::BuildOptions::new(site.root())
    })
    .unwrap();
    crate::support::assert_same_tree(&site.out(), &clean.path().join("out"), "third build");
}

#[cfg(unix)]
#[test]
fn an_output_folder_that_cannot_be_written_exits_with_3() {
    // Tests run as root, who ignores permissions, so the failure is made another way: where
    // the spare folder goes beside the output, there is a file.
    let site = small_site();
    std::fs::write(site.root().join(".public.qiao-spare"), "in the way").unwrap();
    let out = qiao(&site, &["build"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(".public.qiao-spare"),
        "{}",
        stderr(&out)
    );
}
