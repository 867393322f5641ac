//! The build call with its files as bytes, for JavaScript hosts (`nexxo_build_bin`).
//!
//! The JSON call carries every file as a JSON string: the host escapes and encodes megabytes (a
//! 2.4k-module app with React is 5 MB), the engine scans them for escapes, copies them into the
//! request and again into its file system, and the answer's code and source maps go back the same
//! way. That was a tenth of a warm build in Node. Here the files and the answer's texts travel as
//! they are; only the small rest is JSON, so the answer is the JSON call's, value for value.
//!
//! Request (integers u32 little-endian): the length of a JSON `BuildRequest` without `files`, that
//! JSON, the number of files, then per file: its path's length, the path (UTF-8, relative to the
//! root), a byte saying what follows (0: the contents, 1: their base64 text, 2: nothing, which is
//! an error naming the file), the length of what follows, and it.
//!
//! Answer: the length of a JSON `BuildResponse` in which each text file has `"textAt": [offset,
//! length]` instead of `"text"`, that JSON, then the texts it points into (offsets count from the
//! end of the JSON). A request that cannot be read, or a file refused, gets the JSON call's answer
//! to the same (`invalid call`, or a failed build).

use std::sync::Arc;

use nexxo_engine::nexxo_memfs::MemoryFs;
use nexxo_engine::{BuildRequest, BuildResponse, Contents, Message, OutContents};
use serde::Serialize;

use crate::engine_fs::EngineFs;
use crate::host_fs::HostFs;

/// Answers one binary build call. The request is freed once its files are in the file system: on
/// an edge isolate's 128 MB its second copy of the project would be the difference.
pub fn build(input: Box<[u8]>) -> Vec<u8> {
    let decoded = decode(&input);
    drop(input);
    match decoded {
        Ok((request, Some(fs))) => {
            let minified = crate::minified_for(&request);
            encode(&nexxo_engine::build_on(
                EngineFs::Memory(fs),
                &request,
                Some(crate::host_progress::reporter()),
                minified,
            ))
        }
        // No files: the build reads the project through the host, as the JSON call does.
        Ok((request, None)) => {
            let minified = crate::minified_for(&request);
            encode(&nexxo_engine::build(
                request,
                Some(EngineFs::Host(HostFs)),
                EngineFs::Memory,
                Some(crate::host_progress::reporter()),
                minified,
            ))
        }
        // Answered as the JSON call answers each: a request it cannot read, or files it refuses.
        Err(Refused::Call(message)) => frame(&json(&crate::failure(format!("invalid call: {message}"))), &[]),
        Err(Refused::Files(message)) => encode(&BuildResponse::failed(vec![Message::plain(message)])),
    }
}

/// Why a request is not built.
enum Refused {
    /// It is not a well-formed call (the JSON call's `invalid call` failure).
    Call(String),
    /// A file is refused: a path that leaves the root, base64 that is not (a failed build).
    Files(String),
}

