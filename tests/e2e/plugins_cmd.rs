//! `plugins info`, `plugins install` and `plugins remove`.

use crate::harness::*;

fn user_dir(w: &World) -> std::path::PathBuf {
    w.path("data/statusctl/plugins")
}

#[test]
fn info_shows_the_manifest_and_every_flag() {
    let w = World::with(&["testkit"]);
    w.run(&["plugins", "info", "testkit"])
        .ok()
        .stdout_has("testkit — Exercises every host service\n")
        .stdout_has("plugin: testkit 1.2.3 (plugin-api 0.1.0)\n")
        .stdout_has("note: test plugin: never shipped\n")
        .stdout_has("\ntestkit:echo_args — Echo the resolved arguments\n")
        .stdout_has("  --components, -c, -cs  Components\n")
        .stdout_has("  --title, -t  A title [required]\n")
        .stdout_has("default: investigating]")
        .stdout_has("  --level [required; one of: error, warn, info, debug, trace]\n")
        .stdout_lacks("secret-opt");
    let json = w.run(&["plugins", "info", "testkit:", "-f", "json"]).json();
    assert_eq!(json["status"], "ok");
    assert_eq!(json["manifest"]["namespace"], "testkit");
    assert_eq!(json["manifest"]["commands"][0]["args"][1]["dash_aliases"][0], "cs");
    w.run(&["plugins", "info", "nope"]).code(2).stderr_has("no plugin provides the namespace `nope`");
}

#[test]
fn install_checks_then_copies_and_the_plugin_runs() {
    let w = World::new().without_plugin_dir();
    let file = test_plugin("testkit").display().to_string();
    w.run(&["plugins", "install", &file])
        .ok()
        .stdout_has("installed testkit 1.2.3 (namespace `testkit`) as ")
        .stdout_has(&user_dir(&w).join(lib_name("statusctl_test_testkit")).display().to_string());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(user_dir(&w).join(lib_name("statusctl_test_testkit")))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o755);
    }
    w.run(&["testkit:echo-args", "-t", "installed"]).ok().stdout_has("title: installed");
    // Installed already: refused without --force, replaced with it.
    w.run(&["plugins", "install", &file]).code(1).stderr_has("already installed").stderr_has("--force");
    w.run(&["plugins", "install", "--force", &file]).ok().stdout_has("replaced testkit 1.2.3");
    // Another plugin for the same namespace is refused, even with --force.
    let dup = test_plugin("dup").display().to_string();
    w.run(&["plugins", "install", "--force", &dup])
        .code(1)
        .stderr_has("already provided by plugin testkit 1.2.3");
    let leftovers: Vec<_> =
        std::fs::read_dir(user_dir(&w)).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(leftovers.len(), 1, "{leftovers:?}");
}

#[test]
fn install_refuses_what_cannot_load() {
    let w = World::new().without_plugin_dir();
    let junk = w.write("junk/libjunk.so", "no ELF here");
    w.run(&["plugins", "install", &junk.display().to_string()]).code(3).stderr_has("not a loadable library");
    let nosym = test_plugin("nosymbol").display().to_string();
    w.run(&["plugins", "install", &nosym]).code(3).stderr_has("not a statusctl plugin");
    let bad = test_plugin("bad_flag").display().to_string();
    w.run(&["plugins", "install", &bad]).code(3).stderr_has("global flag");
    w.run(&["plugins", "install", "/no/such/file.so"]).code(2).stderr_has("no such file");
    assert!(!user_dir(&w).exists() || std::fs::read_dir(user_dir(&w)).unwrap().next().is_none());
}

#[test]
fn remove_deletes_only_from_the_user_dir() {
    let w = World::with(&["panicky"]);
    let file = test_plugin("testkit").display().to_string();
    w.run(&["plugins", "install", &file]).ok();
    w.run(&["plugins", "remove", "testkit"]).ok().stdout_has("removed testkit 1.2.3 (namespace `testkit`)");
    assert!(!user_dir(&w).join(lib_name("statusctl_test_testkit")).exists());
    w.run(&["testkit:echo-args", "-t", "x"]).code(2);
    w.run(&["plugins", "remove", "testkit"]).code(2).stderr_has("no plugin provides");
    // boom comes from --plugin-dir, not from `plugins install`.
    w.run(&["plugins", "remove", "boom"]).code(1).stderr_has("not in the user plugin dir");
}

