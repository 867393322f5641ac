//! Minifies the JavaScript chunks, a large chunk in parts on every core.
//!
//! rolldown minifies each chunk whole on one thread: an app that is one chunk (most single-page
//! apps) leaves every other core idle while oxc parses, compresses, mangles and prints it (a
//! quarter of a 2,400-module build on two cores). This plugin takes that job over (rolldown's
//! own `minify` is off when it runs): a chunk of at least [`PART_BYTES`] twice over is cut at
//! top-level statement boundaries into parts of about [`PART_BYTES`], and each part is parsed,
//! compressed, mangled and printed on its own thread. A CommonJS package in rolldown's wrapper
//! (one statement: react-dom is 560 kB of one) has its body cut the same way, its body a naming
//! domain of its own (see [`Wrapper`]). What one part cannot see of the others, the top-level
//! scope they share, is decided once for all:
//!
//! - a part's top-level bindings that other parts use, and the names it uses that another part
//!   declares, are held for the compressor with a use standing for the others' (read, and
//!   assigned when another part assigns), so nothing another part uses is dropped, inlined or
//!   taken for a global;
//! - the top-level names are given short names once, most used first (as one mangler would),
//!   none that an inner binding around one of its uses has (it would capture the use); a
//!   wrapper body's names are given after the chunk's and take none of those the body uses.
//!
//! Each part's inner names are mangled by oxc's mangler. The cuts depend on the chunk's text
//! only, never on the number of threads, so every host (native, the WASM engine on one thread)
//! writes the same bytes. They fall at anchors (statement lines picked by their hash), so an edit
//! leaves the other parts as they were: a `--watch` session keeps each build's parts ([`Kept`])
//! and its next build takes the unchanged ones again instead of minifying them. A smaller chunk,
//! a format other than ES modules, a direct `eval` or a cut that does not parse on its own takes
//! the one-part path, which is rolldown's minification call for call.

use std::borrow::Cow;
use std::sync::Arc;

use arcstr::ArcStr;
use oxc::allocator::Allocator;
use oxc::ast::ast::{Declaration, Statement};
use oxc::codegen::{self, Codegen, CodegenOptions, CommentOptions};
use oxc::mangler::Mangler;
use oxc::minifier::{Compressor, MinifierOptions};
use oxc::parser::{ParseOptions, Parser};
use oxc::semantic::{Scoping, SemanticBuilder, Stats};
use oxc::span::SourceType;
use oxc::syntax::node::NodeId;
use oxc::syntax::reference::{Reference, ReferenceFlags, ReferenceId};
use oxc::syntax::symbol::{SymbolFlags, SymbolId};
use rolldown_common::{MinifyOptions, NormalizedBundlerOptions, OutputFormat, RawMinifyOptions};
use rolldown_ecmascript::EcmaAst;
use rolldown_ecmascript::EcmaCompiler;
use rolldown_plugin::{
    HookRenderChunkArgs, HookRenderChunkOutput, HookRenderChunkReturn, HookTransformOutputMap, HookUsage, Plugin,
    PluginContext,
};
use rolldown_sourcemap::SourceMap;
use rustc_hash::{FxHashMap, FxHashSet};

/// The size of a part. Smaller parts share the work more evenly and lose more of what a
/// compressor sees across statements; measured in `benches/README.md` (session 16).
pub const PART_BYTES: usize = 128 * 1024;

/// The least a part has before it may end at an anchor (see [`cuts`]).
const MIN_PART_BYTES: usize = PART_BYTES * 3 / 4;

/// One statement line in this many is an anchor: with some hundred statements between
/// [`MIN_PART_BYTES`] and [`PART_BYTES`] in an app's chunk, nearly every part ends at one.
const ANCHOR_EVERY: u64 = 16;

#[derive(Debug)]
pub(crate) struct MinifyPlugin {
    /// rolldown's minify options for the whole build, as `options::minify_options` gives them.
    pub raw: RawMinifyOptions,
    /// For the rebuilds of a `--watch` session: each chunk's parts as the last build minified
    /// them. `None`: one build, nothing kept.
    pub kept: Option<KeptChunks>,
}

/// Each chunk's parts as the last build of a session minified them, by the chunk's file name
/// (before hashing), with the options they were minified with (a part minified with others is
/// not taken). Shared by the session's successive bundlers: a `--watch` rebuild that starts
/// over (after a style sheet's edit, say) still finds the parts that did not change.
#[derive(Clone, Default)]
pub struct KeptChunks(Arc<std::sync::Mutex<FxHashMap<String, (String, KeptParts)>>>);

impl std::fmt::Debug for KeptChunks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeptChunks")
    }
}

impl Plugin for MinifyPlugin {
    fn name(&self) -> Cow<'static, str> {
        Cow::Borrowed("nexxo:minify")
    }

    fn register_hook_usage(&self) -> HookUsage {
        HookUsage::RenderChunk
    }

    async fn render_chunk(&self, _ctx: &PluginContext, args: &HookRenderChunkArgs<'_>) -> HookRenderChunkReturn {
        let MinifyOptions::Enabled(enabled) = self.raw.clone().normalize(args.options) else {
            return Ok(None);
        };
        let job = Job {
            code: Arc::clone(&args.code),
            filename: args.chunk.filename.to_string(),
            format: args.options.format,
            sourcemap: args.options.is_sourcemap_enabled(),
            minifier: enabled.options,
            codegen: codegen_options(args.options, enabled.remove_whitespace, enabled.ascii_only),
        };
        // Only a session keeps parts, under the options they were minified with.
        let session = self.kept.as_ref().map(|k| (k, format!("{:?} {:?}", job.minifier, job.codegen)));
        let kept = session.as_ref().map(|(k, options)| {
            let last = k.0.lock().expect("kept parts").remove(&job.filename);
            last.filter(|(with, _)| with == options).map(|(_, parts)| parts).unwrap_or_default()
        });
        let filename = job.filename.clone();
        let (code, map, next) = run(job, kept).await?;
        if let Some((k, options)) = session {
            k.0.lock().expect("kept parts").insert(filename, (options, next));
        }
        let map = match map {
            Some(map) => HookTransformOutputMap::Sourcemap(Box::new(map)),
            None => HookTransformOutputMap::Null,
        };
        Ok(Some(HookRenderChunkOutput { code, map }))
    }
}

/// One chunk to minify, owned, so that it can go to another thread.
struct Job {
    code: Arc<String>,
    filename: String,
    format: OutputFormat,
    sourcemap: bool,
    minifier: MinifierOptions,
    codegen: CodegenOptions,
}

/// The chunks' render hooks are awaited together: each chunk's work goes to rayon's pool, so
/// that chunks are minified side by side as rolldown minified them. The WASM engine has one
/// thread and works in place.
async fn run(job: Job, kept: Option<KeptParts>) -> anyhow::Result<(String, Option<SourceMap>, KeptParts)> {
    #[cfg(not(target_family = "wasm"))]
    {
        let (tx, rx) = futures::channel::oneshot::channel();
        rayon::spawn(move || {
            let _ = tx.send(minify(&job, kept.as_ref()));
        });
        rx.await.map_err(|_| anyhow::anyhow!("the minifier's thread stopped"))?
    }
    #[cfg(target_family = "wasm")]
    {
        minify(&job, kept.as_ref())
    }
}

