//! A small HTTP(S) POST for the webhook and ntfy notifiers: one request per connection.

use std::sync::Arc;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{Request, Uri, header};
use hyper_util::rt::TokioIo;
use rustls::ClientConfig;
use rustls::pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

/// Checks a notifier URL: absolute, http or https.
pub(crate) fn parse_url(text: &str) -> Result<Uri, String> {
    let uri: Uri = text
        .parse()
        .map_err(|e| format!("`{text}` is not a URL: {e}"))?;
    if !matches!(uri.scheme_str(), Some("http" | "https")) || uri.host().is_none() {
        return Err(format!(
            "`{text}` must be an absolute http:// or https:// URL"
        ));
    }
    Ok(uri)
}

/// POSTs `body` with extra headers; returns an error text unless the answer is 2xx.
pub(crate) async fn post(
    url: &Uri,
    content_type: &str,
    headers: &[(&str, String)],
    body: Vec<u8>,
    tls: Arc<ClientConfig>,
) -> Result<(), String> {
    let (status, answer) = send(hyper::Method::POST, url, content_type, headers, body, tls).await?;
    if status.is_success() {
        return Ok(());
    }
    // Quote the start of the answer: servers say why they refused.
    let text = String::from_utf8_lossy(&answer[..answer.len().min(200)])
        .trim()
        .to_owned();
    Err(format!("POST {url} answered {status}: {text}"))
}

/// Sends one request and reads the whole answer (bounded to 4 MiB).
pub(crate) async fn send(
    method: hyper::Method,
    url: &Uri,
    content_type: &str,
    headers: &[(&str, String)],
    body: Vec<u8>,
    tls: Arc<ClientConfig>,
) -> Result<(hyper::StatusCode, Bytes), String> {
    let host = url
        .host()
        .unwrap_or_default()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let https = url.scheme_str() == Some("https");
    let port = url.port_u16().unwrap_or(if https { 443 } else { 80 });
    let mut request = Request::builder()
        .method(method)
        .uri(url.path_and_query().map(|p| p.as_str()).unwrap_or("/"))
        .header(
            header::HOST,
            url.authority().map(|a| a.as_str()).unwrap_or(&host),
        )
        .header(header::CONTENT_TYPE, content_type)
        .header(
            header::USER_AGENT,
            concat!("cloudctl-alerts/", env!("CARGO_PKG_VERSION")),
        )
        .header(header::CONNECTION, "close");
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    let request = request
        .body(Full::new(Bytes::from(body)))
        .map_err(|e| format!("cannot build the request: {e}"))?;
    let stream = TcpStream::connect((host.as_str(), port))
        .await
        .map_err(|e| format!("cannot connect to {host}:{port}: {e}"))?;
    if https {
        let name = ServerName::try_from(host.clone()).map_err(|e| format!("`{host}`: {e}"))?;
        let tls = tokio_rustls::TlsConnector::from(tls)
            .connect(name, stream)
            .await
            .map_err(|e| format!("TLS handshake with {host} failed: {e}"))?;
        exchange(tls, request, url).await
    } else {
        exchange(stream, request, url).await
    }
}

async fn exchange<S>(
    stream: S,
    request: Request<Full<Bytes>>,
    url: &Uri,
) -> Result<(hyper::StatusCode, Bytes), String>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| format!("HTTP with {url} failed: {e}"))?;
    let driver = tokio::spawn(conn);
    let outcome = async {
        let response = sender
            .send_request(request)
            .await
            .map_err(|e| format!("request to {url} failed: {e}"))?;
        let status = response.status();
        let body = http_body_util::Limited::new(response.into_body(), 4 << 20)
            .collect()
            .await
            .map(|b| b.to_bytes())
            .map_err(|e| format!("reading the answer of {url}: {e}"))?;
        Ok((status, body))
    }
    .await;
    driver.abort();
    outcome
}
