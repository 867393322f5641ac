//! How a one-shot command (`nexxo build`, `nexxo migrate`) that succeeded ends.
//!
//! Two costs sat between the summary line and the shell getting the exit status back:
//!
//! - The C library's exit handlers: mimalloc's `mi_process_done` collected and purged every heap
//!   (3% of a 2.4k-module build's CPU), to give back memory the kernel takes with the process
//!   anyway. `_exit` skips them; everything the command wrote is written and renamed by then, and
//!   its cache is closed.
//! - The kernel unmapping the address space: a process's exit status reaches its parent only
//!   after `exit_mm` has freed every page it touched, on the exiting thread (measured as the gap
//!   between the profile's wall time and the caller's: 20 ms at 2.4k modules, 165 MB; 64-71 ms
//!   at 19k, 750 MB). The kernel frees an address space when its last user lets go of it, so a
//!   helper task that shares it (`CLONE_VM`, a process of its own, not a thread) and waits for
//!   this one to be gone makes the freeing happen in the helper, after the caller has its exit
//!   status (the linker mold does the same with a forked process, for the same reason). The
//!   peak RSS a caller reads (`wait4`'s `ru_maxrss`) is still this process's: the kernel records
//!   the address space's high-water mark as each of its users exits. The freeing's CPU time is
//!   the helper's, so it no longer shows in this process's `ru_stime`.

/// Ends the process with status 0 (see the module comment).
pub fn success() -> ! {
    use std::io::Write;
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    #[cfg(target_os = "linux")]
    if helper_wanted() {
        hand_over_address_space();
    }
    // SAFETY: `_exit` only ends the process; no other thread is writing output now (the command's
    // thread has returned; a runtime it left running has nothing to do).
    unsafe { libc::_exit(0) }
}

/// `NEXXO_EXIT_HELPER=0` turns the helper off. Under valgrind (the CI's instruction-count gate) it
/// is off too: valgrind supports only threads' and fork's clones, and ends the whole process at
/// any other (it preloads its `vgpreload_*` libraries into the programs it runs).
#[cfg(target_os = "linux")]
fn helper_wanted() -> bool {
    std::env::var_os("NEXXO_EXIT_HELPER").is_none_or(|v| v != "0")
        && !std::env::var("LD_PRELOAD").is_ok_and(|p| p.contains("vgpreload"))
}

/// The helper's name in `ps` and `/proc/PID/comm` while it waits (a few milliseconds).
#[cfg(target_os = "linux")]
const HELPER_NAME: &std::ffi::CStr = c"nexxo-exit";

/// Starts a task that shares this process's address space and exits only once this process has
/// closed its end of a pipe, which the kernel does on exit after this process let go of the
/// address space. On any failure nothing is started and the process frees its memory itself, as
/// before.
#[cfg(target_os = "linux")]
fn hand_over_address_space() {
    const STACK: usize = 64 * 1024;

    /// Runs in the helper, on its own stack, sharing memory with an exiting process: raw system
    /// calls only (no allocation, no locks, nothing another thread could be holding).
    extern "C" fn helper(arg: *mut libc::c_void) -> libc::c_int {
        let read_end = arg as usize as libc::c_uint;
        // SAFETY: system calls on the helper's own file table and stack; each failure is
        // harmless (the helper then holds a descriptor or ends early, and the process frees its
        // own memory).
        unsafe {
            libc::prctl(libc::PR_SET_NAME, HELPER_NAME.as_ptr());
            // Its copy of every descriptor but the pipe's read end goes: a caller that waits for
            // the command's output pipes to close (Node's `spawnSync`, a shell's `$(...)`) must
            // not wait for the helper.
            if read_end > 0 {
                libc::syscall(libc::SYS_close_range, 0u32, read_end - 1, 0u32);
            }
            libc::syscall(libc::SYS_close_range, read_end + 1, u32::MAX, 0u32);
            let mut byte = 0u8;
            // Returns 0 once the process's write end is closed, i.e. once it has exited (no
            // signal can interrupt it: they are all blocked). Should it fail, the helper ends
            // early and the process frees its memory itself.
            libc::syscall(libc::SYS_read, read_end, &mut byte as *mut u8, 1usize);
            libc::syscall(libc::SYS_exit, 0);
        }
        0
    }

    let mut fds = [0 as libc::c_int; 2];
    // SAFETY: plain system calls; the stack is a fresh private mapping the helper alone uses, and
    // the helper's code is the function above.
    unsafe {
        // The write end is closed on exec (nothing execs now, but a stray inheritance would keep
        // the helper waiting).
        if libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) != 0 {
            return;
        }
        let stack = libc::mmap(
            std::ptr::null_mut(),
            STACK,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_STACK,
            -1,
            0,
        );
        if stack == libc::MAP_FAILED {
            return;
        }
        // The helper starts with this thread's signal mask: all blocked, so no handler of this
        // process ever runs on the helper's stack (this thread is about to exit anyway).
        let mut all: libc::sigset_t = std::mem::zeroed();
        libc::sigfillset(&mut all);
        libc::pthread_sigmask(libc::SIG_BLOCK, &all, std::ptr::null_mut());
        let top = stack.cast::<u8>().add(STACK).cast::<libc::c_void>();
        // No exit signal: nobody waits for the helper while this process lives; once it is
        // gone the helper is reparented (to init or the nearest subreaper), which reaps it.
        libc::clone(helper, top, libc::CLONE_VM, fds[0] as usize as *mut libc::c_void);
    }
}