/// The codegen options rolldown's `minify_chunks` prints a minified chunk with.
fn codegen_options(options: &NormalizedBundlerOptions, remove_whitespace: bool, ascii_only: bool) -> CodegenOptions {
    CodegenOptions {
        minify: remove_whitespace,
        ascii_only: options.charset.is_ascii() || ascii_only,
        comments: CommentOptions {
            normal: !remove_whitespace,
            jsdoc: options.comments.jsdoc && !remove_whitespace,
            annotation: options.comments.annotation,
            legal: if options.comments.legal || !remove_whitespace {
                codegen::LegalComment::Inline
            } else {
                codegen::LegalComment::None
            },
        },
        ..CodegenOptions::default()
    }
}

/// The chunk minified, and its parts for the next build when `kept` holds the last build's.
fn minify(job: &Job, kept: Option<&KeptParts>) -> anyhow::Result<(String, Option<SourceMap>, KeptParts)> {
    let code = job.code.as_str();
    if matches!(job.format, OutputFormat::Esm) {
        let plan = Plan::of(code);
        if plan.parts.len() > 1
            && let Some(done) = in_parts(job, &plan, kept)
        {
            return Ok(done);
        }
    }
    whole(job).map(|(code, map)| (code, map, KeptParts::default()))
}

/// rolldown's minification of one chunk, call for call (`EcmaCompiler::dce_or_minify`).
fn whole(job: &Job) -> anyhow::Result<(String, Option<SourceMap>)> {
    let allocator = Allocator::default();
    let source_type = job.format.source_type().with_jsx(true);
    let (code, map, _) = EcmaCompiler::dce_or_minify(
        &allocator,
        job.code.as_str(),
        source_type,
        job.sourcemap,
        &job.filename,
        true,
        job.minifier.clone(),
        job.codegen.clone(),
    )
    .map_err(|errs| {
        anyhow::anyhow!("{}", errs.iter().map(|e| e.to_diagnostic().to_string()).collect::<Vec<_>>().join("\n"))
    })?;
    Ok((code, map.map(|map| map.into_owned())))
}

/// Where the parts of `code[from..to]` start: `from`, then starts of statements. A part ends
/// before a statement whose first line is an anchor (its hash is a multiple of [`ANCHOR_EVERY`])
/// once it has [`MIN_PART_BYTES`], or else before the statement that would take it past
/// [`PART_BYTES`] (a statement longer than that is a part of its own). Cutting at anchors, which
/// depend on the lines themselves and not on where they are, keeps the cuts where they were
/// after an edit elsewhere: a `--watch` rebuild finds every part but the edited one unchanged
/// and takes it from the last build ([`Kept`]). `indent` is what starts a line of a statement
/// of this level: nothing at the chunk's top level, a tab in a wrapper's body.
///
/// A statement start is found by its line: rolldown prints a chunk with oxc's codegen, which
/// starts each statement of a block on a line of its own, indents each level by a tab and ends
/// each statement with `;` or `}`; a line that starts with a name (or a `//` comment) after
/// such a line is taken for a statement's. A cut inside a string, template, comment or nested
/// code leaves a part that does not parse, and [`in_parts`] gives up on such a chunk; a part that
/// ends with a `;` or `}` token and parses whole ends where the chunk's statement ends too, as no
/// statement goes on after `;` or a block, and a name cannot continue one on the next line either.
fn cuts(code: &str, from: usize, to: usize, indent: &[u8]) -> Vec<usize> {
    let bytes = code.as_bytes();
    let mut cuts = vec![from];
    let Some(text) = code.get(from..to) else { return cuts };
    let starts = text.match_indices('\n').filter_map(|(nl, _)| {
        let (nl, next) = (from + nl, from + nl + 1);
        let line = &bytes[next..to];
        // Byte by byte: a call of `starts_with` per line (a `memcmp`) made this loop 15 ms on a
        // 19k-module app's chunk, before any part could start.
        let indented = indent.len() <= line.len() && indent.iter().zip(line).all(|(a, b)| a == b);
        let first = line.get(indent.len()).copied();
        // rolldown puts a `// path` line before each module's statements.
        let starts_name = indented
            && (first.is_some_and(|b| b.is_ascii_alphabetic() || b == b'_' || b == b'$')
                || (first == Some(b'/') && line.get(indent.len() + 1) == Some(&b'/')));
        let ends_statement = || matches!(bytes[..nl].trim_ascii_end().last(), Some(b';' | b'}'));
        (starts_name && ends_statement()).then_some(next)
    });
    let mut last = from;
    let mut previous = from;
    for start in starts.chain([to]) {
        if start - last > PART_BYTES {
            if previous > last {
                cuts.push(previous);
                last = previous;
            }
            if start - last > PART_BYTES && start < to {
                cuts.push(start);
                last = start;
            }
        } else if start < to && start - last >= MIN_PART_BYTES && is_anchor(&bytes[start..to]) {
            cuts.push(start);
            last = start;
        }
        previous = start;
    }
    cuts
}

/// Whether the statement line at the start of `text` is one a part may end before.
fn is_anchor(text: &[u8]) -> bool {
    let line = &text[..text.iter().take(120).position(|&b| b == b'\n').unwrap_or(text.len().min(120))];
    xxhash_rust::xxh3::xxh3_64(line).is_multiple_of(ANCHOR_EVERY)
}

/// How a chunk is minified: its parts in the chunk's order, each in a naming domain (0: the
/// chunk's top level; `k`: the body of `wrappers[k - 1]`).
struct Plan {
    /// `(start, end, domain)` of each part.
    parts: Vec<(usize, usize, usize)>,
    wrappers: Vec<Wrapper>,
}

/// A CommonJS package (or lazily run ES module) in rolldown's wrapper, longer than a part:
/// `var NAME = HELPER(((PARAMS) => {` BODY `}));`, one statement, react-dom's 560 kB among them.
/// Its body is cut into parts of its own, whose top-level bindings (with the parameters) are the
/// body's names, given short names apart from the chunk's; the wrapper's first and last lines
/// are printed by hand around them.
struct Wrapper {
    /// The licence comments before it, printed before it.
    legal: String,
    name: String,
    helper: String,
    params: Vec<String>,
    /// The index of its first body part in `Plan::parts`, and how many there are.
    first: usize,
    count: usize,
}

impl Plan {
    fn of(code: &str) -> Self {
        let mut plan = Plan { parts: Vec::new(), wrappers: Vec::new() };
        if code.len() < 2 * PART_BYTES {
            plan.parts.push((0, code.len(), 0));
            return plan;
        }
        let top = cuts(code, 0, code.len(), b"");
        for (i, &start) in top.iter().enumerate() {
            let end = top.get(i + 1).copied().unwrap_or(code.len());
            match (end - start > PART_BYTES).then(|| wrapper(code, start, end)).flatten() {
                Some((mut wrapper, body_start, body_end)) => {
                    let body = cuts(code, body_start, body_end, b"\t");
                    let domain = plan.wrappers.len() + 1;
                    wrapper.first = plan.parts.len();
                    wrapper.count = body.len();
                    for (j, &part_start) in body.iter().enumerate() {
                        plan.parts.push((part_start, body.get(j + 1).copied().unwrap_or(body_end), domain));
                    }
                    plan.wrappers.push(wrapper);
                }
                None => plan.parts.push((start, end, 0)),
            }
        }
        plan
    }
}

