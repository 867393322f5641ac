//! `server.cors` / `preview.cors`: which pages of other origins may load from `nexxo dev` and
//! `nexxo preview`, as Vite's servers answer them. A backend's page (Laravel, Rails, Django on
//! its own port) loads the dev server's client and modules as cross-origin module scripts, which
//! a browser runs only with `Access-Control-Allow-Origin`; the same policy decides which of those
//! pages may open the HMR WebSocket. By default only pages served from this machine may
//! (`localhost`, `127.0.0.1`, `[::1]`), so a site on the web cannot read the app's sources.

use hyper::header::{self, HeaderMap, HeaderValue};
use hyper::{Method, StatusCode};
use nexxo_config::CorsSetting;

/// The policy, compiled once per server.
pub struct Cors {
    /// `None`: every origin.
    allowed: Option<Vec<Allowed>>,
}

enum Allowed {
    Exact(String),
    Pattern(regex::Regex),
}

impl Cors {
    /// From the config (its patterns were checked when it was read; one that does not compile
    /// allows nothing).
    pub fn new(setting: Option<&CorsSetting>) -> Self {
        let allowed = CorsSetting::origins(setting).map(|list| {
            list.into_iter()
                .filter_map(|o| match o.starts_with('^') {
                    true => regex::Regex::new(&o).ok().map(Allowed::Pattern),
                    false => Some(Allowed::Exact(o.trim_end_matches('/').to_string())),
                })
                .collect()
        });
        Self { allowed }
    }

    /// Whether a page of `origin` may load from this server.
    pub fn allows(&self, origin: &str) -> bool {
        match &self.allowed {
            None => true,
            Some(list) => list.iter().any(|a| match a {
                Allowed::Exact(o) => o == origin,
                Allowed::Pattern(re) => re.is_match(origin),
            }),
        }
    }

    /// The answer to a CORS preflight (`OPTIONS` with `Access-Control-Request-Method`) from an
    /// allowed origin: 204 with the methods and headers asked for. `None` for anything else
    /// (the request goes on as usual).
    pub fn preflight(&self, method: &Method, headers: &HeaderMap) -> Option<(StatusCode, HeaderMap)> {
        if method != Method::OPTIONS || !headers.contains_key(header::ACCESS_CONTROL_REQUEST_METHOD) {
            return None;
        }
        let mut out = HeaderMap::new();
        self.add(headers.get(header::ORIGIN), &mut out);
        if !out.contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN) {
            return None;
        }
        out.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("GET,HEAD,PUT,PATCH,POST,DELETE"));
        if let Some(asked) = headers.get(header::ACCESS_CONTROL_REQUEST_HEADERS) {
            out.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, asked.clone());
        }
        out.insert(header::CONTENT_LENGTH, HeaderValue::from_static("0"));
        Some((StatusCode::NO_CONTENT, out))
    }

    /// Adds `Access-Control-Allow-Origin` for the request's `Origin` to a response when allowed
    /// (and `Vary: Origin`, since the answer depends on it), unless the response has its own (a
    /// proxied backend's).
    pub fn add(&self, origin: Option<&HeaderValue>, response: &mut HeaderMap) {
        if response.contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN) {
            return;
        }
        let Some(origin) = origin else { return };
        if self.allowed.is_none() {
            response.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
            return;
        }
        if origin.to_str().is_ok_and(|o| self.allows(o)) {
            response.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
            response.append(header::VARY, HeaderValue::from_static("Origin"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nexxo_config::CorsOrigin;

    #[test]
    fn vite_default_allows_this_machine_only() {
        let cors = Cors::new(None);
        for ok in ["http://localhost:8000", "http://127.0.0.1:3000", "https://app.localhost", "http://[::1]:80"] {
            assert!(cors.allows(ok), "{ok}");
        }
        for no in ["https://evil.example", "http://localhost.evil.example", "http://127.0.0.1.nip.io", "null"] {
            assert!(!cors.allows(no), "{no}");
        }
        let list = CorsSetting::Options {
            origin: CorsOrigin::Many(vec!["https://app.test".into(), "^https://.*\\.corp\\.test$".into()]),
        };
        let cors = Cors::new(Some(&list));
        assert!(cors.allows("https://app.test") && cors.allows("https://a.corp.test"));
        assert!(!cors.allows("http://localhost:8000"));
        assert!(!Cors::new(Some(&CorsSetting::All(false))).allows("http://localhost:1"));

        let mut req = HeaderMap::new();
        req.insert(header::ORIGIN, HeaderValue::from_static("https://app.test"));
        req.insert(header::ACCESS_CONTROL_REQUEST_METHOD, HeaderValue::from_static("POST"));
        let (status, h) = cors.preflight(&Method::OPTIONS, &req).unwrap();
        assert_eq!(status, StatusCode::NO_CONTENT);
        assert_eq!(h.get(header::ACCESS_CONTROL_ALLOW_ORIGIN).unwrap(), "https://app.test");
        req.insert(header::ORIGIN, HeaderValue::from_static("https://evil.example"));
        assert!(cors.preflight(&Method::OPTIONS, &req).is_none());
        let mut resp = HeaderMap::new();
        Cors::new(Some(&CorsSetting::All(true))).add(req.get(header::ORIGIN), &mut resp);
        assert_eq!(resp.get(header::ACCESS_CONTROL_ALLOW_ORIGIN).unwrap(), "*");
    }
}
