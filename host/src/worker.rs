//! `nexxo worker`: an HTTP build service, what an edge or CI fleet would run. Clients POST a
//! project's sources as JSON; each build runs in its own fresh WASM instance with memory and time
//! limits, so a hostile or broken input ends its own job and nothing else.
//!
//! `POST /build` takes the engine's `BuildRequest` (`{"files":[{"path","text"|"base64"}],
//! "env"?, "overrides"?}`) and answers with its `BuildResponse`: 200 when the build succeeded,
//! 422 with the errors when it did not, 400/413 for requests it refuses to run.
//! `POST /transform` takes a `TransformRequest`. `GET /health` says the service is up.

use std::convert::Infallible;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode, header};
use hyper_util::rt::TokioIo;
use nexxo_engine::Job;
use serde_json::json;

use crate::WorkerArgs;
use crate::preview::{bind, respond};
use crate::style::{self, Style};
use crate::wasm_engine::{Limits, WasmEngine};

struct Service {
    engine: WasmEngine,
    limits: Limits,
    max_body: usize,
    max_files: usize,
    slots: usize,
    /// How long a client has to send a whole request body.
    body_timeout: Duration,
}

pub fn run(args: WorkerArgs) -> Result<(), ExitCode> {
    let started = Instant::now();
    let slots = args.slots.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let engine = crate::wasm_engine::locate_engine().and_then(|p| WasmEngine::load(&p, slots)).map_err(|e| {
        style::error(&e);
        ExitCode::FAILURE
    })?;
    let service = Arc::new(Service {
        limits: Limits {
            memory_bytes: args.memory_mb << 20,
            timeout: Duration::from_millis(args.timeout_ms),
            max_output_bytes: 256 << 20,
        },
        max_body: args.max_body_mb << 20,
        body_timeout: Duration::from_millis(args.body_timeout_ms),
        max_files: args.max_files,
        slots,
        engine,
    });
    let runtime = crate::net::runtime().map_err(|e| {
        style::error(&format!("cannot start the async runtime: {e}"));
        ExitCode::FAILURE
    })?;
    runtime.block_on(async move {
        let listener = bind(&args.host, args.port, true).await?;
        let addr = listener.local_addr().map_err(|_| ExitCode::FAILURE)?;
        let s = Style::stdout();
        println!(
            "  {} {} {}",
            s.green("➜"),
            s.bold(&format!("nexxo worker: http://{addr}/build")),
            s.dim(&format!(
                "({slots} slot(s), {} MiB / {} ms per build; {}; ready in {} ms)",
                args.memory_mb,
                args.timeout_ms,
                service.engine.load_note,
                started.elapsed().as_millis()
            ))
        );
        loop {
            let stream = crate::net::accept(&listener).await;
            let service = Arc::clone(&service);
            tokio::spawn(async move {
                let svc = service_fn(move |req| {
                    let service = Arc::clone(&service);
                    async move { Ok::<_, Infallible>(handle(service, req).await) }
                });
                let _ = crate::net::http1().serve_connection(TokioIo::new(stream), svc).await;
            });
        }
    })
}

fn json_response(status: StatusCode, body: &serde_json::Value) -> Response<Full<Bytes>> {
    respond(status, "application/json", serde_json::to_vec(body).unwrap_or_default(), false)
}

fn refuse(status: StatusCode, message: String) -> Response<Full<Bytes>> {
    json_response(status, &json!({ "ok": false, "errors": [{ "message": message }] }))
}

async fn handle(service: Arc<Service>, req: Request<Incoming>) -> Response<Full<Bytes>> {
    let started = Instant::now();
    let (method, path) = (req.method().clone(), req.uri().path().to_string());
    let response = route(&service, req).await;
    println!("  {method} {path} {} {} ms", response.status().as_u16(), started.elapsed().as_millis());
    response
}

async fn route(service: &Service, req: Request<Incoming>) -> Response<Full<Bytes>> {
    let op = match (req.method(), req.uri().path()) {
        (&Method::GET, "/health") => {
            return json_response(StatusCode::OK, &json!({ "ok": true, "slots": service.slots }));
        }
        (&Method::POST, "/build") => "build",
        (&Method::POST, "/transform") => "transform",
        (_, "/build" | "/transform" | "/health") => {
            return refuse(
                StatusCode::METHOD_NOT_ALLOWED,
                "use POST for /build and /transform, GET for /health".into(),
            );
        }
        _ => return refuse(StatusCode::NOT_FOUND, "not found: POST /build, POST /transform or GET /health".into()),
    };
    let declared = req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<usize>().ok());
    if declared.is_some_and(|n| n > service.max_body) {
        return refuse(StatusCode::PAYLOAD_TOO_LARGE, format!("request body exceeds {} MiB", service.max_body >> 20));
    }
    // A client that stops sending mid-body must not hold a connection (and its memory) forever.
    let body =
        match tokio::time::timeout(service.body_timeout, Limited::new(req.into_body(), service.max_body).collect())
            .await
        {
            Ok(Ok(b)) => b.to_bytes(),
            Err(_) => {
                return refuse(
                    StatusCode::REQUEST_TIMEOUT,
                    format!("the request body did not arrive within {} ms", service.body_timeout.as_millis()),
                );
            }
            Ok(Err(_)) => {
                return refuse(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!("request body exceeds {} MiB (or the upload broke off)", service.max_body >> 20),
                );
            }
        };
    let mut value: serde_json::Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => return refuse(StatusCode::BAD_REQUEST, format!("the body is not valid JSON: {e}")),
    };
    if let Some(obj) = value.as_object_mut() {
        obj.insert("op".into(), op.into());
    }
    let job: Job = match serde_json::from_value(value) {
        Ok(j) => j,
        Err(e) => return refuse(StatusCode::BAD_REQUEST, format!("invalid {op} request: {e}")),
    };
    if let Job::Build(b) = &job {
        if b.files.is_empty() {
            return refuse(StatusCode::BAD_REQUEST, "`files` is empty: send the project's sources".into());
        }
        if b.files.len() > service.max_files {
            return refuse(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("{} files sent; this worker accepts at most {}", b.files.len(), service.max_files),
            );
        }
        // The worker builds only what it was sent: a host-side config would name host paths.
        if b.resolved.is_some() {
            return refuse(
                StatusCode::BAD_REQUEST,
                "`resolved` is not accepted by the worker; send nexxo.config.json as a file".into(),
            );
        }
    }
    let input = match serde_json::to_vec(&job) {
        Ok(v) => v,
        Err(e) => return refuse(StatusCode::INTERNAL_SERVER_ERROR, format!("cannot encode the job: {e}")),
    };
    let limits = service.limits;
    // The WASM job blocks its thread; the slots inside `run` bound the parallelism.
    let result = tokio::task::block_in_place(|| service.engine.run(input, &[], limits));
    match result {
        Ok(stdout) => match serde_json::from_slice::<serde_json::Value>(&stdout) {
            Ok(v) => {
                let status = if v["ok"] == true { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
                respond(status, "application/json", stdout, false)
            }
            Err(e) => refuse(StatusCode::INTERNAL_SERVER_ERROR, format!("the engine sent a bad response: {e}")),
        },
        // Whatever ends a job (limits, a trap on hostile input) came from that job's input; the
        // instance is gone and the service carries on.
        Err(e) => refuse(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()),
    }
}