/// The wrapper statement at `code[start..end]`, if that is one (its parts not yet placed), and
/// its body's range (whole lines).
fn wrapper(code: &str, start: usize, end: usize) -> Option<(Wrapper, usize, usize)> {
    let mut start = start;
    let mut legal = String::new();
    loop {
        let text = code.get(start..end)?;
        if text.starts_with("//") {
            // The `// path` line rolldown puts before a module: a minified chunk keeps none.
            start += text.find('\n')? + 1;
        } else if text.starts_with("/*") {
            // A licence: the chunk's comments are legal ones only (see `options.rs`); it goes
            // before the wrapper's first line.
            let comment = text.get(..text.find("*/")? + 2)?;
            legal.push_str(comment);
            legal.push('\n');
            start += comment.len() + text.get(comment.len()..)?.find('\n')? + 1;
        } else {
            break;
        }
    }
    let text = code.get(start..end)?;
    let head_end = text.find('\n')?;
    let head = text.get(..head_end)?;
    let body = text.get(head_end + 1..)?.trim_end();
    let tail_start = body.rfind('\n')?;
    if body.get(tail_start + 1..)? != "}));" {
        return None;
    }
    let rest = head.strip_prefix("var ")?;
    let (name, rest) = rest.split_once(" = ")?;
    let rest = rest.strip_prefix("/* @__PURE__ */ ").unwrap_or(rest);
    let (helper, rest) = rest.split_once("(((")?;
    let params = rest.strip_suffix(") => {")?;
    let params: Vec<String> =
        if params.is_empty() { Vec::new() } else { params.split(", ").map(str::to_owned).collect() };
    let is_name = |s: &str| {
        s.bytes()
            .enumerate()
            .all(|(i, b)| b == b'_' || b == b'$' || b.is_ascii_alphabetic() || (i > 0 && b.is_ascii_digit()))
            && !s.is_empty()
    };
    if !is_name(name) || !is_name(helper) || !params.iter().all(|p| is_name(p)) {
        return None;
    }
    let body_start = start + head_end + 1;
    let wrapper = Wrapper { legal, name: name.to_owned(), helper: helper.to_owned(), params, first: 0, count: 0 };
    Some((wrapper, body_start, body_start + tail_start + 1))
}

/// `items` mapped on rayon's pool one item per task, largest first, so that the largest part
/// (often a package's one statement) starts at once and the others share the other threads;
/// the results come back in `items`' order. The WASM engine maps them in order.
fn map_largest_first<T: Send, R: Send>(
    items: Vec<T>,
    size: impl Fn(&T) -> usize,
    f: impl Fn(T) -> R + Sync + Send,
) -> Vec<R> {
    #[cfg(not(target_family = "wasm"))]
    {
        use rayon::prelude::*;
        let mut indexed: Vec<(usize, T)> = items.into_iter().enumerate().collect();
        indexed.sort_by_key(|(i, item)| (std::cmp::Reverse(size(item)), *i));
        let mut done: Vec<(usize, R)> = indexed.into_par_iter().with_max_len(1).map(|(i, item)| (i, f(item))).collect();
        done.sort_unstable_by_key(|(i, _)| *i);
        done.into_iter().map(|(_, r)| r).collect()
    }
    #[cfg(target_family = "wasm")]
    {
        let _ = size;
        items.into_iter().map(f).collect()
    }
}

/// A part parsed, with its scopes, and what the chunk-wide step needs to know of it.
struct Part {
    ast: EcmaAst,
    scoping: Scoping,
    stats: Stats,
    summary: Arc<Summary>,
}

/// What the chunk-wide naming needs to know of a part's top level.
struct Summary {
    /// The top-level bindings it declares, with the references to each (and one for the
    /// declaration), in declaration order.
    declared: Vec<(String, u32)>,
    /// The names it refers to that it does not declare, with how often and whether it assigns
    /// to them.
    free: Vec<(String, u32, bool)>,
    /// Names it exports by declaration (`export const x`): they keep their names.
    exported: Vec<String>,
}

/// Each top-level name a part uses, with its domain and the inner names around its uses (see
/// [`inner_names_around`]).
type Around = Vec<(usize, String, Vec<u32>)>;

/// A part as the last build of a `--watch` session minified it, found again by its text and
/// domain: its summary, the inner names around its uses of top-level names (valid while the
/// chunk-wide facts its compression saw, [`view_key`], are the same) and its printed code (valid
/// while its top-level names' short names, [`names_key`], are the same too). Each is what the
/// same steps give for the same inputs, so a kept part is byte for byte a minified one.
pub(crate) struct Kept {
    summary: Arc<Summary>,
    view: u128,
    around: Arc<Around>,
    names: u128,
    printed: Arc<Printed>,
}

/// The parts kept for a chunk, by their text's hash and domain.
pub(crate) type KeptParts = FxHashMap<(u128, usize), Kept>;

/// Where a part is, once the chunk's names are known.
enum Stage {
    /// Parsed this time (it was not kept).
    Parsed(Box<Part>),
    /// Kept: not parsed, its summary taken from the last build.
    Kept,
}

