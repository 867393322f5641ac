//! `server.proxy` / `preview.proxy`: requests whose URL a rule matches go to another server, as
//! Vite's proxy middleware sends them (http-proxy): same method, headers and body, the path
//! rewritten if asked, the answer streamed back as it comes; WebSocket upgrades too when the rule
//! says `ws`. Used by `nexxo dev` and `nexxo preview` before anything else answers a request.
//! An `https://` (`wss://`) target is reached over TLS (rustls, Mozilla's roots), its certificate
//! checked unless the rule says `secure: false`.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::{Either, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{HeaderMap, Request, Response, StatusCode, header};
use hyper_util::rt::TokioIo;
use nexxo_config::{ProxyRule, ProxyTarget};
use regex::Regex;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::{self, ClientConfig, pki_types::ServerName};

use crate::style::Style;

/// A response body: one the server made, or the backend's, streamed through.
pub type Body = Either<Full<Bytes>, Incoming>;

/// How long a backend may take to accept a connection before the request gets a 502.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Headers that describe one connection, not the message (RFC 9110, 7.6.1): never forwarded.
const HOP_BY_HOP: [&str; 8] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "proxy-authenticate",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

struct Route {
    key: String,
    /// For a key that starts with `^`; other keys are path prefixes.
    pattern: Option<Regex>,
    rule: ProxyRule,
    target: ProxyTarget,
    rewrite: Vec<(Regex, String)>,
}

#[derive(Default)]
pub struct Proxy {
    routes: Vec<Route>,
    /// TLS for `https` targets: checking certificates against Mozilla's roots, and (`secure:
    /// false`) taking any; made once, when a rule needs it.
    tls: Option<Tls>,
}

struct Tls {
    checked: TlsConnector,
    any: TlsConnector,
}

impl Tls {
    fn new() -> Self {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
        let builder = || {
            ClientConfig::builder_with_provider(Arc::clone(&provider))
                .with_safe_default_protocol_versions()
                .expect("ring supports TLS 1.2 and 1.3")
        };
        let checked = builder().with_root_certificates(roots).with_no_client_auth();
        let any = builder()
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyCertificate(Arc::clone(&provider))))
            .with_no_client_auth();
        Tls { checked: TlsConnector::from(Arc::new(checked)), any: TlsConnector::from(Arc::new(any)) }
    }
}

