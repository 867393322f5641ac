//! `nexxo preview`: a static file server for the built output, with SPA fallback.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use http_body_util::Full;
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
    let config = load_config::load(&args.common, CliOverrides::default())?;
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
    let root = Arc::new(config.out_dir.clone());
    let base = config.base.clone();
    runtime.block_on(async move {
        let listener = bind(&host, port, args.server.strict_port).await?;
        let addr = listener.local_addr().map_err(|_| ExitCode::FAILURE)?;
        let s = Style::stdout();
        let shown_host = if addr.ip().is_loopback() { "localhost".to_string() } else { addr.ip().to_string() };
        let base_path = if base.starts_with('/') { base.clone() } else { "/".into() };
        println!("  {} {}", s.green("➜"), s.bold(&format!("Local:   http://{shown_host}:{}{base_path}", addr.port())));
        println!("  {} serving {}", s.dim("➜"), s.dim(&root.display().to_string()));
        loop {
            let stream = crate::net::accept(&listener).await;
            let root = Arc::clone(&root);
            let base = base_path.clone();
            tokio::spawn(async move {
                let service = service_fn(move |req| {
                    let root = Arc::clone(&root);
                    let base = base.clone();
                    async move { Ok::<_, Infallible>(serve(&root, &base, &req)) }
                });
                let _ = crate::net::http1().serve_connection(TokioIo::new(stream), service).await;
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

fn serve(root: &Path, base: &str, req: &Request<Incoming>) -> Response<Full<Bytes>> {
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
    match std::fs::read(&file) {
        Ok(bytes) => respond(StatusCode::OK, mime(&file), bytes, head),
        Err(_) => respond(StatusCode::NOT_FOUND, "text/plain", b"not found".to_vec(), head),
    }
}