fn in_parts(job: &Job, plan: &Plan, kept: Option<&KeptParts>) -> Option<(String, Option<SourceMap>, KeptParts)> {
    let code = job.code.as_str();
    let source_type = SourceType::mjs().with_jsx(true);
    let ranges: Vec<(usize, usize, usize, u32)> = {
        let mut line = 0u32;
        let mut prev = 0;
        let mut out = Vec::with_capacity(plan.parts.len());
        for &(start, end, domain) in &plan.parts {
            line += count_lines(&code.as_bytes()[prev..start]);
            prev = start;
            out.push((start, end, domain, line));
        }
        out
    };
    // The parts' keys (text, and below the facts each saw and the names it was printed with) are
    // worked out only in a session that keeps parts: a one-off build has nothing to look them up in.
    let keeping = kept.is_some();
    let keyed = |f: &dyn Fn(usize) -> u128| -> Vec<u128> {
        if keeping { (0..ranges.len()).map(f).collect() } else { Vec::new() }
    };
    let texts = keyed(&|i| xxhash_rust::xxh3::xxh3_128(&code.as_bytes()[ranges[i].0..ranges[i].1]));
    let keys: Vec<(u128, usize)> = texts.iter().zip(&ranges).map(|(&text, r)| (text, r.2)).collect();
    let kept_of = |i: usize| kept.and_then(|kept| kept.get(&keys[i]));
    let parse = |i: usize| {
        let (start, end, domain, _) = ranges[i];
        parse_part(code.get(start..end)?, domain, source_type)
    };

    // 1. Each part parsed and its scopes built, unless it is kept.
    let stages: Vec<Option<Stage>> = map_largest_first(
        (0..ranges.len()).collect(),
        |&i| if kept_of(i).is_some() { 0 } else { ranges[i].1 - ranges[i].0 },
        |i| if kept_of(i).is_some() { Some(Stage::Kept) } else { parse(i).map(|p| Stage::Parsed(Box::new(p))) },
    );
    let stages: Vec<Stage> = stages.into_iter().collect::<Option<_>>()?;
    let summaries: Vec<(usize, Arc<Summary>)> = stages
        .iter()
        .enumerate()
        .map(|(i, stage)| {
            let summary = match stage {
                Stage::Parsed(part) => Arc::clone(&part.summary),
                Stage::Kept => Arc::clone(&kept_of(i)?.summary),
            };
            Some((ranges[i].2, summary))
        })
        .collect::<Option<_>>()?;

    // 2. The names of each domain, most used first, and the globals they must not take.
    let mut domains = TopLevel::collect(&summaries, &plan.wrappers);

    // 3. Each part compressed and its inner names mangled, unless it is kept and what its
    // compression saw of the chunk is unchanged.
    let minifier = &job.minifier;
    let views = keyed(&|i| view_key(&summaries[i].1, &View::of(&domains, summaries[i].0)));
    let reused = |i: usize| kept_of(i).is_some_and(|k| k.view == views[i]);
    let todo: Vec<(usize, Option<Part>)> = stages
        .into_iter()
        .enumerate()
        .filter(|(i, _)| !reused(*i))
        .map(|(i, stage)| match stage {
            Stage::Parsed(part) => (i, Some(*part)),
            Stage::Kept => (i, None),
        })
        .collect();
    let done: Vec<Option<(usize, Mangled)>> = map_largest_first(
        todo,
        |(i, _)| ranges[*i].1 - ranges[*i].0,
        |(i, part)| {
            let part = part.or_else(|| parse(i))?;
            let domain = ranges[i].2;
            Some((i, compress_and_mangle(part, &View::of(&domains, domain), minifier)))
        },
    );
    let mut mangled: Vec<Option<Mangled>> = (0..ranges.len()).map(|_| None).collect();
    for (i, part) in done.into_iter().collect::<Option<Vec<_>>>()? {
        mangled[i] = Some(part);
    }
    let arounds: Vec<Arc<Around>> = (0..ranges.len())
        .map(|i| match &mangled[i] {
            Some(part) => Some(Arc::clone(&part.around)),
            None => kept_of(i).map(|k| Arc::clone(&k.around)),
        })
        .collect::<Option<_>>()?;

    // 4. The top-level names given short names, each one that no inner name around its uses
    // has: the chunk's first, then each wrapper body's, which must not hide a chunk name it uses.
    domains[0].assign(&arounds, 0);
    for k in 1..domains.len() {
        let (chunk, rest) = domains.split_at_mut(1);
        let body = &mut rest[k - 1];
        let outer: Vec<String> = body.outer_used.iter().map(|n| chunk[0].short.get(n).unwrap_or(n).clone()).collect();
        body.taken.extend(outer);
        body.assign(&arounds, k);
    }

    // 5. Each part printed, unless it is kept with the same names.
    let codegen = &job.codegen;
    let sourcemap = job.sourcemap;
    let names = keyed(&|i| names_key(&summaries[i].1, &View::of(&domains, summaries[i].0), sourcemap));
    let todo: Vec<(usize, Option<Mangled>)> = mangled
        .into_iter()
        .enumerate()
        .filter(|(i, part)| part.is_some() || kept_of(*i).is_none_or(|k| k.names != names[*i]))
        .collect();
    let done: Vec<Option<(usize, Printed)>> = map_largest_first(
        todo,
        |(i, _)| ranges[*i].1 - ranges[*i].0,
        |(i, part)| {
            let domain = ranges[i].2;
            let view = View::of(&domains, domain);
            // Kept, compressed under the same view, printed with other names: its compression
            // again (the same as before), then its print.
            let part = match part {
                Some(part) => part,
                None => compress_and_mangle(parse(i)?, &view, minifier),
            };
            Some((i, print_part(part, &view, codegen, sourcemap)))
        },
    );
    let mut printed: Vec<Option<Arc<Printed>>> = (0..ranges.len()).map(|_| None).collect();
    for (i, part) in done.into_iter().collect::<Option<Vec<_>>>()? {
        printed[i] = Some(Arc::new(part));
    }
    let printed: Vec<Arc<Printed>> = printed
        .into_iter()
        .enumerate()
        .map(|(i, part)| part.or_else(|| kept_of(i).map(|k| Arc::clone(&k.printed))))
        .collect::<Option<_>>()?;

    // 6. The parts joined, each on a line of its own, and their maps as one; a wrapper's first
    // and last lines around its body's parts.
    let mut out = String::with_capacity(printed.iter().map(|p| p.code.len() + 2).sum());
    let mut tokens = Vec::with_capacity(printed.iter().map(|p| p.tokens.len()).sum());
    let mut map_names: Vec<Cow<'static, str>> = Vec::new();
    let mut line = 0u32;
    let short = |domain: &TopLevel, name: &String| domain.short.get(name).unwrap_or(name).clone();
    let push_line = |out: &mut String, text: &str, line: &mut u32| {
        if !out.is_empty() {
            out.push('\n');
            *line += 1;
        }
        out.push_str(text);
    };
    // Kept for the next build, or dropped once joined (the parts' tokens are as many as the map's).
    let mut keep: Vec<Arc<Printed>> = Vec::new();
    for (i, part) in printed.into_iter().enumerate() {
        let Printed { code, tokens: part_tokens, names } = &*part;
        let src_line = ranges[i].3;
        if let Some((k, w)) = plan.wrappers.iter().enumerate().find(|(_, w)| w.first == i) {
            let params: Vec<String> = w.params.iter().map(|p| short(&domains[k + 1], p)).collect();
            let head = format!(
                "{}var {}={}(({})=>{{",
                w.legal,
                short(&domains[0], &w.name),
                short(&domains[0], &w.helper),
                params.join(",")
            );
            push_line(&mut out, &head, &mut line);
            // The licence comments before it take lines of their own.
            line += count_lines(head.as_bytes());
        }
        push_line(&mut out, code, &mut line);
        // A part's last statement may leave its `;` to the end of the file.
        if !code.ends_with([';', '}']) {
            out.push(';');
        }
        let name_offset = map_names.len() as u32;
        map_names.extend(names.iter().map(|n| Cow::Owned(n.clone())));
        tokens.extend(part_tokens.iter().map(|t| {
            oxc_sourcemap::Token::new(
                t.get_dst_line() + line,
                t.get_dst_col(),
                t.get_src_line() + src_line,
                t.get_src_col(),
                t.get_source_id().map(|_| 0),
                t.get_name_id().map(|n| n + name_offset),
            )
        }));
        line += count_lines(code.as_bytes());
        if plan.wrappers.iter().any(|w| w.first + w.count == i + 1) {
            push_line(&mut out, "});", &mut line);
        }
        if keeping {
            keep.push(part);
        }
    }
    let map = sourcemap.then(|| {
        SourceMap::new(
            None,
            map_names,
            None,
            vec![Cow::Owned(job.filename.clone())],
            vec![],
            tokens.into_boxed_slice(),
            None,
        )
    });
    // What a next build of the session may take again (only when this one keeps parts).
    let next: KeptParts = if keeping {
        summaries
            .into_iter()
            .zip(keep)
            .enumerate()
            .map(|(i, ((_, summary), printed))| {
                let kept = Kept { summary, view: views[i], around: Arc::clone(&arounds[i]), names: names[i], printed };
                (keys[i], kept)
            })
            .collect()
    } else {
        KeptParts::default()
    };
    Some((out, map, next))
}

