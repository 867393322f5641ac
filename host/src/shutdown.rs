//! Ctrl-C and SIGTERM for a command that must finish what it is writing before it exits
//! (`nexxo build --watch`). The signals are blocked in every thread, which must happen before any
//! thread is started (threads inherit the mask; rayon's pool starts first), and one thread takes
//! them with `sigwait`: no handler runs inside an arbitrary thread, so nothing is interrupted
//! mid-write and no global flag is needed.

/// The blocked signal set, when blocking was asked for.
#[derive(Clone, Copy)]
pub struct Signals {
    #[cfg(unix)]
    set: Option<libc::sigset_t>,
}

impl Signals {
    /// Leaves the default actions (the process ends on Ctrl-C).
    pub fn default_actions() -> Self {
        Self {
            #[cfg(unix)]
            set: None,
        }
    }

    /// Blocks SIGINT and SIGTERM in this thread and every thread it starts from now on.
    #[cfg(unix)]
    pub fn block() -> Self {
        // SAFETY: the set is initialized by sigemptyset before use; pthread_sigmask only changes
        // this thread's mask.
        unsafe {
            let mut set: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut set);
            libc::sigaddset(&mut set, libc::SIGINT);
            libc::sigaddset(&mut set, libc::SIGTERM);
            libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
            Self { set: Some(set) }
        }
    }

    #[cfg(not(unix))]
    pub fn block() -> Self {
        Self {}
    }

    /// Calls `then` from a thread of its own when the first of the blocked signals arrives. With
    /// nothing blocked (or off Unix) the default action ends the process instead.
    pub fn on_signal(self, then: impl FnOnce() + Send + 'static) {
        #[cfg(unix)]
        if let Some(set) = self.set {
            std::thread::spawn(move || {
                let mut signal = 0;
                // SAFETY: `set` is a valid, initialized signal set; `signal` is written on return.
                while unsafe { libc::sigwait(&set, &mut signal) } != 0 {}
                then();
            });
        }
        #[cfg(not(unix))]
        drop(then);
    }
}
