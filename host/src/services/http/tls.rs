//! TLS for the HTTP client, paid for only when a request needs it.
//!
//! reqwest's own set-up reads the system's whole certificate store (on Debian, the ~150 files
//! of `/etc/ssl/certs` besides the bundle they are copied into) when a client is *built*,
//! even for a client that only ever speaks plain `http://`. Here, on the platforms where
//! the system store is a set of PEM files (Linux, the BSDs), the client gets a verifier
//! that loads the roots, once, when the first certificate is to be checked:
//! plain http does no TLS work at all, and https reads one file, the system's CA bundle
//! (or `SSL_CERT_FILE`), plus the `--ca-file`s.
//! macOS and Windows keep their platform verifier (the OS's store, no files to read).

use std::path::PathBuf;
use std::sync::Arc;

/// The CA certificates that verify servers: the system's and the user's, loaded on first
/// need and kept for the life of the process. Cloning shares the loaded roots.
#[derive(Clone)]
pub struct Roots {
    inner: Arc<RootsInner>,
}

struct RootsInner {
    /// `--ca-file` and `SSL_CERT_FILE` as the user gave them: every problem in them is an
    /// error, while the system's own files are read leniently.
    ca_files: Vec<PathBuf>,
    #[cfg(all(unix, not(target_os = "android"), not(target_vendor = "apple")))]
    verifier: std::sync::OnceLock<Result<Arc<rustls::client::WebPkiServerVerifier>, String>>,
}

impl Roots {
    pub fn new(ca_files: Vec<PathBuf>) -> Self {
        Self {
            inner: Arc::new(RootsInner {
                ca_files,
                #[cfg(all(unix, not(target_os = "android"), not(target_vendor = "apple")))]
                verifier: std::sync::OnceLock::new(),
            }),
        }
    }

    /// Sets up TLS on `builder`: for an `https://` URL, loads the roots now so that a bad
    /// `--ca-file` is reported before anything is sent; for plain http, loads nothing.
    pub fn configure(
        &self,
        builder: reqwest::ClientBuilder,
        https: bool,
        insecure: bool,
    ) -> Result<reqwest::ClientBuilder, String> {
        if insecure {
            // reqwest then checks no certificate and reads no store.
            return Ok(builder.tls_danger_accept_invalid_certs(true));
        }
        self.configure_verifying(builder, https)
    }

    #[cfg(all(unix, not(target_os = "android"), not(target_vendor = "apple")))]
    fn configure_verifying(
        &self,
        builder: reqwest::ClientBuilder,
        https: bool,
    ) -> Result<reqwest::ClientBuilder, String> {
        if https {
            self.verifier()?;
        }
        // A plain-http client can still meet TLS when a server redirects to https: the
        // roots are then loaded at that handshake.
        Ok(builder.tls_backend_preconfigured(files::client_config(self.clone())?))
    }

    #[cfg(not(all(unix, not(target_os = "android"), not(target_vendor = "apple"))))]
    fn configure_verifying(
        &self,
        builder: reqwest::ClientBuilder,
        https: bool,
    ) -> Result<reqwest::ClientBuilder, String> {
        if !https {
            return Ok(builder);
        }
        let mut certs = Vec::new();
        for file in &self.inner.ca_files {
            let pem =
                std::fs::read(file).map_err(|e| format!("cannot read CA file {}: {e}", file.display()))?;
            let found = reqwest::Certificate::from_pem_bundle(&pem)
                .map_err(|e| format!("bad CA file {}: {e}", file.display()))?;
            if found.is_empty() {
                return Err(format!("bad CA file {}: no PEM certificate in it", file.display()));
            }
            certs.extend(found);
        }
        Ok(builder.tls_certs_merge(certs))
    }

    /// Whether this process read the roots (never where the platform verifier does).
    #[cfg(test)]
    pub fn loaded(&self) -> bool {
        #[cfg(all(unix, not(target_os = "android"), not(target_vendor = "apple")))]
        return self.inner.verifier.get().is_some();
        #[cfg(not(all(unix, not(target_os = "android"), not(target_vendor = "apple"))))]
        return false;
    }

    /// The verifier over the loaded roots (loading them the first time).
    #[cfg(all(unix, not(target_os = "android"), not(target_vendor = "apple")))]
    fn verifier(&self) -> Result<Arc<rustls::client::WebPkiServerVerifier>, String> {
        self.inner.verifier.get_or_init(|| files::load(&self.inner.ca_files)).clone()
    }
}

#[cfg(all(unix, not(target_os = "android"), not(target_vendor = "apple")))]
mod files {
    use std::path::{Path, PathBuf};
    use std::sync::Arc;