/// The chunk-wide facts a part's compression and mangling read (see [`hold_top_level`] and
/// [`inner_names_around`]): for each name it declares, whether other parts read or assign it and
/// whether it keeps its name; for each name it uses but does not declare, whose it is.
fn view_key(summary: &Summary, view: &View) -> u128 {
    let mut bytes = Vec::new();
    for (name, _) in &summary.declared {
        let flags = view.own.outside.get(name.as_str()).map_or(0, |f| f.bits() as u32 + 1);
        bytes.extend_from_slice(&flags.to_le_bytes());
        bytes.push(u8::from(view.own.taken.contains(name.as_str())));
    }
    for (name, ..) in &summary.free {
        match view.home_of_free(name) {
            Some((domain, home)) => {
                bytes.extend_from_slice(&(domain as u32 + 1).to_le_bytes());
                bytes.push(u8::from(home.taken.contains(name.as_str())));
            }
            None => bytes.extend_from_slice(&0u32.to_le_bytes()),
        }
    }
    xxhash_rust::xxh3::xxh3_128(&bytes)
}

/// The names a part is printed with (see [`rename_top_level`]): the short name of each name it
/// declares and of each other part's name it uses, and whether it has a source map.
fn names_key(summary: &Summary, view: &View, sourcemap: bool) -> u128 {
    let mut bytes = vec![u8::from(sourcemap)];
    let declared = summary.declared.iter().map(|(name, _)| view.own.short.get(name.as_str()));
    let free = summary
        .free
        .iter()
        .map(|(name, ..)| view.home_of_free(name).and_then(|(_, home)| home.short.get(name.as_str())));
    for short in declared.chain(free) {
        // Each name's bytes and a separator no name has.
        bytes.extend_from_slice(short.map_or("", String::as_str).as_bytes());
        bytes.push(0xff);
    }
    xxhash_rust::xxh3::xxh3_128(&bytes)
}

fn count_lines(s: &[u8]) -> u32 {
    s.iter().filter(|&&b| b == b'\n').count() as u32
}

/// Parses one part, of naming domain `domain`.
fn parse_part(text: &str, domain: usize, source_type: SourceType) -> Option<Part> {
    let mut failed = false;
    let ast = EcmaAst::from_allocator_and_source(ArcStr::new(), Allocator::default(), |allocator| {
        let source = allocator.alloc_str(text);
        // A CommonJS module's body may `return` (Node allows it at a module's top level).
        let options = ParseOptions {
            preserve_parens: false,
            allow_return_outside_function: domain > 0,
            ..ParseOptions::default()
        };
        let ret = Parser::new(allocator, source, source_type).with_options(options).parse();
        failed = ret.fatal_error || !ret.diagnostics.is_empty();
        ret.program
    });
    if failed {
        return None;
    }
    let program = ast.program();
    let semantic = SemanticBuilder::new().build(program).semantic;
    let stats = semantic.stats();
    let scoping = semantic.into_scoping();
    // A direct `eval` sees names by their text: only the whole chunk can keep them.
    if (0..scoping.scopes_len())
        .any(|i| scoping.scope_flags(oxc::syntax::scope::ScopeId::from_usize(i)).contains_direct_eval())
    {
        return None;
    }
    let root = scoping.root_scope_id();
    let mut declared: Vec<(SymbolId, String, u32)> = scoping
        .get_bindings(root)
        .iter()
        .map(|(name, &symbol)| {
            (symbol, name.as_str().to_owned(), scoping.get_resolved_reference_ids(symbol).len() as u32 + 1)
        })
        .collect();
    declared.sort_unstable_by_key(|(symbol, ..)| *symbol);
    let declared = declared.into_iter().map(|(_, name, count)| (name, count)).collect();
    let mut free: Vec<(String, u32, bool)> = scoping
        .root_unresolved_references()
        .iter()
        .map(|(name, ids)| {
            let written = ids.iter().any(|&id| scoping.get_reference(id).flags().is_write());
            (name.as_str().to_owned(), ids.len() as u32, written)
        })
        .collect();
    free.sort_unstable();
    let mut exported = Vec::new();
    for statement in &program.body {
        if let Statement::ExportDeclaration(export) = statement {
            match &export.declaration {
                Declaration::VariableDeclaration(decl) => {
                    for declarator in &decl.declarations {
                        for id in declarator.id.get_binding_identifiers() {
                            exported.push(id.name.as_str().to_owned());
                        }
                    }
                }
                other => {
                    if let Some(id) = other.id() {
                        exported.push(id.name.as_str().to_owned());
                    }
                }
            }
        }
    }
    Some(Part { ast, scoping, stats, summary: Arc::new(Summary { declared, free, exported }) })
}

/// The top-level names of one naming domain (the chunk's, or a wrapper body's) and the short
/// name each is printed with.
struct TopLevel {
    /// Every name the domain declares, renamed or not.
    all: FxHashSet<String>,
    /// The names to give short names, most used first (first seen first among equals, so that
    /// the names depend on neither hashing nor threads).
    ranked: Vec<String>,
    /// Names none of them may become: the globals the chunk uses, the names the chunk exports by
    /// declaration (which keep theirs) and, in a wrapper's body, the chunk names it uses.
    taken: FxHashSet<String>,
    /// Original name -> short name, once assigned; a name that keeps its own is absent.
    short: FxHashMap<String, String>,
    /// What the other parts do with a part's top-level binding: read it, assign to it. A name
    /// declared by two parts (`var` twice) is read and assigned by each other's.
    outside: FxHashMap<String, ReferenceFlags>,
    /// In a wrapper's body: the chunk's names it uses, in first-use order.
    outer_used: Vec<String>,
}

impl TopLevel {
    fn new() -> Self {
        Self {
            all: FxHashSet::default(),
            ranked: Vec::new(),
            taken: FxHashSet::default(),
            short: FxHashMap::default(),
            outside: FxHashMap::default(),
            outer_used: Vec::new(),
        }
    }

