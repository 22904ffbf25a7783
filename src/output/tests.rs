use super::*;
use std::collections::{BTreeMap, BTreeSet};

/// Every file under `dir` by its `/`-separated path, with its text.
fn tree(dir: &Path) -> BTreeMap<String, String> {
    walkdir::WalkDir::new(dir)
        .min_depth(1)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e.path().strip_prefix(dir).unwrap();
            let rel = rel.to_string_lossy().replace('\\', "/");
            (rel, fs::read_to_string(e.path()).unwrap())
        })
        .collect()
}

/// `tree` without the marker: what the build itself put there.
fn built(dir: &Path) -> BTreeMap<String, String> {
    let mut files = tree(dir);
    files.remove(MARKER);
    files
}

fn expect(files: &[(&str, &str)]) -> BTreeMap<String, String> {
    files
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Stages `files` into `out` and commits.
fn build(out: &Path, files: &[(&str, &str)]) -> HashSet<PathBuf> {
    let staging = Staging::create(out, &Policy::default()).unwrap();
    for (rel, text) in files {
        staging.write(rel, text.as_bytes()).unwrap();
    }
    staging.commit().unwrap()
}

const FIRST: &[(&str, &str)] = &[
    ("index.html", "chooser"),
    ("zh/index.html", "首页"),
    ("zh/news/kenya/index.html", "肯尼亚 v1"),
    ("zh/news/forum/index.html", "论坛"),
];

const SECOND: &[(&str, &str)] = &[
    ("index.html", "chooser"),
    ("zh/index.html", "首页"),
    ("zh/news/kenya/index.html", "肯尼亚 v2"),
    ("en/index.html", "home"),
];

#[test]
fn a_first_build_fills_a_fresh_folder_and_marks_it() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("public");
    let from = tmp.path().join("logo.svg");
    fs::write(&from, "<svg/>").unwrap();
    let staging = Staging::create(&out, &Policy::default()).unwrap();
    for (rel, text) in FIRST {
        staging.write(rel, text.as_bytes()).unwrap();
    }
    staging.copy(&from, Path::new("static/logo.svg")).unwrap();
    let produced = staging.commit().unwrap();

    let mut want = expect(FIRST);
    want.insert("static/logo.svg".into(), "<svg/>".into());
    assert_eq!(built(&out), want);
    let marker = fs::read_to_string(out.join(MARKER)).unwrap();
    let listed: Vec<&str> = marker.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(listed, want.keys().map(String::as_str).collect::<Vec<_>>());
    let produced: BTreeSet<String> = produced
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    assert_eq!(produced, want.keys().cloned().collect());
}

#[test]
fn the_same_file_twice_in_one_build_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let staging = Staging::create(&tmp.path().join("public"), &Policy::default()).unwrap();
    staging.write("robots.txt", b"generated").unwrap();
    let err = staging.write("/robots.txt", b"static").unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
}

#[test]
fn a_second_build_leaves_exactly_its_own_files() {
    for in_place in [false, true] {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("public");
        build(&out, FIRST);
        let policy = Policy {
            in_place,
            ..Policy::default()
        };
        let staging = Staging::create(&out, &policy).unwrap();
        // Unchanged files are kept without being written again; a file the previous
        // output lacks cannot be.
        assert!(staging.keep("index.html"));
        assert!(!staging.keep("en/index.html"));
        for (rel, text) in &SECOND[1..] {
            staging.write(rel, text.as_bytes()).unwrap();
        }
        staging.commit().unwrap();
        assert_eq!(built(&out), expect(SECOND), "in place: {in_place}");
        // The folder the removed page was in goes with it.
        assert!(!out.join("zh/news/forum").exists());
    }
}

#[test]
fn a_third_build_on_the_spare_drops_what_the_spare_held_from_before() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("public");
    build(&out, FIRST);
    build(&out, SECOND);
    // The spare now holds FIRST: the build before last.
    let third = [("index.html", "chooser"), ("zh/index.html", "首页 v3")];
    build(&out, &third);
    assert_eq!(built(&out), expect(&third));
}

