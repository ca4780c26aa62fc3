//! Hostile or broken servers (issue 8): an endless body, a redirect answering a POST,
//! credentials and redirects, a password in a URL, escape sequences in server text,
//! `--max-wait` across the requests of one command, a header value that cannot be sent.
//!
//! The servers here are a few lines of raw TCP on loopback, so that they can misbehave in
//! ways a well-mannered HTTP server library would not.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::harness::*;

/// One request as a raw server saw it.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    /// Which request this is, from 1, in the order they came.
    n: usize,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// A loopback server answering each connection's one request with `respond`, which writes
/// the whole answer (the connection is closed after it).
struct RawServer {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl RawServer {
    fn start(respond: impl Fn(&Seen, &mut TcpStream) + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (log, respond) = (seen.clone(), Arc::new(respond));
        let count = Arc::new(AtomicUsize::new(0));
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let (log, respond, count) = (log.clone(), respond.clone(), count.clone());
                std::thread::spawn(move || {
                    let Some(mut request) = read_request(&mut stream) else { return };
                    request.n = count.fetch_add(1, Ordering::SeqCst) + 1;
                    log.lock().unwrap().push(request.clone());
                    respond(&request, &mut stream);
                    let _ = stream.flush();
                });
            }
        });
        RawServer { addr, seen }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

/// The request line and headers (a body, if any, is left unread).
fn read_request(stream: &mut TcpStream) -> Option<Seen> {
    stream.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => return None,
        }
    }
    let text = String::from_utf8_lossy(&head).into_owned();
    let mut lines = text.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let (method, path) = (first.next()?.to_string(), first.next()?.to_string());
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Some(Seen { method, path, headers, n: 0 })
}

fn answer(stream: &mut TcpStream, status: &str, headers: &[(&str, &str)], body: &[u8]) {
    let mut head = format!("HTTP/1.1 {status}\r\nconnection: close\r\ncontent-length: {}\r\n", body.len());
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(body);
}

fn world() -> World {
    World::with(&["testkit"]).env("STATUSCTL_TIME_SCALE", "0.01")
}

/// The error lines of a run: exactly one, and the last line.
#[track_caller]
fn one_error_line(run: &Run) -> String {
    let errors: Vec<&str> = run.stderr.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(errors.len(), 1, "one error line expected\n{}", run.stderr);
    assert_eq!(run.stderr.lines().last(), Some(errors[0]), "the error comes last\n{}", run.stderr);
    errors[0].to_string()
}