    use rustls::client::WebPkiServerVerifier;
    use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
    use rustls::crypto::CryptoProvider;
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
    use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};

    use super::Roots;

    /// Where distributions keep the one file holding all their CA certificates (the list
    /// OpenSSL's probes use), most common first.
    const BUNDLES: &[&str] = &[
        "/etc/ssl/certs/ca-certificates.crt", // Debian, Ubuntu, Arch, Gentoo, Alpine
        "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", // Fedora, RHEL 7+
        "/etc/pki/tls/certs/ca-bundle.crt",   // older Fedora and RHEL
        "/etc/ssl/ca-bundle.pem",             // openSUSE
        "/etc/pki/tls/cacert.pem",            // OpenELEC
        "/etc/ssl/cert.pem",                  // Alpine, OpenBSD
        "/usr/local/etc/ssl/cert.pem",        // FreeBSD
        "/usr/local/share/certs/ca-root-nss.crt", // DragonFly
        "/etc/openssl/certs/ca-certificates.crt", // NetBSD
    ];

    /// Directories of one-certificate files, read only when no bundle file exists.
    const DIRS: &[&str] = &["/etc/ssl/certs", "/etc/pki/tls/certs"];

    fn provider() -> Arc<CryptoProvider> {
        CryptoProvider::get_default()
            .cloned()
            .unwrap_or_else(|| Arc::new(rustls::crypto::ring::default_provider()))
    }

    /// A client configuration like reqwest's own (TLS 1.2 and 1.3, HTTP/2 offered), with
    /// the verifier that loads `roots` at the first handshake.
    pub(super) fn client_config(roots: Roots) -> Result<rustls::ClientConfig, String> {
        let provider = provider();
        let mut config = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("cannot set up TLS: {e}"))?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(LazyVerifier { roots, provider }))
            .with_no_client_auth();
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(config)
    }

    /// Loads the roots: every `--ca-file` strictly, then the system's.
    pub(super) fn load(ca_files: &[PathBuf]) -> Result<Arc<WebPkiServerVerifier>, String> {
        let mut store = RootCertStore::empty();
        for file in ca_files {
            let pem =
                std::fs::read(file).map_err(|e| format!("cannot read CA file {}: {e}", file.display()))?;
            let mut found = 0;
            for cert in CertificateDer::pem_slice_iter(&pem) {
                let cert = cert.map_err(|e| format!("bad CA file {}: {e}", file.display()))?;
                store.add(cert).map_err(|e| format!("bad CA file {}: {e}", file.display()))?;
                found += 1;
            }
            if found == 0 {
                return Err(format!("bad CA file {}: no PEM certificate in it", file.display()));
            }
        }
        let (system, ignored) = system_roots(ca_files);
        let (added, unparsable) = store.add_parsable_certificates(system);
        tracing::trace!("{added} system CA certificates ({} ignored)", ignored + unparsable);
        if store.is_empty() {
            return Err(format!(
                "no CA certificates found (looked for {}): set SSL_CERT_FILE or pass --ca-file",
                BUNDLES[0]
            ));
        }
        WebPkiServerVerifier::builder_with_provider(Arc::new(store), provider())
            .build()
            .map_err(|e| format!("cannot set up TLS verification: {e}"))
    }

    /// The system's CA certificates, and how many files or entries could not be read: the
    /// one bundle file (`SSL_CERT_FILE`, else the first of [`BUNDLES`] that exists), and only
    /// when there is none, every file of the certificate directories (`SSL_CERT_DIR`, else
    /// [`DIRS`]). OpenSSL looks a directory up lazily, by hashed file names; reading all of
    /// it costs ~150 file reads for what the bundle holds already. A file already among
    /// `ca_files` (the host passes `SSL_CERT_FILE` there) is not read twice.
    fn system_roots(ca_files: &[PathBuf]) -> (Vec<CertificateDer<'static>>, usize) {
        let var = |name| std::env::var_os(name).filter(|v| !v.is_empty());
        let file = var("SSL_CERT_FILE")
            .map(PathBuf::from)
            .or_else(|| BUNDLES.iter().map(PathBuf::from).find(|p| p.is_file()));
        let dirs: Vec<PathBuf> = match (&file, var("SSL_CERT_DIR")) {
            (Some(_), _) => Vec::new(),
            (None, Some(dirs)) => std::env::split_paths(&dirs).collect(),
            (None, None) => DIRS.iter().map(PathBuf::from).collect(),
        };
        let mut certs = Vec::new();
        let mut ignored = 0;
        let mut read = |path: &Path, certs: &mut Vec<CertificateDer<'static>>| match std::fs::read(path) {
            Ok(pem) => {
                for cert in CertificateDer::pem_slice_iter(&pem) {
                    match cert {
                        Ok(cert) => certs.push(cert),
                        Err(_) => ignored += 1,
                    }
                }
            }
            Err(_) => ignored += 1,
        };
        if let Some(file) = file.filter(|f| !ca_files.contains(f)) {
            read(&file, &mut certs);
        }
        for dir in dirs {
            let Ok(entries) = std::fs::read_dir(&dir) else { continue };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_file() {
                    read(&path, &mut certs);
                }
            }
        }
        (certs, ignored)
    }

    /// Checks certificates against the roots, loading them at the first check.
    #[derive(Debug)]
    struct LazyVerifier {
        roots: Roots,
        provider: Arc<CryptoProvider>,
    }

    impl std::fmt::Debug for Roots {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("Roots").field("ca_files", &self.inner.ca_files).finish_non_exhaustive()
        }
    }

    impl ServerCertVerifier for LazyVerifier {
        fn verify_server_cert(
            &self,
            end_entity: &CertificateDer<'_>,
            intermediates: &[CertificateDer<'_>],
            server_name: &ServerName<'_>,
            ocsp_response: &[u8],
            now: UnixTime,
        ) -> Result<ServerCertVerified, rustls::Error> {
            self.roots.verifier().map_err(rustls::Error::General)?.verify_server_cert(
                end_entity,
                intermediates,
                server_name,
                ocsp_response,
                now,
            )
        }

        fn verify_tls12_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            rustls::crypto::verify_tls12_signature(
                message,
                cert,
                dss,
                &self.provider.signature_verification_algorithms,
            )
        }

        fn verify_tls13_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            rustls::crypto::verify_tls13_signature(
                message,
                cert,
                dss,
                &self.provider.signature_verification_algorithms,
            )
        }

        fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
            self.provider.signature_verification_algorithms.supported_schemes()
        }
    }
}