impl From<String> for Refused {
    fn from(message: String) -> Self {
        Refused::Call(message)
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        if n > self.bytes.len() {
            return Err("the request ends early".into());
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    fn len(&mut self) -> Result<usize, String> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
    }
}

/// The request, and its files as a file system (`None` when it has none).
fn decode(input: &[u8]) -> Result<(BuildRequest, Option<MemoryFs>), Refused> {
    let mut r = Reader { bytes: input };
    let n = r.len()?;
    let request: BuildRequest = serde_json::from_slice(r.take(n)?).map_err(|e| Refused::Call(e.to_string()))?;
    let count = r.len()?;
    if count == 0 {
        return Ok((request, None));
    }
    let fs = MemoryFs::new();
    for _ in 0..count {
        let n = r.len()?;
        let path = std::str::from_utf8(r.take(n)?).map_err(|_| Refused::Call("a file path is not UTF-8".into()))?;
        let encoding = r.take(1)?[0];
        let n = r.len()?;
        let body = r.take(n)?;
        let contents: Arc<[u8]> = match encoding {
            0 => Arc::from(body),
            1 => {
                let base64 = String::from_utf8_lossy(body).into_owned();
                Contents::Base64 { base64 }
                    .into_bytes()
                    .map_err(|e| Refused::Files(format!("file `{path}`: {e}")))?
                    .into()
            }
            _ => return Err(Refused::Call(nexxo_engine::no_contents(path))),
        };
        fs.insert(&nexxo_engine::memory_fs_path(&request.root, path).map_err(Refused::Files)?, contents);
    }
    Ok((request, Some(fs)))
}

/// `BuildResponse`'s fields, in its order, with the texts pointed at.
#[derive(Serialize)]
struct Answer<'a> {
    ok: bool,
    files: Vec<AnswerFile<'a>>,
    warnings: &'a [Message],
    errors: &'a [Message],
    inputs: &'a [String],
    #[serde(rename = "lookedFor")]
    looked_for: &'a [(String, bool)],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AnswerFile<'a> {
    path: &'a str,
    kind: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    text_at: Option<[usize; 2]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    base64: Option<&'a str>,
}

fn encode(response: &BuildResponse) -> Vec<u8> {
    let mut texts = Vec::with_capacity(
        response
            .files
            .iter()
            .map(|f| match &f.contents {
                OutContents::Text { text } => text.len(),
                OutContents::Base64 { .. } => 0,
            })
            .sum(),
    );
    let files = response
        .files
        .iter()
        .map(|f| {
            let (text_at, base64) = match &f.contents {
                OutContents::Text { text } => {
                    let at = [texts.len(), text.len()];
                    texts.extend_from_slice(text.as_bytes());
                    (Some(at), None)
                }
                OutContents::Base64 { base64 } => (None, Some(base64.as_str())),
            };
            AnswerFile { path: &f.path, kind: &f.kind, text_at, base64 }
        })
        .collect();
    let answer = Answer {
        ok: response.ok,
        files,
        warnings: &response.warnings,
        errors: &response.errors,
        inputs: &response.inputs,
        looked_for: &response.looked_for,
    };
    match serde_json::to_vec(&answer) {
        Ok(head) => frame(&head, &texts),
        Err(e) => frame(&json(&crate::failure(format!("cannot encode the response: {e}"))), &[]),
    }
}

fn json(value: &serde_json::Value) -> Vec<u8> {
    serde_json::to_vec(value).unwrap_or_default()
}

/// The answer's bytes: the JSON's length, the JSON, the texts.
fn frame(json: &[u8], texts: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(4 + json.len() + texts.len());
    out.extend_from_slice(&(json.len() as u32).to_le_bytes());
    out.extend_from_slice(json);
    out.extend_from_slice(texts);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A request as the JS host encodes it (wasm/js/nexxo.js `encodeBuild`).
    fn request(json: &str, files: &[(&str, u8, &[u8])]) -> Vec<u8> {
        let len = |n: usize| (n as u32).to_le_bytes();
        let mut out = Vec::new();
        out.extend_from_slice(&len(json.len()));
        out.extend_from_slice(json.as_bytes());
        out.extend_from_slice(&len(files.len()));
        for (path, kind, body) in files {
            out.extend_from_slice(&len(path.len()));
            out.extend_from_slice(path.as_bytes());
            out.push(*kind);
            out.extend_from_slice(&len(body.len()));
            out.extend_from_slice(body);
        }
        out
    }

    #[test]
    fn decodes_files_as_bytes_and_base64() {
        let input =
            request(r#"{"root":"/app"}"#, &[("src/a.ts", 0, b"export const a = 1;\n"), ("b.bin", 1, b"AJ+Slv8=")]);
        let Ok((request, Some(fs))) = decode(&input) else { panic!("decoded") };
        assert_eq!(request.root, std::path::Path::new("/app"));
        assert_eq!(fs.get(std::path::Path::new("/app/src/a.ts")).as_deref(), Some(&b"export const a = 1;\n"[..]));
        assert_eq!(fs.get(std::path::Path::new("/app/b.bin")).as_deref(), Some(&[0, 159, 146, 150, 255][..]));
    }

    #[test]
    fn no_files_means_the_host_reads_them() {
        assert!(matches!(decode(&request("{}", &[])), Ok((_, None))));
    }

    #[test]
    fn refusals_are_told_apart() {
        let call = |input: &[u8]| matches!(decode(input), Err(Refused::Call(_)));
        let files = |input: &[u8]| matches!(decode(input), Err(Refused::Files(_)));
        let whole = request("{}", &[("a.ts", 0, b"1")]);
        // Every truncation of a well-formed request is refused as a call, never read past its end.
        for end in 0..whole.len() {
            assert!(call(&whole[..end]), "cut at {end}");
        }
        assert!(call(&request("{", &[])));
        assert!(call(&request("{}", &[("a.ts", 2, b"")])), "no contents");
        assert!(call(&request("{}", &[("a.ts", 7, b"")])), "unknown kind");
        assert!(files(&request("{}", &[("../a.ts", 0, b"")])), "outside the root");
        assert!(files(&request("{}", &[("a.bin", 1, b"@@")])), "not base64");
    }
}
