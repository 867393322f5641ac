//! `server.headers` / `preview.headers` and `server.open` / `preview.open` (`--open`): what Vite's
//! dev and preview servers do around serving, shared by `nexxo dev` and `nexxo preview`.

use std::collections::BTreeMap;
use std::process::{Command, Stdio};

use hyper::header::{HeaderMap, HeaderName, HeaderValue};
use nexxo_config::OpenSetting;

use crate::style::Style;

/// The configured headers (checked when the config was read; anything that still does not parse
/// is left out).
pub fn headers(config: &BTreeMap<String, String>) -> HeaderMap {
    config
        .iter()
        .filter_map(|(k, v)| Some((HeaderName::from_bytes(k.as_bytes()).ok()?, HeaderValue::from_str(v).ok()?)))
        .collect()
}

/// Adds `extra` to a response that does not set them itself (a proxied backend's own win).
pub fn add_headers(target: &mut HeaderMap, extra: &HeaderMap) {
    for (name, value) in extra {
        if !target.contains_key(name) {
            target.insert(name, value.clone());
        }
    }
}

/// The URL to open, if any: `--open [path]` wins over the config; a path is taken under `url`'s
/// origin (`/docs/`), `true` opens `url` itself.
pub fn open_url(url: &str, cli: Option<&str>, config: Option<&OpenSetting>) -> Option<String> {
    let path = match (cli, config) {
        (Some(p), _) => p.to_string(),
        (None, Some(OpenSetting::Path(p))) => p.clone(),
        (None, Some(OpenSetting::Yes(true))) => String::new(),
        _ => return None,
    };
    if path.is_empty() {
        return Some(url.to_string());
    }
    let origin = url.splitn(4, '/').take(3).collect::<Vec<_>>().join("/");
    Some(format!("{origin}{}{path}", if path.starts_with('/') { "" } else { "/" }))
}

/// Opens `url` in the browser, as Vite does: the program `BROWSER` names (`none`: nowhere), else
/// the system's opener. A failure is a warning; the server goes on.
pub fn open_browser(url: &str) {
    let browser = std::env::var("BROWSER").ok().filter(|b| !b.trim().is_empty());
    if browser.as_deref() == Some("none") {
        return;
    }
    let mut command = match browser {
        Some(b) => Command::new(b),
        None if cfg!(target_os = "macos") => Command::new("open"),
        None if cfg!(windows) => {
            let mut c = Command::new("cmd");
            c.args(["/c", "start", ""]);
            c
        }
        None => Command::new("xdg-open"),
    };
    command.arg(url).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null());
    match command.spawn() {
        // Not waited for: an opener may run as long as the browser does. A thread reaps it.
        Ok(mut child) => {
            std::thread::spawn(move || child.wait());
        }
        Err(e) => eprintln!(
            "{} could not open a browser ({e}); open {url} yourself, or set BROWSER",
            Style::stderr().yellow("warning:")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn which_url_opens() {
        let url = "http://localhost:5173/app/";
        assert_eq!(open_url(url, None, None), None);
        assert_eq!(open_url(url, None, Some(&OpenSetting::Yes(false))), None);
        assert_eq!(open_url(url, None, Some(&OpenSetting::Yes(true))).as_deref(), Some(url));
        assert_eq!(open_url(url, Some(""), None).as_deref(), Some(url));
        assert_eq!(
            open_url(url, None, Some(&OpenSetting::Path("/docs/".into()))).as_deref(),
            Some("http://localhost:5173/docs/")
        );
        assert_eq!(
            open_url(url, Some("x.html"), Some(&OpenSetting::Yes(false))).as_deref(),
            Some("http://localhost:5173/x.html")
        );
    }
}