    /// Every domain's names: the chunk's (its parts' declarations and the wrappers' names) and
    /// each wrapper body's (its parts' declarations and the wrapper's parameters).
    fn collect(parts: &[(usize, Arc<Summary>)], wrappers: &[Wrapper]) -> Vec<Self> {
        let count = wrappers.len() + 1;
        let mut domains: Vec<Self> = (0..count).map(|_| Self::new()).collect();
        // Per domain: name -> (uses, first seen), and the names in first-seen order.
        let mut uses: Vec<FxHashMap<String, (u32, usize)>> = vec![FxHashMap::default(); count];
        let mut order: Vec<Vec<String>> = vec![Vec::new(); count];
        let mut declare = |domain: usize, name: &str, n: u32, domains: &mut Vec<Self>| {
            let next = order[domain].len();
            let entry = uses[domain].entry(name.to_owned()).or_insert((0, next));
            if entry.1 == next {
                order[domain].push(name.to_owned());
            } else {
                domains[domain].outside.insert(name.to_owned(), ReferenceFlags::Read | ReferenceFlags::Write);
            }
            entry.0 += n;
        };
        for (k, wrapper) in wrappers.iter().enumerate() {
            declare(0, &wrapper.name, 1, &mut domains);
            for param in &wrapper.params {
                declare(k + 1, param, 1, &mut domains);
            }
        }
        for (domain, part) in parts {
            for (name, n) in &part.declared {
                declare(*domain, name, *n, &mut domains);
            }
        }
        for (domain, names) in domains.iter_mut().zip(&order) {
            domain.all = names.iter().cloned().collect();
        }
        let mut globals: FxHashSet<String> = FxHashSet::default();
        let helpers = wrappers.iter().map(|w| (0, w.helper.as_str(), 1, false));
        let frees = parts.iter().flat_map(|(d, p)| p.free.iter().map(|(n, c, w)| (*d, n.as_str(), *c, *w)));
        for (domain, name, n, written) in helpers.chain(frees) {
            let home = if domains[domain].all.contains(name) {
                domain
            } else if domain > 0 && domains[0].all.contains(name) {
                if !domains[domain].outer_used.iter().any(|u| u == name) {
                    domains[domain].outer_used.push(name.to_owned());
                }
                0
            } else {
                globals.insert(name.to_owned());
                continue;
            };
            if let Some(entry) = uses[home].get_mut(name) {
                entry.0 += n;
            }
            let flags = domains[home].outside.entry(name.to_owned()).or_insert(ReferenceFlags::Read);
            if written {
                *flags |= ReferenceFlags::Write;
            }
        }
        for (domain, part) in parts {
            domains[*domain].taken.extend(part.exported.iter().cloned());
        }
        for ((domain, names), uses) in domains.iter_mut().zip(order).zip(&uses) {
            domain.taken.extend(globals.iter().cloned());
            let mut ranked: Vec<String> = names.into_iter().filter(|name| !domain.taken.contains(name)).collect();
            ranked.sort_by_key(|name| {
                let (n, first) = uses[name];
                (std::cmp::Reverse(n), first)
            });
            domain.ranked = ranked;
        }
        domains
    }

    /// Gives each ranked name the shortest name that is no keyword, global or other name of the
    /// domain, and that no inner binding around any of its uses has (it would capture the use).
    fn assign(&mut self, parts: &[Arc<Around>], domain: usize) {
        let mut around: FxHashMap<&str, FxHashSet<u32>> = FxHashMap::default();
        for part in parts {
            for (_, name, inner) in part.iter().filter(|(d, ..)| *d == domain) {
                around.entry(name.as_str()).or_default().extend(inner.iter().copied());
            }
        }
        let mut used: FxHashSet<String> = FxHashSet::default();
        // Below `first`, every candidate is used for good.
        let mut first = 0u32;
        for name in &self.ranked {
            let inner = around.get(name.as_str());
            let mut candidate = first;
            let new = loop {
                let new = oxc::mangler::base54(candidate);
                let new = new.as_str();
                let free =
                    !oxc::syntax::keyword::is_reserved_keyword(new) && !self.taken.contains(new) && !used.contains(new);
                if !free && candidate == first {
                    first += 1;
                } else if free && !inner.is_some_and(|inner| inner.contains(&candidate)) {
                    break new.to_owned();
                }
                candidate += 1;
            };
            used.insert(new.clone());
            if new != *name {
                self.short.insert(name.clone(), new);
            }
        }
    }
}

/// The domains a part sees: its own, and the chunk's around a wrapper's body.
struct View<'a> {
    own: &'a TopLevel,
    own_index: usize,
    outer: Option<&'a TopLevel>,
}

impl<'a> View<'a> {
    fn of(domains: &'a [TopLevel], domain: usize) -> Self {
        Self { own: &domains[domain], own_index: domain, outer: (domain > 0).then(|| &domains[0]) }
    }

    /// The domain (its index and names) a name the part uses but does not declare belongs to;
    /// `None` for a global.
    fn home_of_free(&self, name: &str) -> Option<(usize, &'a TopLevel)> {
        if self.own.all.contains(name) {
            Some((self.own_index, self.own))
        } else {
            self.outer.filter(|outer| outer.all.contains(name)).map(|outer| (0, outer))
        }
    }
}

/// A part compressed and mangled, waiting for the chunk's top-level names.
struct Mangled {
    ast: EcmaAst,
    scoping: Scoping,
    private: Option<oxc_index::IndexVec<oxc::syntax::class::ClassId, FxHashMap<String, oxc::str::CompactStr>>>,
    /// Each top-level name the part uses, with its domain and the names of the inner bindings
    /// around its uses (as the mangler's numbers: `base54(n)`; a name that is no such number
    /// cannot be a top-level short name either).
    around: Arc<Around>,
}

fn compress_and_mangle(part: Part, names: &View, minifier: &MinifierOptions) -> Mangled {
    let Part { mut ast, mut scoping, stats, .. } = part;
    let (scoping, private) = ast.program.with_mut(|fields| {
        let program = fields.program;
        if let Some(compress) = minifier.compress.clone() {
            hold_top_level(&mut scoping, names);
            Compressor::new(fields.allocator).build_with_scoping(program, scoping, compress);
        }
        let mut semantic = SemanticBuilder::new()
            .with_build_nodes(true)
            .with_class_table(true)
            .with_stats(stats)
            .build(program)
            .semantic;
        let private = minifier.mangle.clone().map(|mut options| {
            // The top-level names are the chunk's to give, once every part's inner names are known.
            options.top_level = Some(false);
            Mangler::default().with_options(options).build_with_semantic(&mut semantic, program)
        });
        (semantic.into_scoping(), private)
    });
    let around = Arc::new(inner_names_around(&scoping, names));
    Mangled { ast, scoping, private, around }
}

/// For each top-level name the part uses (declared or not), the names of the bindings of every
/// inner scope around one of its uses.
fn inner_names_around(scoping: &Scoping, names: &View) -> Around {
    let root = scoping.root_scope_id();
    // Each scope's binding names as numbers, worked out once: `numbers[starts[s]..starts[s + 1]]`.
    let mut starts = Vec::with_capacity(scoping.scopes_len() + 1);
    let mut numbers = Vec::new();
    for scope in 0..scoping.scopes_len() {
        starts.push(numbers.len());
        let bindings = scoping.get_bindings(oxc::syntax::scope::ScopeId::from_usize(scope));
        numbers.extend(bindings.values().filter_map(|&symbol| base54_number(scoping.symbol_name(symbol))));
    }
    starts.push(numbers.len());
    // `seen[s]` is the (1-based) count of the name whose uses last passed scope `s`.
    let mut seen = vec![0u32; scoping.scopes_len()];
    let mut visits = 0u32;
    let mut out = Vec::new();
    let mut inner: Vec<u32> = Vec::new();
    let mut visit = |home: Option<(usize, &TopLevel)>,
                     name: &str,
                     references: &[ReferenceId],
                     out: &mut Vec<(usize, String, Vec<u32>)>| {
        let Some((domain, home)) = home else { return };
        if home.taken.contains(name) {
            return;
        }
        visits += 1;
        inner.clear();
        for &id in references {
            for scope in scoping.scope_ancestors(scoping.get_reference(id).scope_id()) {
                // The scopes above one seen before were seen with it.
                if scope == root || seen[scope.index()] == visits {
                    break;
                }
                seen[scope.index()] = visits;
                inner.extend_from_slice(&numbers[starts[scope.index()]..starts[scope.index() + 1]]);
            }
        }
        if !inner.is_empty() {
            inner.sort_unstable();
            inner.dedup();
            out.push((domain, name.to_owned(), inner.clone()));
        }
    };
    for (name, &symbol) in scoping.get_bindings(root) {
        let own = Some((names.own_index, names.own));
        visit(own, name.as_str(), scoping.get_resolved_reference_ids(symbol), &mut out);
    }
    for (name, ids) in scoping.root_unresolved_references() {
        visit(names.home_of_free(name.as_str()), name.as_str(), ids, &mut out);
    }
    out
}

