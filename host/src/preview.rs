//! `nexxo preview`: a static file server for the built output, with SPA fallback, and
//! `preview.proxy` (by default `server.proxy`, as in Vite) in front of it.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use http_body_util::{Either, Full};
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode, header};
use hyper_util::rt::TokioIo;
use nexxo_config::CliOverrides;
use tokio::net::TcpListener;

use crate::http_util::{mime, safe_path};
use crate::style::{self, Style};
use crate::{PreviewArgs, load_config};

pub fn run(args: PreviewArgs) -> Result<(), ExitCode> {
    let config = load_config::load(&args.common, CliOverrides::default(), "preview")?;
    if !config.out_dir.join("index.html").is_file() && !config.out_dir.is_dir() {
        style::error(&format!("{} does not exist; run `nexxo build` first", config.out_dir.display()));
        return Err(ExitCode::FAILURE);
    }
    let host = args.server.host.clone().or_else(|| config.preview.host.clone()).unwrap_or_else(|| "127.0.0.1".into());
    let port = args.server.port.or(config.preview.port).unwrap_or(4173);
    let runtime = crate::net::runtime().map_err(|e| {
        style::error(&format!("cannot start the async runtime: {e}"));
        ExitCode::FAILURE
    })?;
    // Vite's defaults: the preview's proxy, headers, `open` and `cors` are the dev server's unless set.
    let rules = if config.preview.proxy.is_empty() { &config.server.proxy } else { &config.preview.proxy };
    let headers = if config.preview.headers.is_empty() { &config.server.headers } else { &config.preview.headers };
    let open_setting = config.preview.open.clone().or_else(|| config.server.open.clone());
    let base = config.base.clone();
    let site = Arc::new(Site {
        root: config.out_dir.clone(),
        hashed: config.file_names.hashed_paths(&config.assets_dir),
        base: if base.starts_with('/') { base } else { "/".into() },
        gzipped: GzipCache::default(),
        proxy: crate::proxy::Proxy::new(rules).map_err(|e| {
            style::error(&e);
            ExitCode::FAILURE
        })?,
        headers: crate::server_options::headers(headers),
        cors: crate::cors::Cors::new(config.preview.cors.as_ref().or(config.server.cors.as_ref())),
    });
    runtime.block_on(async move {
        let listener = bind(&host, port, args.server.strict_port).await?;
        let addr = listener.local_addr().map_err(|_| ExitCode::FAILURE)?;
        let s = Style::stdout();
        let shown_host = if addr.ip().is_loopback() { "localhost".to_string() } else { addr.ip().to_string() };
        let url = format!("http://{shown_host}:{}{}", addr.port(), site.base);
        println!("  {} {}", s.green("➜"), s.bold(&format!("Local:   {url}")));
        println!("  {} serving {}", s.dim("➜"), s.dim(&site.root.display().to_string()));
        if let Some(url) = crate::server_options::open_url(&url, args.server.open.as_deref(), open_setting.as_ref()) {
            crate::server_options::open_browser(&url);
        }
        loop {
            let stream = crate::net::accept(&listener).await;
            let site = Arc::clone(&site);
            tokio::spawn(async move {
                let service = service_fn(move |req| {
                    let site = Arc::clone(&site);
                    async move {
                        if let Some((status, extra)) = site.cors.preflight(req.method(), req.headers()) {
                            let mut resp = respond(status, "text/plain", Vec::new(), false).map(Either::Left);
                            resp.headers_mut().extend(extra);
                            return Ok::<_, Infallible>(resp);
                        }
                        let origin = req.headers().get(hyper::header::ORIGIN).cloned();
                        let mut resp = match site.proxy.handle(req).await {
                            Ok(proxied) => proxied,
                            // Compressing a large file is CPU work: off the async threads.
                            Err(req) => {
                                let site = Arc::clone(&site);
                                tokio::task::spawn_blocking(move || serve(&site, &req))
                            }
                            .await
                            .unwrap_or_else(|_| {
                                respond(
                                    StatusCode::INTERNAL_SERVER_ERROR,
                                    "text/plain",
                                    b"internal error".to_vec(),
                                    false,
                                )
                            })
                            .map(Either::Left),
                        };
                        crate::server_options::add_headers(resp.headers_mut(), &site.headers);
                        site.cors.add(origin.as_ref(), resp.headers_mut());
                        Ok::<_, Infallible>(resp)
                    }
                });
                let _ = crate::net::http1().serve_connection(TokioIo::new(stream), service).with_upgrades().await;
            });
        }
    })
}

