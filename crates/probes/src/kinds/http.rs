//! HTTP(S): the status is as expected (after following redirects), the body holds a keyword, and the
//! answer comes fast enough. A redirect to the configured auth portal (forward auth) counts as up.

use std::sync::Arc;
use std::time::Instant;

use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper::{Request, StatusCode, Uri, header};
use hyper_util::rt::TokioIo;
use rustls::ClientConfig;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncRead, AsyncWrite};

use crate::error::{Error, Result};
use crate::net::connect;
use crate::probe::{BoxFuture, CertInfo, Detail, Failure, FailureKind, Probe};
use crate::tls::{TlsOptions, handshake, peer_cert};

/// How much of a body is searched for the keyword; bounds memory per probe.
const BODY_LIMIT: usize = 1 << 20;
/// How much of a body is kept without a keyword: enough to quote an error page in the failure.
const SNIPPET_LIMIT: usize = 512;

/// The request method.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    /// GET (the default).
    #[default]
    Get,
    /// HEAD: no body, so no keyword.
    Head,
}

/// Configuration of an HTTP(S) probe.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HttpConfig {
    /// `http://…` or `https://…`.
    pub url: String,
    /// The request method.
    #[serde(default)]
    pub method: Method,
    /// Accepted final status codes; empty means 200–399.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub expect_status: Vec<u16>,
    /// Text the body must contain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keyword: Option<String>,
    /// Redirects followed before the answer counts as final.
    #[serde(default = "default_redirects")]
    pub max_redirects: u32,
    /// URL prefix of a forward-auth portal: a redirect there counts as up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_portal: Option<String>,
    /// Slower answers (whole exchange, in milliseconds) fail the probe.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_response_ms: Option<u64>,
    /// How the certificate is checked, for HTTPS.
    #[serde(default)]
    pub tls: TlsOptions,
}

fn default_redirects() -> u32 {
    5
}

struct HttpProbe {
    url: Uri,
    config: HttpConfig,
    tls: Arc<ClientConfig>,
}

pub(crate) fn build(name: &str, c: &HttpConfig) -> Result<Box<dyn Probe>> {
    let url: Uri = c
        .url
        .parse()
        .map_err(|e| Error::config(name, format!("url `{}` is not a URL: {e}", c.url)))?;
    if !matches!(url.scheme_str(), Some("http" | "https")) || url.host().is_none() {
        return Err(Error::config(
            name,
            format!(
                "url `{}` must be absolute, starting with http:// or https://",
                c.url
            ),
        ));
    }
    if c.keyword.is_some() && c.method == Method::Head {
        return Err(Error::config(
            name,
            "a keyword needs a body: use method GET, not HEAD",
        ));
    }
    Ok(Box::new(HttpProbe {
        url,
        config: c.clone(),
        tls: c.tls.client_config(name)?,
    }))
}

/// One request's answer.
struct Answer {
    status: StatusCode,
    location: Option<String>,
    body: Vec<u8>,
    cert: Option<CertInfo>,
}

impl HttpProbe {
    fn status_ok(&self, status: StatusCode) -> bool {
        if self.config.expect_status.is_empty() {
            (200..400).contains(&status.as_u16())
        } else {
            self.config.expect_status.contains(&status.as_u16())
        }
    }

    async fn fetch(&self, url: &Uri) -> Result<Answer, Failure> {
        let host = url.host().unwrap_or_default();
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let https = url.scheme_str() == Some("https");
        let port = url.port_u16().unwrap_or(if https { 443 } else { 80 });
        let authority = url
            .authority()
            .map(|a| a.as_str())
            .unwrap_or(host)
            .to_owned();
        let path = url.path_and_query().map(|p| p.as_str()).unwrap_or("/");
        let method = match self.config.method {
            Method::Get => hyper::Method::GET,
            Method::Head => hyper::Method::HEAD,
        };
        let request = Request::builder()
            .method(method)
            .uri(path)
            .header(header::HOST, authority)
            .header(
                header::USER_AGENT,
                concat!("cloudctl-probe/", env!("CARGO_PKG_VERSION")),
            )
            .header(header::CONNECTION, "close")
            .body(Empty::<Bytes>::new())
            .map_err(|e| {
                Failure::new(
                    FailureKind::Check,
                    format!("cannot build a request for {url}: {e}"),
                )
            })?;
        let body_limit = match (&self.config.keyword, self.config.method) {
            (Some(_), _) => BODY_LIMIT,
            (None, Method::Get) => SNIPPET_LIMIT,
            (None, Method::Head) => 0,
        };
        let stream = connect(host, port).await?;
        if https {
            let tls = handshake(stream, self.config.tls.name_for(host), self.tls.clone()).await?;
            let cert = peer_cert(&tls);
            let mut answer = exchange(tls, request, body_limit, url).await?;
            answer.cert = cert;
            Ok(answer)
        } else {
            exchange(stream, request, body_limit, url).await
        }
    }