/// The `n` whose `oxc::mangler::base54(n)` is `name`, if any.
fn base54_number(name: &str) -> Option<u32> {
    // The mangler's alphabet: 54 characters may start a name, 64 follow.
    const CHARS: &[u8; 64] = b"etnriaoscludfpmhg_vybxSCwTEDOkAjMNPFILRzBVHUWGKqJYXZQ$1024368579";
    let (&first, rest) = name.as_bytes().split_first()?;
    let first = CHARS[..54].iter().position(|&c| c == first)? as u64;
    let mut higher: u64 = 0;
    for &b in rest.iter().rev() {
        let digit = CHARS.iter().position(|&c| c == b)? as u64;
        higher = higher.checked_mul(64)?.checked_add(digit + 1)?;
    }
    let n = u32::try_from(first.checked_add(higher.checked_mul(54)?)?).ok()?;
    // Checked against the mangler itself, should its alphabet ever change.
    (oxc::mangler::base54(n).as_str() == name).then_some(n)
}

/// A part printed: its code, and its source map's mappings and names (the map itself borrows
/// the part's text as its source content, which the chunk's map does not keep). Its mappings'
/// lines count from the part's first line.
pub(crate) struct Printed {
    code: String,
    tokens: Vec<oxc_sourcemap::Token>,
    names: Vec<String>,
}

fn print_part(part: Mangled, names: &View, codegen_options: &CodegenOptions, sourcemap: bool) -> Printed {
    let Mangled { ast, mut scoping, private, .. } = part;
    rename_top_level(&mut scoping, names);
    let ret = Codegen::new()
        .with_options(CodegenOptions {
            source_map_path: sourcemap.then(|| std::path::PathBuf::from("chunk.js")),
            ..codegen_options.clone()
        })
        .with_scoping(Some(scoping))
        .with_private_member_mappings(private)
        .build(ast.program());
    let (tokens, names) = ret
        .map
        .map(|map| (map.get_tokens().collect(), map.get_names().map(str::to_owned).collect()))
        .unwrap_or_default();
    Printed { code: ret.code, tokens, names }
}

/// Before compressing: a top-level binding of the part that other parts use gets one more
/// reference standing for those uses (which the compressor cannot see: it would drop or inline
/// the binding), and every name the part uses that another part declares becomes a binding of
/// the part's own, read and assigned elsewhere, instead of a global whose name the compressor
/// would take for the built-in one.
fn hold_top_level(scoping: &mut Scoping, names: &View) {
    let root = scoping.root_scope_id();
    let outside = ReferenceFlags::Read | ReferenceFlags::Write;
    let declared: Vec<(SymbolId, ReferenceFlags)> = scoping
        .get_bindings(root)
        .iter()
        .filter_map(|(name, &symbol)| names.own.outside.get(name.as_str()).map(|&flags| (symbol, flags)))
        .collect();
    for (symbol, flags) in declared {
        let reference = scoping.create_reference(Reference::new_with_symbol_id(NodeId::DUMMY, symbol, root, flags));
        scoping.add_resolved_reference(symbol, reference);
    }
    let others: Vec<(String, Vec<ReferenceId>)> = scoping
        .root_unresolved_references()
        .iter()
        .filter(|(name, _)| names.home_of_free(name.as_str()).is_some())
        .map(|(name, ids)| (name.as_str().to_owned(), ids.to_vec()))
        .collect();
    for (name, ids) in others {
        let symbol = resolve_to_new_symbol(scoping, &name, &ids);
        scoping.add_binding(root, name.as_str().into(), symbol);
        for id in ids {
            scoping.add_resolved_reference(symbol, id);
            scoping.delete_root_unresolved_reference(name.as_str().into(), id);
        }
        let reference = scoping.create_reference(Reference::new_with_symbol_id(NodeId::DUMMY, symbol, root, outside));
        scoping.add_resolved_reference(symbol, reference);
    }
}

/// A new top-level symbol named `name` (a `var`: hoisted, assignable) that `references` resolve to.
fn resolve_to_new_symbol(scoping: &mut Scoping, name: &str, references: &[ReferenceId]) -> SymbolId {
    let root = scoping.root_scope_id();
    let symbol = scoping.create_symbol(
        oxc::span::Span::default(),
        name.into(),
        SymbolFlags::FunctionScopedVariable,
        root,
        NodeId::DUMMY,
    );
    for &id in references {
        scoping.get_reference_mut(id).set_symbol_id(symbol);
    }
    symbol
}

/// After mangling: the part's top-level bindings and its uses of other parts' top-level names
/// take the chunk's short names. A use of another part's name is resolved to a symbol of that
/// short name, which the printer prints it with (renaming the identifier itself would rename
/// the key of a shorthand `({ name } = value)` too).
fn rename_top_level(scoping: &mut Scoping, names: &View) {
    let root = scoping.root_scope_id();
    let declared: Vec<(SymbolId, String)> = scoping
        .get_bindings(root)
        .iter()
        .filter_map(|(name, &symbol)| names.own.short.get(name.as_str()).map(|short| (symbol, short.clone())))
        .collect();
    for (symbol, short) in declared {
        scoping.set_symbol_name(symbol, short.as_str().into());
    }
    let others: Vec<(&String, Vec<ReferenceId>)> = scoping
        .root_unresolved_references()
        .iter()
        .filter_map(|(name, ids)| {
            let (_, home) = names.home_of_free(name.as_str())?;
            home.short.get(name.as_str()).map(|short| (short, ids.to_vec()))
        })
        .collect();
    for (short, ids) in others {
        resolve_to_new_symbol(scoping, short, &ids);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base54_numbers_are_the_manglers() {
        for n in (0..20_000).chain([u32::MAX - 1, u32::MAX]) {
            assert_eq!(base54_number(oxc::mangler::base54(n).as_str()), Some(n), "{n}");
        }
        assert_eq!(base54_number("useState"), None);
        assert_eq!(base54_number(""), None);
        assert_eq!(base54_number("1a"), None);
    }

    #[test]
    fn cuts_fall_on_statement_lines_and_keep_a_long_statement_whole() {
        let small = |i: usize| format!("function f{i}() {{\n\treturn {i};\n}}\n");
        let mut code = String::new();
        while code.len() < PART_BYTES * 3 / 2 {
            code += &small(code.len());
        }
        let big_start = code.len();
        code += "var big = wrap(() => {\n";
        while code.len() - big_start < PART_BYTES * 2 {
            code += "\tfunction inner() {\n\t\treturn `\nnot_a_statement;\n`;\n\t}\n";
        }
        code += "});\n";
        let big_end = code.len();
        while code.len() < big_end + PART_BYTES {
            code += &small(code.len());
        }
        let found = cuts(&code, 0, code.len(), b"");
        assert_eq!(found[0], 0);
        assert!(found.contains(&big_start) && found.contains(&big_end), "{found:?} {big_start} {big_end}");
        for pair in found.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            assert!(a < b && code.as_bytes()[b - 1] == b'\n', "{found:?}");
            assert!(b - a <= PART_BYTES || (a == big_start && b == big_end), "{a}..{b}");
        }
        assert_eq!(
            Plan::of(code.get(..PART_BYTES).unwrap()).parts,
            vec![(0, PART_BYTES, 0)],
            "a small chunk is one part"
        );
    }
}

