//! Transport security of `cogito serve` (security bar SEC-60): built-in HTTPS from a PEM
//! certificate chain and key (rustls on aws-lc-rs, TLS 1.2 and 1.3, HTTP/2 and HTTP/1.1 by
//! ALPN), and a loud warning at start when the public URL is plain HTTP on a host other than
//! this machine, since then passwords, codes and tokens would cross the network unencrypted.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// The TLS settings of a server presenting the chain in `cert` with the key in `key`.
pub fn server_config(cert: &Path, key: &Path) -> anyhow::Result<Arc<rustls::ServerConfig>> {
    let chain = CertificateDer::pem_file_iter(cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .with_context(|| format!("reading the certificate chain {}", cert.display()))?;
    anyhow::ensure!(!chain.is_empty(), "{} holds no certificate", cert.display());
    let key = PrivateKeyDer::from_pem_file(key)
        .with_context(|| format!("reading the private key {}", key.display()))?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .context("TLS protocol versions")?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .context("the certificate and key do not make a TLS identity")?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Whether `url` is plain HTTP to a host other than this machine.
pub fn is_plain_remote(url: &str) -> bool {
    let Ok(url) = url::Url::parse(url) else {
        return false;
    };
    if url.scheme() != "http" {
        return false;
    }
    match url.host() {
        Some(url::Host::Ipv4(ip)) => !ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => !ip.is_loopback(),
        Some(url::Host::Domain(name)) => {
            let name = name.to_ascii_lowercase();
            name != "localhost" && !name.ends_with(".localhost")
        }
        None => false,
    }
}

/// Warns, loudly, when the public URL is plain HTTP on a host other than this machine.
pub fn warn_if_plain(public_url: &str) {
    if is_plain_remote(public_url) {
        tracing::warn!(
            public_url,
            "INSECURE: the public URL is plain HTTP on a host other than this machine, so \
             passwords, codes and tokens cross the network unencrypted. Serve HTTPS with \
             --tls-cert and --tls-key, or behind a proxy that terminates TLS, and set \
             --public-url https://..."
        );
    }
}

#[cfg(test)]
mod tests {
    use super::is_plain_remote;

    #[test]
    fn sec_60_plain_http_is_flagged_only_off_this_machine() {
        for url in [
            "http://auth.example.com",
            "http://10.0.0.5:9229",
            "http://[2001:db8::1]:9229",
            "http://0.0.0.0:9229",
        ] {
            assert!(is_plain_remote(url), "{url}");
        }
        for url in [
            "https://auth.example.com",
            "http://127.0.0.1:9229",
            "http://localhost:9229",
            "http://app.auth.localhost:9229",
            "http://[::1]:9229",
        ] {
            assert!(!is_plain_remote(url), "{url}");
        }
    }
}
