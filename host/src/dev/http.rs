//! The dev server's HTTP front: accepts connections, refuses foreign hosts, answers its own
//! endpoints (`/@nexxo/ws`, `/@nexxo/ping`, `/@nexxo/react-refresh`), forwards what
//! `server.proxy` matches (`crate::proxy`) and hands every other request to the DevSession, whose
//! answer it sends as is.

use std::convert::Infallible;
use std::sync::Arc;

use http_body_util::Either;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode, header};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use super::Server;
use crate::preview::respond;

/// React Fast Refresh's runtime from the `react-refresh` package Nexxo depends on (host/runtime,
/// wrapped as an ES module by host/build.rs), so apps need not install it.
const REACT_REFRESH_JS: &str = include_str!(concat!(env!("OUT_DIR"), "/react-refresh-runtime.js"));

pub(super) type Resp = Response<crate::proxy::Body>;

/// Serves connections from `listener` until the future is dropped (a restart); each connection
/// ends when the server's `stop` is set, so a browser's kept-alive connection cannot go on being
/// answered by the replaced session.
pub async fn serve(listener: &TcpListener, server: Arc<Server>) {
    loop {
        let stream = crate::net::accept(listener).await;
        let server = Arc::clone(&server);
        let mut stop = server.stop.subscribe();
        tokio::spawn(async move {
            let service = service_fn(move |req| {
                let server = Arc::clone(&server);
                // Its own task, so a bug that panics while serving one request costs that request
                // a 500, not the server.
                async move {
                    // A CORS preflight from an allowed origin is answered here; otherwise the
                    // request's Origin decides the answer's Access-Control-Allow-Origin.
                    if let Some((status, headers)) = server.cors.preflight(req.method(), req.headers()) {
                        let mut resp = text(status, "");
                        resp.headers_mut().extend(headers);
                        return Ok::<_, Infallible>(resp);
                    }
                    let origin = req.headers().get(header::ORIGIN).cloned();
                    let mut resp = tokio::spawn(handle(Arc::clone(&server), req)).await.unwrap_or_else(|_| {
                        text(
                            StatusCode::INTERNAL_SERVER_ERROR,
                            "internal error in the Nexxo dev server (details in its terminal)",
                        )
                    });
                    crate::server_options::add_headers(resp.headers_mut(), &server.headers);
                    server.cors.add(origin.as_ref(), resp.headers_mut());
                    Ok::<_, Infallible>(resp)
                }
            });
            let connection = crate::net::http1().serve_connection(TokioIo::new(stream), service).with_upgrades();
            tokio::select! {
                _ = connection => {}
                _ = stop.changed() => {}
            }
        });
    }
}

pub(super) fn text(status: StatusCode, body: &str) -> Resp {
    respond(status, "text/plain; charset=utf-8", body.as_bytes().to_vec(), false).map(Either::Left)
}

/// DNS-rebinding defence: only names this server was started for may reach it.
fn host_allowed(server: &Server, req: &Request<Incoming>) -> bool {
    let Some(host) = req.headers().get(header::HOST).and_then(|h| h.to_str().ok()) else { return false };
    let name = if host.starts_with('[') {
        host.split(']').next().map(|h| format!("{h}]"))
    } else {
        host.split(':').next().map(str::to_string)
    };
    name.is_some_and(|n| server.allowed_hosts.iter().any(|a| a.eq_ignore_ascii_case(&n)))
}

async fn handle(server: Arc<Server>, req: Request<Incoming>) -> Resp {
    if !host_allowed(&server, &req) {
        return text(
            StatusCode::FORBIDDEN,
            "Blocked request: this host is not allowed. Start nexxo dev with --host to serve it.",
        );
    }
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or("").to_string();
    match path.as_str() {
        "/@nexxo/react-refresh" => return to_http(nexxo_dev::Response::js(REACT_REFRESH_JS.to_string())),
        "/@nexxo/ping" => return text(StatusCode::OK, "pong"),
        "/@nexxo/ws" => return super::ws::upgrade(server, req),
        _ => {}
    }
    // Before the app's files, as Vite's proxy middleware comes first: a proxied prefix wins.
    if let Ok(proxied) = server.proxy.handle(req).await {
        return proxied;
    }
    to_http(server.session.request(&path, &query).await)
}

fn to_http(r: nexxo_dev::Response) -> Resp {
    let status = StatusCode::from_u16(r.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut resp = respond(status, &r.content_type, r.body, false).map(Either::Left);
    if r.no_cache {
        resp.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-cache"));
    }
    if let Some(to) = r.location.and_then(|l| l.parse().ok()) {
        resp.headers_mut().insert(header::LOCATION, to);
    }
    resp
}