pub async fn bind(host: &str, port: u16, strict: bool) -> Result<TcpListener, ExitCode> {
    let tries = if strict || port == 0 { 1 } else { 20 };
    for p in port..port.saturating_add(tries) {
        let addr: SocketAddr = match format!("{host}:{p}").parse().or_else(|_| format!("[{host}]:{p}").parse()) {
            Ok(a) => a,
            Err(_) => {
                style::error(&format!("invalid --host `{host}`: expected an IP address such as 127.0.0.1"));
                return Err(ExitCode::FAILURE);
            }
        };
        match TcpListener::bind(addr).await {
            Ok(l) => return Ok(l),
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse && p + 1 < port.saturating_add(tries) => continue,
            Err(e) => {
                style::error(&format!("cannot listen on {addr}: {e}"));
                return Err(ExitCode::FAILURE);
            }
        }
    }
    Err(ExitCode::FAILURE)
}

pub fn respond(status: StatusCode, ctype: &str, body: Vec<u8>, head: bool) -> Response<Full<Bytes>> {
    let len = body.len();
    let mut r = Response::new(Full::new(Bytes::from(if head { Vec::new() } else { body })));
    *r.status_mut() = status;
    r.headers_mut().insert(header::CONTENT_TYPE, ctype.parse().expect("static header"));
    r.headers_mut().insert(header::CONTENT_LENGTH, len.into());
    r
}

/// Gzipped bodies by file, with the validator of the version they were made from: a file is
/// compressed once per version, not once per request (the playground's engine is 19 MB).
type GzipCache = std::sync::Mutex<HashMap<PathBuf, (String, Bytes)>>;

/// Types worth compressing (text, and WebAssembly, which gzips to about a third).
fn compressible(ctype: &str) -> bool {
    ctype.starts_with("text/")
        || ["javascript", "json", "wasm", "svg", "xml", "manifest"].iter().any(|t| ctype.contains(t))
}

/// Whether `path` (inside the served directory, with a leading `/`) is a built file with a
/// content hash (`assets/index-1a2b3c4d.js`, as the build's file-name patterns name them): its
/// content never changes under that name, so browsers may keep it for good. Judged by the
/// patterns (`build.assetFileNames` and the rest), so a file of public/ keeps its own name
/// whatever it looks like, and an unhashed `assets/[name].js` is revalidated.
/// What `nexxo preview` serves and how, shared by every connection.
struct Site {
    /// The output directory.
    root: PathBuf,
    /// Output paths named with a content hash (`FileNames::hashed_paths`).
    hashed: Option<regex::Regex>,
    /// The path the app is served under (`/` for a relative `base`).
    base: String,
    gzipped: GzipCache,
    proxy: crate::proxy::Proxy,
    /// `preview.headers`, else `server.headers`.
    headers: hyper::HeaderMap,
    cors: crate::cors::Cors,
}

fn is_hashed(hashed: Option<&regex::Regex>, path: &str) -> bool {
    hashed.is_some_and(|re| re.is_match(path.trim_start_matches('/')))
}

