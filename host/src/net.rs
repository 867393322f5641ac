//! What every long-running server of Nexxo shares: the async runtime, the accept loop and the
//! HTTP/1 settings that keep slow or hostile clients from starving everyone else.

use std::time::Duration;

use hyper::server::conn::http1;
use hyper_util::rt::TokioTimer;
use tokio::net::{TcpListener, TcpStream};

/// Stack of every thread that parses or transforms user code. Deeply nested input (thousands of
/// nested brackets, a 200,000-term `1+1+...`) recurses in the parsers and visitors of oxc and
/// lightningcss; a main thread's 8 MiB (or a worker's 2 MiB) overflows, which aborts the process
/// with no message. The memory is reserved, not committed: only pages touched are used.
pub const PARSER_STACK: usize = 1 << 30;

/// A client gets this long to send a request's headers; slowloris connections are cut after it.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// The multi-threaded runtime of a command, with parser-sized stacks on its threads.
pub fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread().enable_all().thread_stack_size(PARSER_STACK).build()
}

/// rayon's global pool (rolldown's parallel stages and Nexxo's own) with parser-sized stacks.
/// Called once at start-up, before anything uses rayon.
pub fn init_rayon() {
    let _ = rayon::ThreadPoolBuilder::new().stack_size(PARSER_STACK).build_global();
}

/// HTTP/1 connection settings for every server: headers must arrive within [`HEADER_TIMEOUT`].
pub fn http1() -> http1::Builder {
    let mut b = http1::Builder::new();
    b.timer(TokioTimer::new()).header_read_timeout(HEADER_TIMEOUT);
    b
}

/// The next connection. When accept fails (out of file descriptors under a connection flood, or
/// a transient network error) it waits before retrying instead of spinning a core, which gives
/// the header timeout the time to close the connections holding the descriptors.
pub async fn accept(listener: &TcpListener) -> TcpStream {
    let mut backoff = Duration::from_millis(5);
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                // Small responses on keep-alive connections must not wait for delayed ACKs (Nagle).
                let _ = stream.set_nodelay(true);
                return stream;
            }
            Err(_) => {
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_millis(500));
            }
        }
    }
}

/// Raises the soft limit on open files to the hard limit, as servers written in Go do: the
/// default soft limit (often 1024) is what a connection flood exhausts first.
pub fn raise_fd_limit() {
    #[cfg(unix)]
    {
        let mut lim = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        // SAFETY: getrlimit/setrlimit with a valid pointer to a local rlimit.
        unsafe {
            if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) == 0 && lim.rlim_cur < lim.rlim_max {
                lim.rlim_cur = lim.rlim_max;
                let _ = libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
            }
        }
    }
}
