//! `statusctl serve --tls-cert/--tls-key` (issue 9): HTTPS with rustls, a certificate
//! renewed in place taken on SIGHUP, and the rules for listening beyond loopback.

use std::sync::Arc;

use crate::serve_check::{ROUTES, fixture};
use crate::serve_receiver::{Serve, owned, read, sandbox, world};

fn tls_file(name: &str) -> String {
    fixture(&format!("tls/{name}")).display().to_string()
}

/// A client that trusts only the test CA, over rustls with ring (as statusctl's own).
fn client() -> reqwest::Client {
    let ca = std::fs::read(fixture("tls/ca.crt")).unwrap();
    reqwest::Client::builder()
        .tls_backend_preconfigured(client_config(&ca))
        .tls_info(true)
        .no_proxy()
        .build()
        .unwrap()
}

fn client_config(ca_pem: &[u8]) -> rustls::ClientConfig {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(ca_pem) {
        roots.add(cert.unwrap()).unwrap();
    }
    rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth()
}

/// POSTs `body` to `url` over HTTPS: the status, the body and the certificate serve presented.
fn post(url: &str, body: &str) -> (u16, String, Vec<u8>) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let answer = client()
            .post(url)
            .header("Content-Type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .unwrap_or_else(|e| panic!("HTTPS POST {url}: {e:?}"));
        let presented = answer
            .extensions()
            .get::<reqwest::tls::TlsInfo>()
            .and_then(|info| info.peer_certificate())
            .expect("the server's certificate")
            .to_vec();
        (answer.status().as_u16(), answer.text().await.unwrap(), presented)
    })
}

/// The DER of the first certificate in a PEM file.
fn der(name: &str) -> Vec<u8> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    CertificateDer::from_pem_file(fixture(&format!("tls/{name}"))).unwrap().to_vec()
}

#[test]
fn serves_https_and_takes_a_renewed_certificate_on_sighup() {
    let server = sandbox();
    let w = world(&server);
    // The certificate as a deployment has it: files replaced in place on renewal.
    let (cert, key) = (w.path("tls.crt"), w.path("tls.key"));
    std::fs::copy(tls_file("a.crt"), &cert).unwrap();
    std::fs::copy(tls_file("a.key"), &key).unwrap();
    let (cert_arg, key_arg) = (cert.display().to_string(), key.display().to_string());
    let serve = Serve::start_full(&w, "", ROUTES, &[], &["--tls-cert", &cert_arg, "--tls-key", &key_arg]);
    let url = format!("https://localhost:{}/generic", serve.addr.port());

    let (status, body, presented) = post(&url, &read("generic-firing.json"));
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"created\""), "{body}");
    assert_eq!(presented, der("a.crt"));
    assert_eq!(owned(&server).len(), 1);

    // Plain HTTP to the TLS port gets no HTTP answer.
    let plain = std::panic::catch_unwind(|| serve.post("/generic", &read("generic-firing.json")));
    assert!(plain.is_err() || plain.as_ref().is_ok_and(|a| a.status == 400), "plain HTTP must not be served");

    // Renewal: new files, SIGHUP; new connections get the new certificate.
    std::fs::copy(tls_file("b.crt"), &cert).unwrap();
    std::fs::copy(tls_file("b.key"), &key).unwrap();
    serve.signal("HUP");
    let renewed = (0..50).find_map(|_| {
        std::thread::sleep(std::time::Duration::from_millis(100));
        let (status, body, presented) = post(&url, &read("generic-firing.json"));
        (presented == der("b.crt")).then_some((status, body))
    });
    let (status, body) = renewed.expect("serve presents the renewed certificate after SIGHUP");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"unchanged\""), "{body}");

    // A broken renewal (a key that does not match) keeps the pair in force.
    std::fs::copy(tls_file("a.key"), &key).unwrap();
    serve.signal("HUP");
    std::thread::sleep(std::time::Duration::from_millis(300));
    let (status, _, presented) = post(&url, &read("generic-firing.json"));
    assert_eq!((status, presented), (200, der("b.crt")));
    assert_eq!(owned(&server).len(), 1);
}

#[test]
fn a_certificate_and_key_that_do_not_belong_together_are_refused_at_start() {
    let server = sandbox();
    let w = world(&server);
    let routes = w.write("routes.toml", ROUTES).display().to_string();
    let (cert, key) = (tls_file("a.crt"), tls_file("b.key"));
    let run = w.run(&[
        "serve",
        "--routes",
        &routes,
        "--listen",
        "127.0.0.1:0",
        "--tls-cert",
        &cert,
        "--tls-key",
        &key,
    ]);
    assert_eq!(run.code, 4, "{run:?}");
    assert!(run.stderr.contains("--tls-cert") && run.stderr.contains("--tls-key"), "{}", run.stderr);
    assert_eq!(run.stderr.trim().lines().count(), 1, "one clear line: {}", run.stderr);
    assert!(!run.stderr.contains("BEGIN"), "no key material in errors");
    let missing = w.run(&["serve", "--routes", &routes, "--tls-cert", &cert]);
    assert_eq!(missing.code, 2, "--tls-cert needs --tls-key: {missing:?}");
}

#[test]
fn beyond_loopback_it_needs_auth_and_tls_or_plain_http_allowed() {
    let server = sandbox();
    let w = world(&server);
    let plain = w.write("routes.toml", ROUTES).display().to_string();
    let with_auth = w
        .write("auth.toml", &format!("[auth]\nbearer = {{ env = \"SERVE_TOKEN\" }}\n{ROUTES}"))
        .display()
        .to_string();
    // These are refused before anything is bound: nothing listens beyond loopback here.
    let no_auth = w.run(&["serve", "--routes", &plain, "--listen", "0.0.0.0:0"]);
    assert_eq!(no_auth.code, 2, "{no_auth:?}");
    assert!(no_auth.stderr.contains("needs [auth]"), "{}", no_auth.stderr);
    let w = w.env("SERVE_TOKEN", "tok-tls-1");
    let no_tls = w.run(&["serve", "--routes", &with_auth, "--listen", "0.0.0.0:0"]);
    assert_eq!(no_tls.code, 2, "{no_tls:?}");
    assert!(
        no_tls.stderr.contains("--tls-cert") && no_tls.stderr.contains("--allow-plain-http"),
        "{}",
        no_tls.stderr
    );
    assert!(!no_tls.stderr.contains("tok-tls-1"));
}
