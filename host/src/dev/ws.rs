//! The HMR WebSocket: what the DevSession sends goes to every page; what a page sends
//! (`import.meta.hot.invalidate()`) goes to the session.

use std::sync::Arc;

use futures_util::{SinkExt, StreamExt};
use http_body_util::{Either, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response, StatusCode, header};
use hyper_util::rt::TokioIo;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::Role;
use tokio_tungstenite::tungstenite::{Message, handshake::derive_accept_key};

use super::Server;
use super::http::Resp;

/// Browsers always send an Origin for WebSockets: only pages of this server, and those of the
/// origins `server.cors` lets load its modules (a backend's page), may connect.
fn origin_allowed(server: &Server, req: &Request<Incoming>) -> bool {
    match req.headers().get(header::ORIGIN).and_then(|o| o.to_str().ok()) {
        // Non-browser clients send no Origin.
        None => true,
        Some(origin) => {
            server.allowed_hosts.iter().any(|h| origin == format!("http://{h}:{}", server.port))
                || server.cors.allows(origin)
        }
    }
}

pub(super) fn upgrade(server: Arc<Server>, mut req: Request<Incoming>) -> Resp {
    if !origin_allowed(&server, &req) {
        return super::http::text(StatusCode::FORBIDDEN, "WebSocket origin not allowed");
    }
    let Some(key) = req.headers().get("sec-websocket-key").map(|k| derive_accept_key(k.as_bytes())) else {
        return super::http::text(StatusCode::BAD_REQUEST, "expected a WebSocket upgrade");
    };
    let upgrade = hyper::upgrade::on(&mut req);
    tokio::spawn(async move {
        let Ok(upgraded) = upgrade.await else { return };
        let ws = WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, None).await;
        let (mut tx, mut rx) = ws.split();
        let mut events = server.events.subscribe();
        let mut stop = server.stop.subscribe();
        let connected = serde_json::json!({ "type": "connected", "reloads": server.session.reloads() });
        let _ = tx.send(Message::text(connected.to_string())).await;
        let last = server.session.last_error();
        if let Some(err) = last {
            let _ = tx.send(Message::text(err)).await;
        }
        loop {
            tokio::select! {
                ev = events.recv() => match ev {
                    Ok(text) => if tx.send(Message::text(text)).await.is_err() { break },
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(_) => break,
                },
                // A restart: the page sees its connection close, and reloads once the new
                // session answers (client.js).
                _ = stop.changed() => break,
                msg = rx.next() => match msg {
                    Some(Ok(Message::Text(t))) => server.session.client_message(t.as_str(), super::now_ms()).await,
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                    _ => {}
                },
            }
        }
    });
    let mut r = Response::new(Either::Left(Full::new(Bytes::new())));
    *r.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    let h = r.headers_mut();
    h.insert(header::UPGRADE, "websocket".parse().expect("static header"));
    h.insert(header::CONNECTION, "Upgrade".parse().expect("static header"));
    h.insert("sec-websocket-accept", key.parse().expect("base64 key"));
    r
}
