//! TLS client settings shared by the probes, and reading a peer certificate.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use crate::error::{Error, Result};
use crate::probe::{CertInfo, Failure, FailureKind};

/// How a probe checks the server's certificate.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TlsOptions {
    /// A PEM file of extra trusted CA certificates (a private CA, a self-signed server).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<PathBuf>,
    /// Accept any certificate (still reports its expiry). For hosts reached by a name their
    /// certificate does not carry.
    #[serde(default)]
    pub insecure: bool,
    /// The name to ask for and check (SNI), when it differs from the host connected to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_name: Option<String>,
}

fn provider() -> Arc<CryptoProvider> {
    static PROVIDER: OnceLock<Arc<CryptoProvider>> = OnceLock::new();
    PROVIDER
        .get_or_init(|| Arc::new(rustls::crypto::ring::default_provider()))
        .clone()
}

fn builder() -> rustls::ConfigBuilder<ClientConfig, rustls::WantsVerifier> {
    ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .expect("the ring provider supports the default protocol versions")
}

fn web_roots() -> RootCertStore {
    RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    }
}

impl TlsOptions {
    /// The rustls client settings for these options (ring provider; web PKI roots plus
    /// `ca_file`, or no checks with `insecure`). The common ones are built once and shared, so a
    /// thousand probes do not hold a thousand root stores. `owner` names the probe or notifier in
    /// errors.
    pub fn client_config(&self, owner: &str) -> Result<Arc<ClientConfig>> {
        static DEFAULT: OnceLock<Arc<ClientConfig>> = OnceLock::new();
        static INSECURE: OnceLock<Arc<ClientConfig>> = OnceLock::new();
        if self.insecure {
            return Ok(INSECURE
                .get_or_init(|| {
                    let verifier = Arc::new(AcceptAny(provider()));
                    Arc::new(
                        builder()
                            .dangerous()
                            .with_custom_certificate_verifier(verifier)
                            .with_no_client_auth(),
                    )
                })
                .clone());
        }
        let Some(ca_file) = &self.ca_file else {
            return Ok(DEFAULT
                .get_or_init(|| {
                    Arc::new(
                        builder()
                            .with_root_certificates(web_roots())
                            .with_no_client_auth(),
                    )
                })
                .clone());
        };
        let mut roots = web_roots();
        let certs = CertificateDer::pem_file_iter(ca_file).map_err(|e| {
            Error::config(
                owner,
                format!("tls.ca_file `{}` cannot be read: {e}", ca_file.display()),
            )
        })?;
        let mut added = 0;
        for cert in certs {
            let cert = cert.map_err(|e| {
                Error::config(
                    owner,
                    format!("tls.ca_file `{}` is not PEM: {e}", ca_file.display()),
                )
            })?;
            roots.add(cert).map_err(|e| {
                Error::config(owner, format!("tls.ca_file `{}`: {e}", ca_file.display()))
            })?;
            added += 1;
        }
        if added == 0 {
            return Err(Error::config(
                owner,
                format!("tls.ca_file `{}` holds no certificate", ca_file.display()),
            ));
        }
        Ok(Arc::new(
            builder()
                .with_root_certificates(roots)
                .with_no_client_auth(),
        ))
    }

    /// The name to present and check: the configured one, else the host connected to.
    pub(crate) fn name_for<'a>(&'a self, host: &'a str) -> &'a str {
        self.server_name.as_deref().unwrap_or(host)
    }
}

/// Runs a TLS handshake over `stream`, checking the certificate for `name`.
pub(crate) async fn handshake<S>(
    stream: S,
    name: &str,
    config: Arc<ClientConfig>,
) -> Result<TlsStream<S>, Failure>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let server_name = ServerName::try_from(name.to_owned()).map_err(|e| {
        Failure::new(
            FailureKind::Tls,
            format!("`{name}` is not a valid TLS server name: {e}"),
        )
    })?;
    TlsConnector::from(config)
        .connect(server_name, stream)
        .await
        .map_err(|e| {
            Failure::new(
                FailureKind::Tls,
                format!("TLS handshake with `{name}` failed: {e}"),
            )
        })
}

/// The end-entity certificate of an established TLS session.
pub(crate) fn peer_cert<S>(tls: &TlsStream<S>) -> Option<CertInfo> {
    let (_, conn) = tls.get_ref();
    let der = conn.peer_certificates()?.first()?;
    cert_info(der.as_ref(), unix_now())
}

pub(crate) fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Reads validity, issuer and subject from a DER certificate.
pub(crate) fn cert_info(der: &[u8], now: i64) -> Option<CertInfo> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
    let not_after = cert.validity().not_after.timestamp();
    Some(CertInfo {
        not_after,
        days_left: (not_after - now).div_euclid(86_400),
        issuer: cert.issuer().to_string(),
        subject: cert.subject().to_string(),
    })
}

/// Accepts any certificate but still checks handshake signatures, for `insecure: true`.
#[derive(Debug)]
struct AcceptAny(Arc<CryptoProvider>);

impl ServerCertVerifier for AcceptAny {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
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
            &self.0.signature_verification_algorithms,
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
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// Fills `buf` from the operating system's randomness (through the TLS provider).
pub(crate) fn random(buf: &mut [u8]) -> Result<(), rustls::crypto::GetRandomFailed> {
    provider().secure_random.fill(buf)
}

pub(crate) fn unix_nanos() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}