#[test]
fn files_qiao_did_not_write_survive_every_build() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("public");
    build(&out, FIRST);
    fs::create_dir_all(out.join(".git/refs")).unwrap();
    fs::write(out.join(".git/HEAD"), "ref: refs/heads/gh-pages").unwrap();
    fs::write(out.join("CNAME"), "news.example.org").unwrap();
    fs::write(out.join("zh/google123.html"), "verification").unwrap();
    for files in [SECOND, FIRST, SECOND] {
        build(&out, files);
        let mut want = expect(files);
        want.insert(".git/HEAD".into(), "ref: refs/heads/gh-pages".into());
        want.insert("CNAME".into(), "news.example.org".into());
        want.insert("zh/google123.html".into(), "verification".into());
        assert_eq!(built(&out), want);
        assert!(out.join(".git/refs").is_dir());
    }
    // Not listed as qiao's, so never deleted by a later build.
    assert!(!tree(&out)[MARKER].contains("CNAME"));
}

#[test]
fn a_build_dropped_before_commit_leaves_the_output_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("public");
    build(&out, FIRST);
    fs::write(out.join("CNAME"), "news.example.org").unwrap();
    let before = tree(&out);
    {
        let staging = Staging::create(&out, &Policy::default()).unwrap();
        for (rel, text) in SECOND {
            staging.write(rel, text.as_bytes()).unwrap();
        }
    }
    assert_eq!(tree(&out), before);
    // The spare it left, of unknown contents now, does not leak into the next build.
    build(&out, SECOND);
    let mut want = expect(SECOND);
    want.insert("CNAME".into(), "news.example.org".into());
    assert_eq!(built(&out), want);
}

#[test]
fn a_file_and_a_folder_may_trade_places_between_builds() {
    // The third build works on the spare, which holds the first: there, each path of
    // this build is in the way of the other kind (a file where a folder now goes, and a
    // folder where a file now goes), in a tree written afresh and in one brought up to date.
    let first = [("media/a", "file"), ("media/b/c.txt", "in a folder")];
    let second = [("index.html", "home")];
    let third = [("media/a/c.txt", "in a folder"), ("media/b", "file")];
    for copied in [false, true] {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("public");
        build(&out, &first);
        build(&out, &second);
        let staging = Staging::create(&out, &Policy::default()).unwrap();
        for (rel, text) in third {
            if copied {
                let from = tmp.path().join("source");
                fs::write(&from, text).unwrap();
                staging.copy(&from, Path::new(rel)).unwrap();
            } else {
                staging.write(rel, text.as_bytes()).unwrap();
            }
        }
        staging.commit().unwrap();
        assert_eq!(built(&out), expect(&third), "copied: {copied}");
        // And back again, on the spare that now holds the second build.
        build(&out, &first);
        assert_eq!(built(&out), expect(&first), "copied: {copied}");
    }
}

#[cfg(unix)]
#[test]
fn a_copy_new_to_the_tree_keeps_its_permissions_and_a_missing_source_leaves_nothing() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("public");
    let from = tmp.path().join("report.pdf");
    fs::write(&from, "%PDF").unwrap();
    fs::set_permissions(&from, fs::Permissions::from_mode(0o640)).unwrap();
    let failed = Staging::create(&out, &Policy::default()).unwrap();
    let missing = tmp.path().join("gone.pdf");
    assert!(failed.copy(&missing, Path::new("media/gone.pdf")).is_err());
    assert!(!failed.dir.join("media/gone.pdf").exists());
    drop(failed); // a failed build does not commit
    let staging = Staging::create(&out, &Policy::default()).unwrap();
    staging.copy(&from, Path::new("media/report.pdf")).unwrap();
    staging.commit().unwrap();
    let mode = fs::metadata(out.join("media/report.pdf"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o640);
}
