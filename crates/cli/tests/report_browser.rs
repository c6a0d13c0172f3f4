//! `minsheng report` as a user runs it, and its page as headless Chromium renders it.
//!
//! Chromium is found as `chromium` on PATH or through `MINSHENG_CHROMIUM`; `./scripts/test.sh` installs it.

// Tests report a failure by panicking (the workspace denies panic! in library and binary code).
#![allow(clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn minsheng(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_minsheng"))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run minsheng: {e}"))
}

/// A fresh directory for one test under the target's temporary directory.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("report-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    dir
}

/// Writes the Yunnan 十三五 final evaluation report into `dir`; returns the HTML path and stdout.
fn yunnan_report(dir: &Path, xlsx: bool) -> (PathBuf, String) {
    let html = dir.join("r.html");
    let xlsx_path = dir.join("r.xlsx");
    let mut args = vec![
        "report",
        "--plan",
        "yunnan-13",
        "--data",
        "data/observations/yunnan-13-actual-2020.csv",
        "--year",
        "2020",
        "--kind",
        "final",
        "--out",
        html.to_str().unwrap_or_default(),
    ];
    if xlsx {
        args.extend(["--xlsx", xlsx_path.to_str().unwrap_or_default()]);
    }
    let o = minsheng(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    (html, String::from_utf8_lossy(&o.stdout).into_owned())
}

#[test]
fn report_writes_html_and_xlsx_and_prints_their_absolute_paths() {
    let dir = scratch("cli");
    let (html, stdout) = yunnan_report(&dir, true);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    for (line, file) in lines.iter().zip(["r.html", "r.xlsx"]) {
        let path = line
            .strip_prefix("wrote ")
            .unwrap_or_else(|| panic!("{line}"));
        assert!(Path::new(path).is_absolute(), "{path}");
        assert!(path.ends_with(file), "{path}");
        assert!(Path::new(path).is_file(), "{path}");
    }
    let text = std::fs::read_to_string(&html).unwrap_or_else(|e| panic!("{e}"));
    assert!(text.contains("云南省“十四五”公共服务发展规划"));
    assert_eq!(text.matches("<tr class=\"rec").count(), 21);
    let xlsx = std::fs::read(dir.join("r.xlsx")).unwrap_or_else(|e| panic!("{e}"));
    assert!(xlsx.starts_with(b"PK"), "an XLSX is a zip archive");
}

#[test]
fn report_exit_codes() {
    let dir = scratch("exit");
    let out = dir.join("r.html");
    let out = out.to_str().unwrap_or_default();
    // Data errors: 1, nothing written.
    let bad = dir.join("bad.csv");
    std::fs::write(&bad, "indicator,region,year,value\nYN13-99,530000,2020,1\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let o = minsheng(&[
        "report",
        "--plan",
        "yunnan-13",
        "--data",
        bad.to_str().unwrap_or_default(),
        "--year",
        "2020",
        "--out",
        out,
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("'YN13-99'"));
    assert!(!Path::new(out).exists());
    // Usage errors: 2 (unknown plan, bad kind, unwritable output).
    for args in [
        vec!["--plan", "nope", "--out", out],
        vec!["--plan", "yunnan-13", "--kind", "weekly", "--out", out],
        vec!["--plan", "yunnan-13", "--out", "/nonexistent-dir/r.html"],
    ] {
        let mut all = vec![
            "report",
            "--data",
            "data/observations/yunnan-13-actual-2020.csv",
            "--year",
            "2020",
        ];
        all.extend(args);
        let o = minsheng(&all);
        assert_eq!(o.status.code(), Some(2), "{all:?}");
    }
}

/// Chromium: `MINSHENG_CHROMIUM`, else `chromium` on PATH.
fn chromium() -> PathBuf {
    if let Some(p) = std::env::var_os("MINSHENG_CHROMIUM") {
        return PathBuf::from(p);
    }
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|d| d.join("chromium"))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!(
                "chromium not found (neither MINSHENG_CHROMIUM nor `chromium` on PATH): run ./scripts/test.sh, which installs it"
            )
        })
}

/// What a Chromium run printed.
struct Printed {
    stdout: String,
    stderr: String,
}

/// Runs headless Chromium with `args` and the page `url`, with its own profile and a time limit. Output goes to
/// files beside the profile (a pipe would fill up and block Chromium before it exits).
fn run_chromium(profile: &Path, args: &[&str], url: &str) -> Printed {
    let out_path = profile.with_extension("stdout");
    let err_path = profile.with_extension("stderr");
    let file =
        |p: &Path| std::fs::File::create(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    let mut child = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--no-first-run",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::from(file(&out_path)))
        .stderr(Stdio::from(file(&err_path)))
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start chromium: {e}"));
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(100)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("chromium did not finish within 120 s");
            }
            Err(e) => panic!("{e}"),
        }
    }
    let read =
        |p: &Path| String::from_utf8_lossy(&std::fs::read(p).unwrap_or_default()).into_owned();
    Printed {
        stdout: read(&out_path),
        stderr: read(&err_path),
    }
}

fn file_url(path: &Path) -> String {
    let abs = std::fs::canonicalize(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    format!("file://{}", abs.display())
}

#[test]
fn report_renders_in_headless_chromium() {
    let dir = scratch("browser");
    let (html, _) = yunnan_report(&dir, false);
    let url = file_url(&html);

    // The DOM after the page's script ran: Chinese by default, with the plan name and the status labels.
    let o = run_chromium(&dir.join("profile-zh"), &["--dump-dom"], &url);
    let dom = &o.stdout;
    assert!(
        dom.contains("云南省“十四五”公共服务发展规划"),
        "no plan name in the DOM: {}",
        o.stderr
    );
    for label in [
        "已完成",
        "滞后",
        "严重滞后",
        "无法评估",
        "黄色预警",
        "achieved",
    ] {
        assert!(dom.contains(label), "{label}");
    }
    assert!(dom.contains("<html lang=\"zh-CN\""), "Chinese by default");
    assert_eq!(dom.matches("<svg class=\"chart\"").count(), 21);

    // `#en` switches the page to English through the toggle script.
    let o = run_chromium(
        &dir.join("profile-en"),
        &["--dump-dom"],
        &format!("{url}#en"),
    );
    let dom = &o.stdout;
    assert!(
        dom.contains("class=\"en\""),
        "the toggle script did not run"
    );
    assert!(dom.contains("lang=\"en\""));

    // A full-page screenshot.
    let png = dir.join("report.png");
    let _ = run_chromium(
        &dir.join("profile-shot"),
        &[
            &format!("--screenshot={}", png.display()),
            "--window-size=1280,2400",
        ],
        &url,
    );
    let bytes = std::fs::read(&png).unwrap_or_else(|e| panic!("no screenshot: {e}"));
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    assert!(
        bytes.len() > 10 * 1024,
        "screenshot is {} bytes",
        bytes.len()
    );
}
