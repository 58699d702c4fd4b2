//! A small HTTP/1.1 client for the hub: hyper directly over a TCP stream, with rustls for HTTPS
//! (public roots, or a CA file for a private hub). It keeps one connection open between posts.

use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use hyper::client::conn::http1::SendRequest;
use hyper::{Method, Request, Uri};
use hyper_util::rt::TokioIo;
use rustls::pki_types::ServerName;
use rustls::pki_types::pem::PemObject;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use cloudctl_wire::ingest::{CONTENT_TYPE, INGEST_PATH, bearer};

use crate::{Error, HubConfig, Result, Token};

/// The largest hub answer read (acks and error bodies are tiny).
const MAX_RESPONSE: usize = 64 * 1024;

/// Where the hub is.
#[derive(Debug, Clone, PartialEq)]
pub struct Endpoint {
    /// Whether to use TLS.
    pub https: bool,
    /// Host name or address.
    pub host: String,
    /// Port.
    pub port: u16,
    /// The full ingest path (a base path of the URL, then `/api/v1/ingest`).
    pub path: String,
}

impl Endpoint {
    /// Parse the hub's base URL, saying how to fix it when it is not usable.
    pub fn parse(url: &str) -> Result<Endpoint> {
        let bad = |why: &str| {
            Error::Config(format!(
                "hub URL {url:?} {why}; expected http://HOST:PORT or https://HOST[:PORT][/base], e.g. http://127.0.0.1:7070"
            ))
        };
        let uri: Uri = url.trim().parse().map_err(|_| bad("is not a URL"))?;
        let https = match uri.scheme_str() {
            Some("http") => false,
            Some("https") => true,
            Some(_) => return Err(bad("has a scheme other than http or https")),
            None => return Err(bad("has no scheme")),
        };
        let host = uri
            .host()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| bad("has no host"))?;
        if uri.query().is_some() {
            return Err(bad("has a query string"));
        }
        if uri.authority().is_some_and(|a| a.as_str().contains('@')) {
            return Err(bad("has user info (put the token in --token-file instead)"));
        }
        let base = uri.path().trim_end_matches('/');
        Ok(Endpoint {
            https,
            host: host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .to_owned(),
            port: uri.port_u16().unwrap_or(if https { 443 } else { 80 }),
            path: format!("{base}{INGEST_PATH}"),
        })
    }

    fn authority(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        let default = if self.https { 443 } else { 80 };
        if self.port == default {
            host
        } else {
            format!("{host}:{}", self.port)
        }
    }
}

/// A hub answer.
#[derive(Debug)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// Body (at most 64 KiB).
    pub body: Vec<u8>,
}

/// The client.
pub struct HubClient {
    endpoint: Endpoint,
    authority: String,
    token: Token,
    tls: Option<(TlsConnector, ServerName<'static>)>,
    timeout: Duration,
    conn: Option<SendRequest<Full<Bytes>>>,
}

impl std::fmt::Debug for HubClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HubClient")
            .field("endpoint", &self.endpoint)
            .field("token", &self.token)
            .finish_non_exhaustive()
    }
}

impl HubClient {
    /// A client for the configured hub; reads the CA file now so a bad one fails at start.
    pub fn new(config: &HubConfig) -> Result<HubClient> {
        let endpoint = Endpoint::parse(&config.url)?;
        if config.token.is_empty() {
            return Err(Error::Config("the hub token is empty".to_owned()));
        }
        let tls = if endpoint.https {
            let name = ServerName::try_from(endpoint.host.clone()).map_err(|_| {
                Error::Config(format!(
                    "hub host {:?} is not a valid TLS server name",
                    endpoint.host
                ))
            })?;
            Some((TlsConnector::from(Arc::new(tls_config(config)?)), name))
        } else {
            None
        };
        Ok(HubClient {
            authority: endpoint.authority(),
            endpoint,
            token: config.token.clone(),
            tls,
            timeout: config.timeout,
            conn: None,
        })
    }

    /// The hub's endpoint.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// POST an encoded batch. `Err` is a transport failure (no answer): retry later.
    pub async fn post(&mut self, body: Vec<u8>) -> std::result::Result<Answer, String> {
        match tokio::time::timeout(self.timeout, self.post_inner(body)).await {
            Ok(Ok(answer)) => Ok(answer),
            Ok(Err(e)) => {
                self.conn = None;
                Err(e)
            }
            Err(_) => {
                self.conn = None;
                Err(format!("no answer within {:?}", self.timeout))
            }
        }
    }

