//! The engine's heap: wasi-libc's allocator (dlmalloc over `sbrk`, which is `memory.grow`), made
//! to grow the memory in large steps. dlmalloc asks `sbrk` for what the allocation at hand needs,
//! rounded to 64 KiB, so a build that ends at 150 MB grew the memory a few thousand times. In V8
//! every `memory.grow` replaces the memory's ArrayBuffer and counts as external memory, and a
//! profile of a first 2.4k-module build in Node showed about 1.4 s in `sbrk` and 1.4 s in the
//! garbage collector it set off, of a 6 s build. So when an allocation has grown the memory, this
//! grows it by an eighth more at once (dlmalloc keeps the freed block as its top chunk, since wasm
//! memory cannot shrink): a few dozen growths instead of thousands, at most an eighth unused.
//! Near a host's memory cap the extra step is refused and the allocation itself still succeeds
//! (wasmtime's limiter then remembers a refusal, so a trap later in that job reads as out-of-memory).

use std::alloc::{GlobalAlloc, Layout, System};
#[cfg(target_arch = "wasm32")]
use std::arch::wasm32::memory_size;

#[cfg(target_arch = "wasm32")]
const PAGE: usize = 65536;
/// The smallest extra growth: below it, steps would be as small as dlmalloc's own.
#[cfg(target_arch = "wasm32")]
const MIN_STEP: usize = 1 << 20;

/// The global allocator of the module (natively, where the crate is only type-checked and tested,
/// the system allocator stays).
#[cfg(target_arch = "wasm32")]
pub struct Heap;

/// Takes `bytes` from the allocator and gives them back, so the memory has grown by at least that
/// much and the space waits in dlmalloc's top chunk. Returns whether it could.
pub fn reserve(bytes: usize) -> bool {
    let Ok(layout) = Layout::from_size_align(bytes.max(1), 16) else { return false };
    // SAFETY: the layout has a non-zero size; the block is released right away, unused.
    unsafe {
        let p = System.alloc(layout);
        if p.is_null() {
            return false;
        }
        // Without `black_box` LLVM removes the unused allocation (and the growth with it).
        System.dealloc(std::hint::black_box(p), layout);
    }
    true
}

#[cfg(target_arch = "wasm32")]
/// After an allocation that grew the memory from `before` pages: grows it by an eighth more.
fn grew(before: usize) {
    let now = memory_size(0);
    if now > before {
        reserve((now * PAGE / 8).max(MIN_STEP));
    }
}

#[cfg(target_arch = "wasm32")]
// SAFETY: every call is System's; the extra growth only allocates and frees a block of its own.
unsafe impl GlobalAlloc for Heap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let before = memory_size(0);
        // SAFETY: the caller's contract, passed on.
        let p = unsafe { System.alloc(layout) };
        grew(before);
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let before = memory_size(0);
        // SAFETY: the caller's contract, passed on.
        let p = unsafe { System.alloc_zeroed(layout) };
        grew(before);
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract, passed on.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let before = memory_size(0);
        // SAFETY: the caller's contract, passed on.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        grew(before);
        p
    }
}