/// `secure: false`: any certificate is taken (a self-signed one), as http-proxy does; the
/// handshake's signatures are still checked, so the connection is to the key's holder.
#[derive(Debug)]
struct AnyCertificate(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &rustls::pki_types::CertificateDer<'_>,
        _intermediates: &[rustls::pki_types::CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

impl Proxy {
    /// The config's rules (checked when it was read). The config file is JSON, whose objects
    /// have no order here, so the longest key is tried first: a more specific prefix wins over
    /// a shorter one, as it does in Vite when written first (the only order in which Vite ever
    /// reaches it).
    pub fn new(rules: &BTreeMap<String, ProxyRule>) -> Result<Self, String> {
        let mut routes = Vec::new();
        for (key, rule) in rules {
            let pattern = if key.starts_with('^') {
                Some(Regex::new(key).map_err(|e| format!("proxy key `{key}`: {e}"))?)
            } else {
                None
            };
            let rewrite = rule
                .rewrite
                .iter()
                .map(|(p, to)| {
                    Regex::new(p).map(|re| (re, to.clone())).map_err(|e| format!("proxy `{key}` rewrite: {e}"))
                })
                .collect::<Result<_, _>>()?;
            let target = rule.target().map_err(|e| format!("proxy `{key}`: {e}"))?;
            routes.push(Route { key: key.clone(), pattern, rule: rule.clone(), target, rewrite });
        }
        routes.sort_by(|a, b| b.key.len().cmp(&a.key.len()).then_with(|| a.key.cmp(&b.key)));
        let tls = routes.iter().any(|r| r.target.tls).then(Tls::new);
        Ok(Proxy { routes, tls })
    }

    fn route(&self, url: &str, upgrade: bool) -> Option<&Route> {
        self.routes.iter().find(|r| {
            let matched = r.pattern.as_ref().map_or_else(|| url.starts_with(&r.key), |re| re.is_match(url));
            // An upgrade goes through only a rule that says `ws` (or has a ws:// target), as in Vite.
            matched && (!upgrade || r.rule.ws || r.rule.target.trim_start().to_ascii_lowercase().starts_with("ws"))
        })
    }

    /// The path and query the backend is asked for: the rules' rewrites applied, after the
    /// target's own path.
    fn backend_path(route: &Route, url: &str) -> String {
        let mut path = url.to_string();
        for (re, to) in &route.rewrite {
            path = re.replace(&path, to.as_str()).into_owned();
        }
        if !path.starts_with('/') {
            path.insert(0, '/');
        }
        format!("{}{path}", route.target.path)
    }

    /// Forwards `req` if a rule matches its URL; gives it back otherwise.
    pub async fn handle(&self, mut req: Request<Incoming>) -> Result<Response<Body>, Request<Incoming>> {
        let url = req.uri().path_and_query().map_or("/", |p| p.as_str()).to_string();
        let upgrade = is_upgrade(req.headers());
        let Some(route) = self.route(&url, upgrade) else { return Err(req) };
        let path = Self::backend_path(route, &url);
        let client_upgrade = upgrade.then(|| hyper::upgrade::on(&mut req));
        match forward(route, self.tls.as_ref(), path.clone(), req, upgrade).await {
            Ok(mut resp) => {
                if let Some(client_upgrade) =
                    client_upgrade.filter(|_| resp.status() == StatusCode::SWITCHING_PROTOCOLS)
                {
                    let backend_upgrade = hyper::upgrade::on(&mut resp);
                    // Bytes both ways once both sides have switched; it ends when either closes.
                    tokio::spawn(async move {
                        let (Ok(client), Ok(backend)) = tokio::join!(client_upgrade, backend_upgrade) else { return };
                        let _ =
                            tokio::io::copy_bidirectional(&mut TokioIo::new(client), &mut TokioIo::new(backend)).await;
                    });
                    let (parts, _) = resp.into_parts();
                    return Ok(Response::from_parts(parts, Either::Left(Full::new(Bytes::new()))));
                }
                let (mut parts, body) = resp.into_parts();
                strip_hop_by_hop(&mut parts.headers);
                Ok(Response::from_parts(parts, Either::Right(body)))
            }
            Err(e) => {
                let scheme = if route.target.tls { "https" } else { "http" };
                let target = format!("{scheme}://{}{path}", route.target.host_header);
                eprintln!("{} {url} -> {target}: {e}", Style::stderr().red("http proxy error:"));
                let mut r = Response::new(Either::Left(Full::new(Bytes::from(format!(
                    "Nexxo's proxy (server.proxy \"{}\") could not reach {target}: {e}\n",
                    route.key
                )))));
                *r.status_mut() = StatusCode::BAD_GATEWAY;
                r.headers_mut()
                    .insert(header::CONTENT_TYPE, header::HeaderValue::from_static("text/plain; charset=utf-8"));
                Ok(r)
            }
        }
    }
}

fn is_upgrade(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONNECTION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case("upgrade")))
        && headers.contains_key(header::UPGRADE)
}

fn strip_hop_by_hop(headers: &mut HeaderMap) {
    // Names the `Connection` header lists are hop-by-hop too.
    let listed: Vec<String> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(',').map(|t| t.trim().to_ascii_lowercase()))
        .collect();
    for name in HOP_BY_HOP.iter().copied().chain(listed.iter().map(String::as_str)) {
        headers.remove(name);
    }
}

