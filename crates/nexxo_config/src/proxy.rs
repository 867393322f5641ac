//! `server.proxy` / `preview.proxy`: Vite's dev-server proxy, as data. Checked here (a target
//! that is not a plain-HTTP URL, a pattern that does not compile) so a mistake is a located config
//! error before the server starts; the servers route with [`ProxyRule`]s.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One entry, normalized: Vite's string shorthand (`"/api": "http://localhost:3000"`) is a rule with
/// `changeOrigin: true`, as in Vite.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Value", rename_all = "camelCase")]
pub struct ProxyRule {
    /// `http://host[:port][/path]` or `https://` (`ws://`, `wss://` the same): where matching
    /// requests go; a path here is put before the request's path, as http-proxy does.
    pub target: String,
    /// Send the target's host in the `Host` header instead of the dev server's.
    pub change_origin: bool,
    /// Also forward WebSocket upgrades that match (always so for a `ws://` target).
    pub ws: bool,
    /// Regular expression -> replacement, applied to the path and query before forwarding (the
    /// first match of each; `$1` names a group). Vite's `rewrite: (p) => p.replace(/^\/api/, '')`
    /// is `{ "^/api": "" }`.
    pub rewrite: BTreeMap<String, String>,
    /// Headers added to every forwarded request.
    pub headers: BTreeMap<String, String>,
    /// Check an `https` target's certificate (Vite's `secure`, true by default); `false` takes a
    /// self-signed one, as a local or staging backend often has.
    pub secure: bool,
}

const FIELDS: [&str; 6] = ["target", "changeOrigin", "ws", "rewrite", "headers", "secure"];

impl TryFrom<Value> for ProxyRule {
    type Error = String;

    fn try_from(value: Value) -> Result<Self, String> {
        let rule = match value {
            Value::String(target) => ProxyRule {
                target,
                change_origin: true,
                ws: false,
                rewrite: BTreeMap::new(),
                headers: BTreeMap::new(),
                secure: true,
            },
            Value::Object(map) => {
                if let Some(key) = map.keys().find(|k| !FIELDS.contains(&k.as_str())) {
                    return Err(format!(
                        "unknown proxy option `{key}` (Nexxo's proxy takes {}; functions such as `configure` and `bypass` cannot be written in JSON)",
                        FIELDS.join(", ")
                    ));
                }
                let bool_field = |k: &str, default: bool| match map.get(k) {
                    None | Some(Value::Null) => Ok(default),
                    Some(Value::Bool(b)) => Ok(*b),
                    Some(_) => Err(format!("`{k}` must be true or false")),
                };
                let strings = |k: &str| -> Result<BTreeMap<String, String>, String> {
                    match map.get(k) {
                        None | Some(Value::Null) => Ok(BTreeMap::new()),
                        Some(Value::Object(m)) => m
                            .iter()
                            .map(|(a, b)| match b {
                                Value::String(s) => Ok((a.clone(), s.clone())),
                                _ => Err(format!("`{k}.{a}` must be a string")),
                            })
                            .collect(),
                        Some(_) => Err(format!("`{k}` must be an object of strings")),
                    }
                };
                let Some(Value::String(target)) = map.get("target") else {
                    return Err("a proxy entry needs a `target` URL (\"http://localhost:3000\")".into());
                };
                ProxyRule {
                    target: target.clone(),
                    change_origin: bool_field("changeOrigin", false)?,
                    ws: bool_field("ws", false)?,
                    rewrite: strings("rewrite")?,
                    headers: strings("headers")?,
                    secure: bool_field("secure", true)?,
                }
            }
            _ => return Err("a proxy entry is a target URL or an object with a `target`".into()),
        };
        rule.check()?;
        Ok(rule)
    }
}

/// Where a target URL points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// `host:port` to connect to (`[::1]:80` for an IPv6 address).
    pub authority: String,
    /// What a `Host` header names: the authority as written (without a default port).
    pub host_header: String,
    /// The target's path without a trailing `/` (`""` for none).
    pub path: String,
    /// `https://` or `wss://`: the connection is TLS.
    pub tls: bool,
    /// The host name (or address) the certificate must name.
    pub host: String,
}

