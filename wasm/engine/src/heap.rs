//! The engine's heap: wasi-libc's allocator (dlmalloc), over a `sbrk` of this module's own that
//! grows the memory in large steps.
//!
//! dlmalloc asks `sbrk` for what the allocation at hand needs, rounded to 64 KiB, and wasi-libc's
//! `sbrk` is a bare `memory.grow`: a build that ends at 150 MB would grow the memory thousands of
//! times. In V8 every `memory.grow` replaces the memory's ArrayBuffer and counts as external
//! memory, which sets off a full collection of the JavaScript heap (a profile of a first
//! 2.4k-module build in Node once had 1.4 s in `sbrk` and 1.4 s in the collector, of 6 s).
//!
//! This `sbrk` (the linker takes it instead of wasi-libc's, which dlmalloc calls by name) keeps a
//! break of its own below the memory's end: when a request passes the end, it grows the memory
//! once by the request and an eighth of the memory more, and later requests are served from that
//! space without a `memory.grow`. The memory stays contiguous, as dlmalloc expects of `sbrk`. (The
//! version before this took the extra eighth by allocating and freeing a block after each growth,
//! which was a second `memory.grow`, and a second collection, every time: `--trace-gc` counted
//! 10-16 full collections in a first 2.4k-module build in Node.)
//! Near a host's memory cap the extra step is refused and the request alone is tried (wasmtime's
//! limiter then remembers a refusal, so a trap later in that job reads as out-of-memory).

#[cfg(target_arch = "wasm32")]
use std::arch::wasm32::{memory_grow, memory_size};
#[cfg(target_arch = "wasm32")]
use std::sync::atomic::{AtomicUsize, Ordering};

#[cfg(target_arch = "wasm32")]
const PAGE: usize = 65536;
/// The smallest extra growth: below it, steps would be as small as dlmalloc's own.
#[cfg(target_arch = "wasm32")]
const MIN_STEP: usize = 1 << 20;

/// The break: the end of what `sbrk` has handed out; 0 until its first call, when it is the
/// memory's end. (The module has one thread; an atomic only because a `static` needs `Sync`.)
#[cfg(target_arch = "wasm32")]
static BREAK: AtomicUsize = AtomicUsize::new(0);

#[cfg(target_arch = "wasm32")]
fn current_break() -> usize {
    match BREAK.load(Ordering::Relaxed) {
        0 => {
            let end = memory_size(0) * PAGE;
            BREAK.store(end, Ordering::Relaxed);
            end
        }
        at => at,
    }
}

/// Makes the memory end at `end` bytes or further: `extra` more if the host allows, else exactly.
#[cfg(target_arch = "wasm32")]
fn grow_to(end: usize, extra: usize) -> bool {
    let have = memory_size(0) * PAGE;
    if end <= have {
        return true;
    }
    let pages = (end - have).div_ceil(PAGE);
    memory_grow(0, pages + extra / PAGE) != usize::MAX || memory_grow(0, pages) != usize::MAX
}

/// dlmalloc's source of memory: moves the break by `increment` bytes and returns where it was,
/// or -1 when the memory cannot grow that far (or the increment is negative: WebAssembly memory
/// does not shrink, and dlmalloc here never asks it to).
///
/// # Safety
/// Only dlmalloc calls it (the module has one thread).
#[cfg(target_arch = "wasm32")]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sbrk(increment: isize) -> *mut u8 {
    let at = current_break();
    let Ok(more) = usize::try_from(increment) else { return usize::MAX as *mut u8 };
    let Some(end) = at.checked_add(more) else { return usize::MAX as *mut u8 };
    let have = memory_size(0) * PAGE;
    if !grow_to(end, (have / 8).max(MIN_STEP)) {
        return usize::MAX as *mut u8;
    }
    BREAK.store(end, Ordering::Relaxed);
    at as *mut u8
}

/// Grows the memory so that `bytes` more than the break are there without another growth, for a
/// host that knows a call's needs. Returns whether it could.
#[cfg(target_arch = "wasm32")]
pub fn reserve(bytes: usize) -> bool {
    current_break().checked_add(bytes).is_some_and(|end| grow_to(end, 0))
}

/// Natively, where the crate is only type-checked and tested, the system allocator has the heap.
#[cfg(not(target_arch = "wasm32"))]
pub fn reserve(_bytes: usize) -> bool {
    true
}