#[test]
fn install_refuses_a_file_discovery_would_never_load() {
    let w = World::new().without_plugin_dir();
    let plugin = std::fs::read(test_plugin("testkit")).unwrap();
    let ext = std::env::consts::DLL_EXTENSION;
    for name in
        ["testkit.txt".to_string(), format!(".{}", lib_name("statusctl_test_testkit")), "testkit".into()]
    {
        let file = w.path("junk").join(&name);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, &plugin).unwrap();
        let run = w.run(&["plugins", "install", &file.display().to_string()]);
        run.code(2).stdout_is("").stderr_lines(1).stderr_has(&format!(
            "error: {}: not installed: statusctl loads only plugin libraries named `*.{ext}` (not hidden), so it would never load this file\n",
            file.display()
        ));
    }
    w.run(&["plugins", "install", &w.path("junk").display().to_string()]).code(2).stderr_has("a directory");
    assert!(!user_dir(&w).exists(), "nothing installed, no directory made");
    w.run(&["testkit:echo-args", "-t", "x"]).code(2);
}

/// The source is read once: the bytes checked are the bytes installed, whatever the file
/// holds afterwards. The source here is a FIFO that serves the testkit plugin to its first
/// reader and another plugin (`dup`) to any later one, as if the file were swapped after the
/// check; the old install loaded the file, then read it again to copy it.
#[cfg(unix)]
#[test]
fn install_reads_the_source_once_and_installs_the_bytes_it_checked() {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    let w = World::new().without_plugin_dir();
    let checked = std::fs::read(test_plugin("testkit")).unwrap();
    let swapped = std::fs::read(test_plugin("dup")).unwrap();
    let source = w.path("src").join(lib_name("statusctl_test_testkit"));
    std::fs::create_dir_all(source.parent().unwrap()).unwrap();
    let made = std::process::Command::new("mkfifo").arg(&source).status().expect("run mkfifo");
    assert!(made.success());

    let stop = Arc::new(AtomicBool::new(false));
    let feeder = {
        let (stop, source, first) = (stop.clone(), source.clone(), checked.clone());
        std::thread::spawn(move || {
            // A non-blocking open for writing succeeds only while someone has the FIFO open
            // for reading (ENXIO otherwise): it tells whether a reader is there without
            // blocking for ever.
            let open =
                || std::fs::OpenOptions::new().write(true).custom_flags(libc::O_NONBLOCK).open(&source);
            let pause = || std::thread::sleep(std::time::Duration::from_millis(1));
            let mut served = 0;
            for bytes in [first, swapped] {
                let file = loop {
                    match open() {
                        Ok(file) => break Some(file),
                        Err(_) if stop.load(Ordering::SeqCst) => break None,
                        Err(_) => pause(),
                    }
                };
                let Some(mut file) = file else { break };
                // Blocking writes from here on.
                // SAFETY: F_SETFL on a descriptor this thread owns.
                unsafe { libc::fcntl(std::os::fd::AsRawFd::as_raw_fd(&file), libc::F_SETFL, 0) };
                served += 1;
                let _ = file.write_all(&bytes);
                drop(file);
                // Until the reader has closed its end, it is the same reader, not a new one.
                loop {
                    match open() {
                        Err(e) if e.raw_os_error() == Some(libc::ENXIO) => break,
                        _ if stop.load(Ordering::SeqCst) => break,
                        _ => pause(),
                    }
                }
            }
            served
        })
    };
    let run = w.run(&["plugins", "install", &source.display().to_string()]);
    stop.store(true, Ordering::SeqCst);
    let served = feeder.join().unwrap();
    run.ok().stdout_has("installed testkit 1.2.3 (namespace `testkit`) as ");
    assert_eq!(served, 1, "the source was opened again after the first read");
    let installed = user_dir(&w).join(lib_name("statusctl_test_testkit"));
    assert!(std::fs::read(&installed).unwrap() == checked, "the installed file is the checked copy");
    let leftovers: Vec<_> =
        std::fs::read_dir(user_dir(&w)).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(leftovers.len(), 1, "no temporary file left: {leftovers:?}");
    w.run(&["testkit:echo-args", "-t", "checked"]).ok().stdout_has("title: checked");
}