impl ProxyRule {
    pub fn target(&self) -> Result<Target, String> {
        let t = self.target.trim();
        let (scheme, rest) = t.split_once("://").ok_or_else(|| format!("`{t}` is not a URL (http://host:port)"))?;
        let tls = match scheme.to_ascii_lowercase().as_str() {
            "http" | "ws" => false,
            "https" | "wss" => true,
            _ => return Err(format!("`{t}`: the target must be an http://, https://, ws:// or wss:// URL")),
        };
        let (authority, path) = match rest.find(['/', '?']) {
            Some(i) => rest.split_at(i),
            None => (rest, ""),
        };
        if authority.is_empty() || authority.contains('@') {
            return Err(format!("`{t}`: the target must name a host (credentials in the URL are not supported)"));
        }
        let has_port = match authority.rsplit_once(']') {
            Some((_, after)) => after.contains(':'),
            None => authority.contains(':'),
        };
        if has_port && authority.rsplit(':').next().and_then(|p| p.parse::<u16>().ok()).is_none() {
            return Err(format!("`{t}`: the port is not a number"));
        }
        let path = path.split('?').next().unwrap_or("").trim_end_matches('/').to_string();
        let host = match authority.rsplit_once(']') {
            Some((ip6, _)) => ip6.trim_start_matches('[').to_string(),
            None => authority.split(':').next().unwrap_or(authority).to_string(),
        };
        let default_port = if tls { 443 } else { 80 };
        Ok(Target {
            authority: if has_port { authority.to_string() } else { format!("{authority}:{default_port}") },
            host_header: authority.to_string(),
            path,
            tls,
            host,
        })
    }

    fn check(&self) -> Result<(), String> {
        self.target()?;
        for pattern in self.rewrite.keys() {
            regex::Regex::new(pattern)
                .map_err(|e| format!("`rewrite` pattern `{pattern}` is not a regular expression: {e}"))?;
        }
        Ok(())
    }
}

/// Checks the entries' keys: a key that starts with `^` is a regular expression (as in Vite).
pub(crate) fn check_keys(proxy: &BTreeMap<String, ProxyRule>) -> Result<(), (String, String)> {
    for key in proxy.keys() {
        if key.starts_with('^') {
            regex::Regex::new(key)
                .map_err(|e| (key.clone(), format!("proxy key `{key}` is not a regular expression: {e}")))?;
        } else if !key.starts_with('/') {
            return Err((
                key.clone(),
                format!("proxy key `{key}` must start with `/` (a path prefix) or `^` (a pattern)"),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(v: &str) -> Result<ProxyRule, String> {
        ProxyRule::try_from(serde_json::from_str::<Value>(v).unwrap())
    }

    #[test]
    fn shorthand_and_options() {
        let r = rule(r#""http://localhost:3000""#).unwrap();
        assert!(r.change_origin);
        let t = r.target().unwrap();
        assert_eq!(
            (t.authority.as_str(), t.host_header.as_str(), t.path.as_str()),
            ("localhost:3000", "localhost:3000", "")
        );
        let r = rule(r#"{"target":"http://127.0.0.1:4000/base/","ws":true,"rewrite":{"^/api":""}}"#).unwrap();
        assert!(!r.change_origin && r.ws);
        let t = r.target().unwrap();
        assert_eq!((t.authority.as_str(), t.path.as_str()), ("127.0.0.1:4000", "/base"));
        assert_eq!(rule(r#""http://[::1]:81""#).unwrap().target().unwrap().authority, "[::1]:81");
        assert_eq!(rule(r#""ws://[::1]""#).unwrap().target().unwrap().authority, "[::1]:80");
    }

    #[test]
    fn refused_with_reasons() {
        let t = rule(r#"{"target":"https://api.example.com/v1","secure":false}"#).unwrap();
        assert!(!t.secure);
        let t = t.target().unwrap();
        assert_eq!((t.authority.as_str(), t.host.as_str(), t.tls), ("api.example.com:443", "api.example.com", true));
        assert_eq!(rule(r#""wss://[::1]:8443""#).unwrap().target().unwrap().host, "::1");
        assert!(rule(r#""ftp://x""#).unwrap_err().contains("must be an http://"));
        assert!(rule(r#""localhost:3000""#).unwrap_err().contains("not a URL"));
        assert!(rule(r#"{"target":"http://x","configure":1}"#).unwrap_err().contains("`configure`"));
        assert!(rule(r#"{"target":"http://x","rewrite":{"(":""}}"#).unwrap_err().contains("not a regular expression"));
        assert!(rule(r#"{"ws":true}"#).unwrap_err().contains("needs a `target`"));
        assert!(rule(r#""http://x:port""#).unwrap_err().contains("port"));
        let mut keys = BTreeMap::new();
        keys.insert("api".to_string(), rule(r#""http://x""#).unwrap());
        assert!(check_keys(&keys).unwrap_err().1.contains("must start with `/`"));
    }
}
