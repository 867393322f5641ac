//! The project's persistent cache, kept by the host (wasmtime: RocksDB on disk, under a prefix of
//! its own), so a sandboxed dev session starts warm as a native one does. The host may have none
//! (browsers, build jobs): then every lookup misses.

#[link(wasm_import_module = "nexxo_host")]
unsafe extern "C" {
    /// Writes the value of `key` into `buf`; returns its size (call again with a bigger buffer
    /// when it exceeds `cap`), or -1 when absent.
    fn cache_get(key: *const u8, len: usize, buf: *mut u8, cap: usize) -> i64;
    fn cache_put(key: *const u8, len: usize, value: *const u8, value_len: usize);
    fn cache_forget(key: *const u8, len: usize);
}

pub fn get(key: &[u8]) -> Option<Vec<u8>> {
    let mut buf = vec![0u8; 16 << 10];
    loop {
        // SAFETY: the host reads `key` and writes at most `buf.len()` bytes into `buf`, during
        // the call only.
        let n = usize::try_from(unsafe { cache_get(key.as_ptr(), key.len(), buf.as_mut_ptr(), buf.len()) }).ok()?;
        if n <= buf.len() {
            buf.truncate(n);
            return Some(buf);
        }
        buf = vec![0u8; n];
    }
}

pub fn put(key: &[u8], value: &[u8]) {
    // SAFETY: the host reads both buffers during the call only.
    unsafe { cache_put(key.as_ptr(), key.len(), value.as_ptr(), value.len()) }
}

pub fn forget(key: &[u8]) {
    // SAFETY: the host reads `key` during the call only.
    unsafe { cache_forget(key.as_ptr(), key.len()) }
}