    async fn run(&self) -> Result<Detail, Failure> {
        let began = Instant::now();
        let mut url = self.url.clone();
        let mut redirects = 0;
        let answer = loop {
            let answer = self.fetch(&url).await?;
            let Some(location) = answer
                .location
                .as_deref()
                .filter(|_| answer.status.is_redirection())
            else {
                break answer;
            };
            let next = resolve(&url, location)?;
            if let Some(portal) = &self.config.auth_portal
                && next.to_string().starts_with(portal.as_str())
            {
                return Ok(Detail::Http {
                    status: answer.status.as_u16(),
                    redirects,
                    final_url: url.to_string(),
                    auth_portal: true,
                    cert: answer.cert,
                });
            }
            if redirects >= self.config.max_redirects {
                // A redirect is a final answer only when asked for: listed in expect_status, or
                // with following turned off; otherwise it is a loop or a chain too long.
                let code = answer.status.as_u16();
                let wanted = self.config.expect_status.contains(&code)
                    || (self.config.max_redirects == 0 && self.status_ok(answer.status));
                if wanted {
                    break answer;
                }
                return Err(Failure::new(
                    FailureKind::Check,
                    format!(
                        "more than {} redirects; the last one from {url} to {next}",
                        self.config.max_redirects
                    ),
                ));
            }
            redirects += 1;
            url = next;
        };
        if !self.status_ok(answer.status) {
            let snippet = String::from_utf8_lossy(&answer.body[..answer.body.len().min(120)])
                .trim()
                .to_owned();
            let expected = if self.config.expect_status.is_empty() {
                "200–399".to_owned()
            } else {
                format!("{:?}", self.config.expect_status)
            };
            let mut message = format!("{url} answered {}, expected {expected}", answer.status);
            if !snippet.is_empty() {
                message.push_str(&format!(": {snippet}"));
            }
            return Err(Failure::new(FailureKind::Check, message));
        }
        if let Some(keyword) = &self.config.keyword
            && !contains(&answer.body, keyword.as_bytes())
        {
            return Err(Failure::new(
                FailureKind::Check,
                format!(
                    "{url} answered {} but its body ({} bytes read) does not contain `{keyword}`",
                    answer.status,
                    answer.body.len()
                ),
            ));
        }
        let elapsed = began.elapsed().as_millis() as u64;
        if let Some(max) = self.config.max_response_ms
            && elapsed > max
        {
            return Err(Failure::new(
                FailureKind::Check,
                format!("{url} took {elapsed} ms to answer, more than {max} ms"),
            ));
        }
        Ok(Detail::Http {
            status: answer.status.as_u16(),
            redirects,
            final_url: url.to_string(),
            auth_portal: false,
            cert: answer.cert,
        })
    }
}

impl Probe for HttpProbe {
    fn kind(&self) -> &'static str {
        "http"
    }

    fn check(&self) -> BoxFuture<'_, Result<Detail, Failure>> {
        Box::pin(self.run())
    }
}

async fn exchange<S>(
    stream: S,
    request: Request<Empty<Bytes>>,
    body_limit: usize,
    url: &Uri,
) -> Result<Answer, Failure>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let http_error = |e: hyper::Error| {
        Failure::new(
            FailureKind::Protocol,
            format!("HTTP exchange with {url} failed: {e}"),
        )
    };
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(http_error)?;
    let driver = tokio::spawn(conn);
    let outcome = async {
        let response = sender.send_request(request).await.map_err(http_error)?;
        let status = response.status();
        let location = response
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let mut body = Vec::new();
        if body_limit > 0 {
            let mut incoming = response.into_body();
            while body.len() < body_limit {
                let Some(frame) = incoming.frame().await else {
                    break;
                };
                let frame = frame.map_err(http_error)?;
                if let Some(data) = frame.data_ref() {
                    let take = data.len().min(body_limit - body.len());
                    body.extend_from_slice(&data[..take]);
                }
            }
        }
        Ok(Answer {
            status,
            location,
            body,
            cert: None,
        })
    }
    .await;
    driver.abort();
    outcome
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || haystack.windows(needle.len()).any(|w| w == needle)
}

/// Resolves a `Location` header against the URL that sent it.
fn resolve(base: &Uri, location: &str) -> Result<Uri, Failure> {
    let scheme = base.scheme_str().unwrap_or("http");
    let authority = base.authority().map(|a| a.as_str()).unwrap_or("");
    let text = if location.starts_with("http://") || location.starts_with("https://") {
        location.to_owned()
    } else if let Some(rest) = location.strip_prefix("//") {
        format!("{scheme}://{rest}")
    } else if location.starts_with('/') {
        format!("{scheme}://{authority}{location}")
    } else {
        let path = base.path();
        let dir = &path[..path.rfind('/').map(|i| i + 1).unwrap_or(0)];
        format!("{scheme}://{authority}{dir}{location}")
    };
    text.parse().map_err(|e| {
        Failure::new(
            FailureKind::Protocol,
            format!("{base} redirects to `{location}`, which is not a URL: {e}"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_locations() {
        let base: Uri = "https://a.example:8443/x/y?q=1".parse().unwrap();
        assert_eq!(
            resolve(&base, "/login").unwrap().to_string(),
            "https://a.example:8443/login"
        );
        assert_eq!(
            resolve(&base, "z").unwrap().to_string(),
            "https://a.example:8443/x/z"
        );
        assert_eq!(
            resolve(&base, "//b.example/p").unwrap().to_string(),
            "https://b.example/p"
        );
        assert_eq!(
            resolve(&base, "http://c.example/").unwrap().to_string(),
            "http://c.example/"
        );
    }

    #[test]
    fn refuses_relative_urls_and_head_with_keyword() {
        let mut c: HttpConfig = serde_json::from_str(r#"{"url":"/just/a/path"}"#).unwrap();
        assert!(
            build("p", &c)
                .err()
                .unwrap()
                .to_string()
                .contains("must be absolute")
        );
        c.url = "http://127.0.0.1/".into();
        c.method = Method::Head;
        c.keyword = Some("x".into());
        assert!(
            build("p", &c)
                .err()
                .unwrap()
                .to_string()
                .contains("use method GET")
        );
    }
}