/// Runs statusctl in `w` with its address space limited to `limit_mib`: a run that tried
/// to hold a huge body would fail fast instead of exhausting the machine.
fn run_limited(w: &World, limit_mib: u64, args: &[&str]) -> Run {
    let inner = w.command(args);
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(format!("ulimit -v {} && exec \"$0\" \"$@\"", limit_mib * 1024))
        .arg(inner.get_program())
        .args(inner.get_args())
        .env_clear();
    for (key, value) in inner.get_envs() {
        if let Some(value) = value {
            cmd.env(key, value);
        }
    }
    // One malloc arena: the limit then measures what is used, not what threads reserve.
    cmd.env("MALLOC_ARENA_MAX", "1");
    if let Some(dir) = inner.get_current_dir() {
        cmd.current_dir(dir);
    }
    let out = cmd.output().expect("run statusctl under ulimit");
    Run {
        args: args.iter().map(|s| s.to_string()).collect(),
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The address space a run gets: what statusctl needs for a small answer (about 300 MiB
/// of mappings, mostly code and thread stacks) plus room for the 32 MiB limit, and far
/// less than the endless body it is sent.
const LIMIT_MIB: u64 = 640;

#[test]
fn an_endless_body_stops_at_the_limit_in_bounded_memory() {
    // Chunked zeros for as long as the client reads them.
    let endless = RawServer::start(|_, stream| {
        let head = "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n";
        if stream.write_all(head.as_bytes()).is_err() {
            return;
        }
        let mut chunk = b"100000\r\n".to_vec();
        chunk.extend(std::iter::repeat_n(b'0', 0x10_0000));
        chunk.extend(b"\r\n");
        while stream.write_all(&chunk).is_ok() {}
    });
    // A body announced as 2 GiB: refused before a byte of it is read.
    let announced = RawServer::start(|_, stream| {
        let head = "HTTP/1.1 200 OK\r\ncontent-length: 2147483648\r\nconnection: close\r\n\r\n";
        let _ = stream.write_all(head.as_bytes());
        let _ = stream.write_all(&[b'0'; 65536]);
    });
    let w = world();
    // A small answer fits in the limit.
    let small = RawServer::start(|_, stream| answer(stream, "200 OK", &[], b"{\"ok\": true}"));
    run_limited(&w, LIMIT_MIB, &["testkit:http", "--url", &small.url("/x")]).ok();

    for server in [&endless, &announced] {
        let started = Instant::now();
        let run = run_limited(&w, LIMIT_MIB, &["testkit:http", "--url", &server.url("/big")]);
        run.code(5);
        let line = one_error_line(&run);
        assert_eq!(
            line,
            format!(
                "error: the answer to GET {} (200) is longer than the 32 MiB limit for a response \
                 body, so it was not read (a plugin can allow more for a request with \
                 HttpRequest::max_body_bytes)",
                server.url("/big")
            )
        );
        // Not retried: one request.
        assert_eq!(server.seen().len(), 1, "{:?}", server.seen());
        assert!(started.elapsed() < Duration::from_secs(20), "{:?}", started.elapsed());
    }

    // A plugin may ask for less, or more, per request.
    let body = vec![b'x'; 2000];
    let sized = RawServer::start(move |_, stream| answer(stream, "200 OK", &[], &body));
    let run = w.run(&["testkit:http", "--url", &sized.url("/s"), "--max-body", "1024"]);
    run.code(5);
    assert!(one_error_line(&run).contains("longer than the 1 KiB limit"), "{}", run.stderr);
    w.run(&["testkit:http", "--url", &sized.url("/s"), "--max-body", "4096"]).ok().stdout_has("HTTP 200");
}

#[test]
fn a_redirect_answering_a_change_is_not_followed() {
    let w = world();
    for (method, status) in
        [("POST", "303 See Other"), ("PATCH", "302 Found"), ("DELETE", "307 Temporary Redirect")]
    {
        let server = RawServer::start(|seen, stream| {
            if seen.path == "/incidents" {
                answer(stream, status, &[("location", "/elsewhere")], b"");
            } else {
                answer(stream, "200 OK", &[], b"{\"id\": \"looks-created\"}");
            }
        });
        let run =
            w.run(&["testkit:http", "--method", method, "--url", &server.url("/incidents"), "--body", "{}"]);
        // The 3xx is the answer the plugin sees (and reports): nothing claims success.
        run.code(1);
        let code = status.split(' ').next().unwrap();
        assert!(one_error_line(&run).contains(&format!("the server answered {code}")), "{}", run.stderr);
        let seen = server.seen();
        let methods: Vec<&str> = seen.iter().map(|s| s.method.as_str()).collect();
        assert_eq!(methods, [method], "exactly one {method} and no GET: {seen:?}");
    }
}

#[test]
fn redirected_reads_keep_credentials_on_their_origin() {
    let other = RawServer::start(|_, stream| answer(stream, "200 OK", &[], b"{\"where\": \"other\"}"));
    let to = other.url("/landing");
    let home = RawServer::start(move |seen, stream| match seen.path.as_str() {
        "/away" => answer(stream, "302 Found", &[("location", &to)], b""),
        "/stay" => answer(stream, "302 Found", &[("location", "/landing")], b""),
        _ => answer(stream, "200 OK", &[], b"{\"where\": \"home\"}"),
    });
    let w = world();
    let token = "tok-redirect-123456";
    // Same origin: followed, the token goes along.
    w.run(&["testkit:http", "--url", &home.url("/stay"), "--token", token]).ok().stdout_has("home");
    let seen = home.seen();
    assert_eq!(seen.iter().map(|s| s.path.as_str()).collect::<Vec<_>>(), ["/stay", "/landing"]);
    assert_eq!(seen[1].header("authorization"), Some(format!("Bearer {token}").as_str()));
    // Another origin: followed, without the token (nor a Referer naming where it came from).
    w.run(&["testkit:http", "--url", &home.url("/away"), "--token", token]).ok().stdout_has("other");
    let landed = other.seen();
    assert_eq!(landed.len(), 1, "{landed:?}");
    assert_eq!(landed[0].header("authorization"), None, "{landed:?}");
    assert_eq!(landed[0].header("referer"), None, "{landed:?}");
}

#[test]
fn a_password_in_a_url_is_masked_everywhere() {
    let server = echo_server();
    let w = world();
    let password = "pw-hunter2-secret";
    let url = format!("http://ops:{password}@{}/echo/x", server.addr());
    let shown = format!("http://ops:***@{}/echo/x", server.addr());
    // `-v`: the request line; the server's echo of the Basic credential is scrubbed too.
    let run = w.run(&["-v", "testkit:http", "--url", &url]);
    run.ok().stderr_has(&format!("debug: GET {shown} → 200")).never_shows(password);
    assert!(
        !run.stdout.contains("b3BzOnB3LWh1bnRlcjItc2VjcmV0"),
        "the Basic credential leaked\n{}",
        run.stdout
    );
    // The dry-run plan, in text and JSON.
    let plan = w.run(&["--dry-run", "testkit:http", "--method", "POST", "--url", &url, "--body", "{}"]);
    plan.ok().stdout_has(&format!("POST {shown}\n")).never_shows(password);
    let plan = w.run(&["-f", "json", "--dry-run", "testkit:http", "--method", "POST", "--url", &url]);
    plan.ok().never_shows(password);
    // Errors: nothing listens there.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let url = format!("http://ops:{password}@{closed}/x");
    let run = w.run(&["testkit:http", "--url", &url, "--max-attempts", "1"]);
    run.code(5).never_shows(password);
    assert!(one_error_line(&run).contains(&format!("http://ops:***@{closed}/x")), "{}", run.stderr);
}

#[test]
fn server_text_cannot_drive_the_terminal_or_forge_an_error_line() {
    let hostile = "boom\x1b[2J\x1b]0;pwned\x07\r\nerror: fake\u{9b}31m";
    let server = RawServer::start(move |seen, stream| {
        let status = if seen.path == "/fail" { "500 Internal Server Error" } else { "200 OK" };
        answer(stream, status, &[("content-type", "text/plain")], hostile.as_bytes());
    });
    let w = world();
    let run = w.run(&["testkit:http", "--url", &server.url("/fail")]);
    run.code(5).stderr_lines(1);
    let line = one_error_line(&run);
    assert!(!line.contains(['\x1b', '\x07', '\r', '\u{9b}']), "{line:?}");
    assert!(line.contains("boom^[[2J^[]0;pwned^G"), "{line:?}");

    // Text output keeps its lines but shows the escapes.
    let run = w.run(&["testkit:http", "--url", &server.url("/ok")]);
    run.ok();
    assert!(!run.stdout.contains(['\x1b', '\x07', '\r', '\u{9b}']), "{:?}", run.stdout);
    run.stdout_has("boom^[[2J^[]0;pwned^G\nerror: fake\u{FFFD}31m");
    // JSON is unchanged: the server's text, exactly (escaped as JSON escapes it).
    let json = w.run(&["-f", "json", "testkit:http", "--url", &server.url("/ok")]);
    assert_eq!(json.ok().json()["body"], hostile);
    let failed = w.run(&["-f", "json", "testkit:http", "--url", &server.url("/fail")]);
    let message = failed.code(5).json()["error"]["message"].as_str().unwrap().to_string();
    assert!(message.contains("boom\x1b[2J"), "{message:?}");
}

#[test]
fn max_wait_bounds_all_the_waits_of_one_command() {
    // Every other request is refused for a while: each of the command's requests waits once.
    let server = RawServer::start(|seen, stream| {
        if seen.n % 2 == 1 {
            answer(stream, "503 Service Unavailable", &[("retry-after", "1.5")], b"");
        } else {
            answer(stream, "200 OK", &[], b"{}");
        }
    });
    let w = world();
    let run = w.run(&["testkit:http", "--url", &server.url("/x"), "--repeat", "3", "--max-wait", "2"]);
    run.code(5);
    let waited: f64 = wait_lines(&run.stderr)
        .iter()
        .map(|l| {
            l.strip_prefix("waiting ").and_then(|l| l.split("s ").next()).unwrap().parse::<f64>().unwrap()
        })
        .sum();
    assert!(waited <= 2.0, "waited {waited}s in all with --max-wait 2\n{}", run.stderr);
    assert_eq!(
        one_error_line(&run),
        format!(
            "error: gave up on GET {}: {} answered 503 with Retry-After; waiting 1.5s more would pass \
             --max-wait 2s (1.5s waited already)",
            server.url("/x"),
            server.addr
        )
    );
    // The first request got its answer after one wait, the second gave up without one.
    assert_eq!(server.seen().len(), 3, "{:?}", server.seen());
}

#[test]
fn a_header_value_that_cannot_be_sent_fails_at_once() {
    let server = RawServer::start(|_, stream| answer(stream, "200 OK", &[], b"{}"));
    let token = "tok-newline-987654";
    let w = world().env("TESTKIT_TOKEN", &format!("{token}\nX-Injected: yes"));
    let started = Instant::now();
    let run = w.run(&["testkit:http", "--url", &server.url("/x"), "--method", "POST"]);
    run.code(4).never_shows(token).never_shows("X-Injected");
    let line = one_error_line(&run);
    assert!(line.contains("`Authorization` header contains a line break"), "{line}");
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    assert!(server.seen().is_empty(), "nothing may reach the server: {:?}", server.seen());
}

#[test]
fn a_header_value_from_a_flag_that_cannot_be_sent_is_a_usage_error() {
    let server = RawServer::start(|_, stream| answer(stream, "200 OK", &[], b"{}"));
    let token = "tok-flag-newline-13579";
    let run = world().run(&[
        "testkit:http",
        "--url",
        &server.url("/x"),
        "--token",
        &format!("{token}\nX-Injected: 1"),
    ]);
    run.code(2).never_shows(token);
    assert!(one_error_line(&run).contains("contains a line break"), "{}", run.stderr);
    assert!(server.seen().is_empty());
}

/// A server that echoes the token in its error body, placed so that cutting the excerpt to
/// length would fall inside the token: the token is scrubbed before the cut, so not even a
/// part of it is shown.
#[test]
fn an_error_excerpt_never_shows_part_of_an_echoed_token() {
    let token = "kq81ZX4v9mQt77LpYw2cRb5N";
    for pad in [280usize, 285, 290, 295, 299] {
        let body = format!("{{\"error\": \"{}{token} was refused\"}}", "x".repeat(pad));
        let server = RawServer::start(move |_, stream| {
            answer(stream, "401 Unauthorized", &[("content-type", "application/json")], body.as_bytes())
        });
        let w = World::with(&["statuspage"]);
        let run = w.run(&[
            "statuspage:list-components",
            "--api-url",
            &server.url("/v1"),
            "-tk",
            token,
            "-p",
            "page1",
        ]);
        run.code(4);
        let line = one_error_line(&run);
        // Any 6 characters of the token in a row would be a leak.
        for start in 0..=token.len() - 6 {
            assert!(!line.contains(&token[start..start + 6]), "pad {pad}: {line}");
        }
        assert!(line.contains("check the credential from --token"), "{line}");
    }
}