async fn forward(
    route: &Route,
    tls: Option<&Tls>,
    path: String,
    req: Request<Incoming>,
    upgrade: bool,
) -> Result<Response<Incoming>, String> {
    let (mut parts, body) = req.into_parts();
    let upgrade_to = parts.headers.get(header::UPGRADE).cloned();
    strip_hop_by_hop(&mut parts.headers);
    if let (true, Some(to)) = (upgrade, upgrade_to) {
        parts.headers.insert(header::CONNECTION, header::HeaderValue::from_static("upgrade"));
        parts.headers.insert(header::UPGRADE, to);
    }
    if route.rule.change_origin || !parts.headers.contains_key(header::HOST) {
        let host = header::HeaderValue::from_str(&route.target.host_header).map_err(|e| e.to_string())?;
        parts.headers.insert(header::HOST, host);
    }
    for (name, value) in &route.rule.headers {
        let name = header::HeaderName::from_bytes(name.as_bytes()).map_err(|e| format!("header `{name}`: {e}"))?;
        let value = header::HeaderValue::from_str(value).map_err(|e| format!("header `{name}`: {e}"))?;
        parts.headers.insert(name, value);
    }
    parts.uri = path.parse().map_err(|e| format!("`{path}` is not a request path: {e}"))?;
    parts.version = hyper::Version::HTTP_11;
    let stream = tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(&route.target.authority))
        .await
        .map_err(|_| format!("no connection within {} s", CONNECT_TIMEOUT.as_secs()))?
        .map_err(|e| e.to_string())?;
    let _ = stream.set_nodelay(true);
    let req = Request::from_parts(parts, body);
    let Some(tls) = tls.filter(|_| route.target.tls) else { return send(stream, req).await };
    let name = ServerName::try_from(route.target.host.clone()).map_err(|e| format!("`{}`: {e}", route.target.host))?;
    let connector = if route.rule.secure { &tls.checked } else { &tls.any };
    let stream = connector.connect(name, stream).await.map_err(|e| {
        let hint = if route.rule.secure { " (a self-signed certificate? `secure: false` takes it)" } else { "" };
        format!("TLS: {e}{hint}")
    })?;
    send(stream, req).await
}

/// One request on a new HTTP/1.1 connection over `io` (kept open for an upgrade).
async fn send<T>(io: T, req: Request<Incoming>) -> Result<Response<Incoming>, String>
where
    T: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(TokioIo::new(io)).await.map_err(|e| e.to_string())?;
    tokio::spawn(connection.with_upgrades());
    sender.send_request(req).await.map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proxy(json: &str) -> Proxy {
        let rules: BTreeMap<String, ProxyRule> = serde_json::from_str(json).unwrap();
        Proxy::new(&rules).unwrap()
    }

    #[test]
    fn routes_longest_key_first_and_rewrites() {
        let p = proxy(
            r#"{"/api": "http://a:1", "/api/v2": {"target": "http://b:2/base", "rewrite": {"^/api/v2": ""}},
                "^/fallback/.*": {"target": "http://c:3", "rewrite": {"^/fallback": ""}},
                "/socket": {"target": "http://d:4", "ws": true}}"#,
        );
        let r = p.route("/api/v2/users?x=1", false).unwrap();
        assert_eq!(Proxy::backend_path(r, "/api/v2/users?x=1"), "/base/users?x=1");
        let r = p.route("/api/x", false).unwrap();
        assert_eq!((r.key.as_str(), Proxy::backend_path(r, "/api/x").as_str()), ("/api", "/api/x"));
        let r = p.route("/fallback/", false).unwrap();
        assert_eq!(Proxy::backend_path(r, "/fallback/"), "/");
        assert!(p.route("/fallback", false).is_none());
        assert!(p.route("/src/main.ts", false).is_none());
        // Upgrades only where the rule says `ws`.
        assert!(p.route("/api/x", true).is_none());
        assert_eq!(p.route("/socket", true).unwrap().key, "/socket");
    }

    #[test]
    fn a_rewrite_to_nothing_asks_for_the_root() {
        let p = proxy(r#"{"/api": {"target": "http://a:1", "rewrite": {"^/api": ""}}}"#);
        let r = p.route("/api", false).unwrap();
        assert_eq!(Proxy::backend_path(r, "/api"), "/");
        assert_eq!(Proxy::backend_path(r, "/api?q=1"), "/?q=1");
    }
}