#[cfg(test)]
mod wrapper_tests {
    use super::*;

    /// A chunk whose most used name (`helper`, so the first short name) is used in a CommonJS
    /// wrapper's body too, whose own most used name (`first`) would get the same short name
    /// in its own domain if the body's names did not avoid the chunk's.
    fn chunk() -> String {
        let mut code = String::from("var helper = (x) => x + 1;\n");
        for i in 0..300 {
            code += &format!("var use{i} = helper({i});\n");
        }
        code += "// node_modules/big/index.js\nvar require_big = __commonJSMin(((exports, module) => {\n\tvar first = helper(1);\n";
        let mut i = 0;
        while code.len() < 3 * PART_BYTES {
            code += &format!("\tfunction f{i}(a) {{\n\t\treturn a + first + {i};\n\t}}\n\texports.f{i} = f{i};\n");
            i += 1;
        }
        code += "}));\nexport { require_big, use0, use299 };\n";
        code
    }

    #[test]
    fn a_wrapper_body_is_cut_and_does_not_hide_the_chunk_names_it_uses() {
        let code = chunk();
        let plan = Plan::of(&code);
        assert_eq!(plan.wrappers.len(), 1);
        assert_eq!(plan.wrappers[0].params, ["exports", "module"]);
        assert!(plan.wrappers[0].count > 1, "the body is in parts");
        let job = job(&code);
        let (out, map, _) = in_parts(&job, &plan, None).expect("minified in parts");
        assert!(map.is_some_and(|map| map.get_tokens().len() > 1000));
        // `helper`'s short name: what the chunk's first declaration declares.
        let short = out.strip_prefix("var ").and_then(|s| s.split('=').next()).expect("a first declaration");
        let allocator = Allocator::default();
        let parsed = Parser::new(&allocator, &out, SourceType::mjs()).parse();
        assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
        let scoping = SemanticBuilder::new().build(&parsed.program).semantic.into_scoping();
        let root = scoping.root_scope_id();
        let symbol = scoping.get_root_binding(short.into()).expect("helper at the top level");
        assert!(scoping.get_resolved_reference_ids(symbol).len() > 300);
        // The body's top-level bindings: the scope with the most of them after the chunk's.
        let (_, body) =
            scoping.iter_bindings().filter(|(scope, _)| *scope != root).max_by_key(|(_, b)| b.len()).unwrap();
        assert!(body.len() > 100 && !body.contains_key(short), "the body declares `{short}` too");
    }

    /// A job minifying `code` with oxc's default options and a source map.
    fn job(code: &str) -> Job {
        Job {
            code: Arc::new(code.to_owned()),
            filename: "chunk.js".into(),
            format: OutputFormat::Esm,
            sourcemap: true,
            minifier: MinifierOptions {
                mangle: Some(Default::default()),
                mangle_properties: None,
                compress: Some(oxc::minifier::CompressOptions::default()),
            },
            codegen: CodegenOptions::minify(),
        }
    }

    /// `code` minified in parts, taking `kept`'s parts where it can: the code, the map's JSON and
    /// the parts to keep.
    fn minified(code: &str, kept: Option<&KeptParts>) -> (String, String, KeptParts) {
        let (out, map, next) = in_parts(&job(code), &Plan::of(code), kept).expect("minified in parts");
        (out, map.expect("a map").to_json_string(), next)
    }

    /// How many of `next`'s parts are `last`'s own printed parts, taken again.
    fn taken_again(next: &KeptParts, last: &KeptParts) -> usize {
        next.iter().filter(|(key, part)| last.get(key).is_some_and(|l| Arc::ptr_eq(&l.printed, &part.printed))).count()
    }

    #[test]
    fn kept_parts_are_taken_again_and_give_the_bytes_of_a_fresh_minify() {
        let code = chunk();
        let (first, first_map, kept) = minified(&code, Some(&KeptParts::default()));
        assert!(kept.len() > 3, "{} parts", kept.len());
        let (again, again_map, next) = minified(&code, Some(&kept));
        assert_eq!((&again, &again_map), (&first, &first_map));
        assert_eq!(taken_again(&next, &kept), kept.len(), "an unchanged chunk is all kept parts");

        let last_fn = code.rfind("\tfunction f").expect("a body function");
        let edits = [
            // A body function's text: one part changes, the others are kept.
            (
                "text",
                {
                    let (head, tail) = code.split_at(last_fn);
                    format!("{head}\tfunction fx(a) {{\n\t\treturn a * 7;\n\t}}\n{tail}")
                },
                1,
            ),
            // `use5` used more than `helper`: the chunk's names move, every part is printed again.
            ("ranking", code.replacen("export {", &format!("{}export {{", "use5(1);\n".repeat(400)), 1), 0),
            // A name declared before everything: the first part changes, the body's names not.
            ("declaration", format!("var early = 1;\n{code}"), 1),
        ];
        for (what, edited, changed) in edits {
            let fresh = minified(&edited, None);
            let (out, map, next) = minified(&edited, Some(&kept));
            assert_eq!((&out, &map), (&fresh.0, &fresh.1), "{what}: not what a fresh minify gives");
            let taken = taken_again(&next, &kept);
            if changed > 0 {
                assert!(taken >= kept.len() - changed - 1, "{what}: {taken} of {} parts taken again", kept.len());
            } else {
                assert!(taken < kept.len() / 2, "{what}: {taken} of {} parts taken again", kept.len());
            }
        }
    }

    #[test]
    fn cuts_stay_put_after_an_edit_before_them() {
        let mut code = String::new();
        let mut i = 0;
        while code.len() < PART_BYTES * 8 {
            // Statements of many lengths, as modules are.
            let body = format!("\tg({i});\n").repeat(1 + i * 7 % 40);
            code += &format!("// src/m{i}.js\nfunction f{i}() {{\n{body}\treturn {i};\n}}\n");
            i += 1;
        }
        let before = cuts(&code, 0, code.len(), b"");
        let grown = format!("{}{code}", "var added = 1;\n".repeat(40));
        let delta = grown.len() - code.len();
        let after: Vec<usize> = cuts(&grown, 0, grown.len(), b"").iter().map(|c| c.saturating_sub(delta)).collect();
        let kept = before.iter().filter(|c| after.contains(c)).count();
        assert!(before.len() > 6 && kept + 1 >= before.len(), "{before:?}\n{after:?}");
    }
}