    async fn post_inner(&mut self, body: Vec<u8>) -> std::result::Result<Answer, String> {
        // A kept-alive connection the hub closed is noticed here, and replaced once.
        let reusable = match self.conn.as_mut() {
            Some(c) => c.ready().await.is_ok(),
            None => false,
        };
        if !reusable {
            self.conn = Some(self.connect().await?);
        }
        let request = Request::builder()
            .method(Method::POST)
            .uri(self.endpoint.path.as_str())
            .header("host", self.authority.as_str())
            .header("authorization", bearer(self.token.expose()))
            .header("content-type", CONTENT_TYPE)
            .header("content-encoding", "zstd")
            .header(
                "user-agent",
                concat!("cloudctl-agent/", env!("CARGO_PKG_VERSION")),
            )
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| format!("cannot build request: {e}"))?;
        let conn = self.conn.as_mut().ok_or("no connection")?;
        let response = conn
            .send_request(request)
            .await
            .map_err(|e| format!("request failed: {e}"))?;
        let status = response.status().as_u16();
        let body = Limited::new(response.into_body(), MAX_RESPONSE)
            .collect()
            .await
            .map_err(|e| format!("reading the answer failed: {e}"))?
            .to_bytes()
            .to_vec();
        Ok(Answer { status, body })
    }

    async fn connect(&self) -> std::result::Result<SendRequest<Full<Bytes>>, String> {
        let addr = (self.endpoint.host.as_str(), self.endpoint.port);
        let tcp = TcpStream::connect(addr)
            .await
            .map_err(|e| format!("cannot connect to {}: {e}", self.authority))?;
        let _ = tcp.set_nodelay(true);
        match &self.tls {
            None => handshake(tcp).await,
            Some((connector, name)) => {
                let tls = connector
                    .connect(name.clone(), tcp)
                    .await
                    .map_err(|e| format!("TLS with {} failed: {e}", self.authority))?;
                handshake(tls).await
            }
        }
    }
}

async fn handshake<S>(stream: S) -> std::result::Result<SendRequest<Full<Bytes>>, String>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin + 'static,
{
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| format!("HTTP handshake failed: {e}"))?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::debug!(error = %e, "Hub connection closed");
        }
    });
    Ok(sender)
}

fn tls_config(config: &HubConfig) -> Result<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    match &config.ca_file {
        Some(path) => {
            let certs = rustls::pki_types::CertificateDer::pem_file_iter(path)
                .map_err(|e| Error::Config(format!("--ca-file {}: {e}", path.display())))?;
            for cert in certs {
                let cert =
                    cert.map_err(|e| Error::Config(format!("--ca-file {}: {e}", path.display())))?;
                roots.add(cert).map_err(|e| {
                    Error::Config(format!(
                        "--ca-file {}: not a usable CA certificate: {e}",
                        path.display()
                    ))
                })?;
            }
            if roots.is_empty() {
                return Err(Error::Config(format!(
                    "--ca-file {}: no PEM certificate found; give the CA that signed the hub's certificate",
                    path.display()
                )));
            }
        }
        None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Config(format!("TLS setup failed: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_hub_urls() {
        let e = Endpoint::parse("http://127.0.0.1:7070").unwrap();
        assert_eq!(
            (e.https, e.host.as_str(), e.port, e.path.as_str()),
            (false, "127.0.0.1", 7070, "/api/v1/ingest")
        );
        let e = Endpoint::parse("https://hub.example.org/cloud/").unwrap();
        assert_eq!(
            (e.https, e.port, e.path.as_str()),
            (true, 443, "/cloud/api/v1/ingest")
        );
        let e = Endpoint::parse("http://[::1]:9/").unwrap();
        assert_eq!(
            (e.host.as_str(), e.authority()),
            ("::1", "[::1]:9".to_owned())
        );
        for bad in [
            "127.0.0.1:7070",
            "ftp://x",
            "http://",
            "http://a/?x=1",
            "http://u:p@h/",
        ] {
            let err = Endpoint::parse(bad).unwrap_err().to_string();
            assert!(err.contains("expected http://HOST:PORT"), "{bad}: {err}");
        }
    }
}