fn serve(site: &Site, req: &Request<Incoming>) -> Response<Full<Bytes>> {
    let (root, base, gzipped) = (site.root.as_path(), site.base.as_str(), &site.gzipped);
    let head = req.method() == Method::HEAD;
    if req.method() != Method::GET && !head {
        return respond(StatusCode::METHOD_NOT_ALLOWED, "text/plain", b"method not allowed".to_vec(), false);
    }
    let path = req.uri().path();
    let Some(rel) = path.strip_prefix(base).or_else(|| path.strip_prefix(base.trim_end_matches('/'))) else {
        return respond(
            StatusCode::NOT_FOUND,
            "text/plain",
            format!("not found; the app is served under {base}").into_bytes(),
            head,
        );
    };
    let Some(mut file) = safe_path(root, rel) else {
        return respond(StatusCode::FORBIDDEN, "text/plain", b"forbidden".to_vec(), head);
    };
    if file.is_dir() {
        file.push("index.html");
    }
    if !file.is_file() && file.extension().is_none() {
        let html = file.with_extension("html");
        file = if html.is_file() { html } else { root.join("index.html") };
    }
    let Ok(meta) = std::fs::metadata(&file) else {
        return respond(StatusCode::NOT_FOUND, "text/plain", b"not found".to_vec(), head);
    };
    // A validator for revalidation: size and modification time (a rebuild changes both or one).
    let modified = meta.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok());
    let etag = format!("W/\"{:x}-{:x}\"", meta.len(), modified.map_or(0, |d| d.as_nanos()));
    // Judged on the path inside the served directory: a site that lives under some `.../assets/`
    // directory must not make every `name-xxxxxxxx.ext` of it immutable.
    let inside = file.strip_prefix(root).map(|p| format!("/{}", p.to_string_lossy())).unwrap_or_default();
    let cache_control = if is_hashed(site.hashed.as_ref(), &inside) && !file.ends_with("index.html") {
        "public, max-age=31536000, immutable"
    } else {
        // Unhashed files (pages, the playground's engine) are revalidated: a 304 costs no body.
        "no-cache"
    };
    let not_modified = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    let with_headers = |mut r: Response<Full<Bytes>>| {
        let h = r.headers_mut();
        h.insert(header::CACHE_CONTROL, header::HeaderValue::from_static(cache_control));
        if let Ok(v) = etag.parse() {
            h.insert(header::ETAG, v);
        }
        h.insert(header::VARY, header::HeaderValue::from_static("Accept-Encoding"));
        r
    };
    if not_modified {
        let mut r = Response::new(Full::new(Bytes::new()));
        *r.status_mut() = StatusCode::NOT_MODIFIED;
        return with_headers(r);
    }
    let ctype = mime(&file);
    let gzip_ok = req
        .headers()
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|e| e.trim().split(';').next() == Some("gzip")));
    if gzip_ok && compressible(ctype) && meta.len() > 1024 {
        let cached =
            gzipped.lock().expect("gzip cache").get(&file).filter(|(tag, _)| *tag == etag).map(|(_, b)| b.clone());
        let body = match cached {
            Some(b) => Some(b),
            None => std::fs::read(&file).ok().and_then(|bytes| {
                use std::io::Write as _;
                let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
                enc.write_all(&bytes).ok()?;
                let b = Bytes::from(enc.finish().ok()?);
                gzipped.lock().expect("gzip cache").insert(file.clone(), (etag.clone(), b.clone()));
                Some(b)
            }),
        };
        if let Some(body) = body {
            let len = body.len();
            let mut r = Response::new(Full::new(if head { Bytes::new() } else { body }));
            let h = r.headers_mut();
            h.insert(header::CONTENT_TYPE, ctype.parse().expect("static header"));
            h.insert(header::CONTENT_LENGTH, len.into());
            h.insert(header::CONTENT_ENCODING, header::HeaderValue::from_static("gzip"));
            return with_headers(r);
        }
    }
    match std::fs::read(&file) {
        Ok(bytes) => with_headers(respond(StatusCode::OK, ctype, bytes, head)),
        Err(_) => respond(StatusCode::NOT_FOUND, "text/plain", b"not found".to_vec(), head),
    }
}
