// Source-mapped locations for runtime errors in the preview. The preview runs each module's runner
// form (what `nexxo dev` serves) as a function whose `sourceURL` is the module's URL, so a stack
// frame says `<origin>/src/App.tsx?t=1:33:9`: a line of the generated code. The session answers
// `/@nexxo/map?url=...&at=2` with that module's map (at=2: V8 puts such a function's body two lines
// below its header, as the dev runtime's maps assume), and this file finds the original position
// in it and draws a code frame like the engine's error messages.

export interface RawMap {
  sources: string[];
  sourcesContent?: (string | null)[];
  mappings: string;
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const DIGIT = new Map([...B64].map((c, i) => [c, i]));

/** The segments of one generated line: [column, source, line, column] (0-based, absolute). */
function decode(mappings: string): number[][][] {
  const lines: number[][][] = [];
  let source = 0;
  let line = 0;
  let column = 0;
  for (const text of mappings.split(";")) {
    const segments: number[][] = [];
    let generated = 0;
    for (const seg of text.split(",")) {
      if (!seg) continue;
      const values: number[] = [];
      let value = 0;
      let shift = 0;
      for (const c of seg) {
        const digit = DIGIT.get(c) ?? 0;
        value += (digit & 31) << shift;
        if (digit & 32) {
          shift += 5;
        } else {
          values.push(value & 1 ? -(value >>> 1) : value >>> 1);
          value = 0;
          shift = 0;
        }
      }
      generated += values[0];
      if (values.length >= 4) {
        source += values[1];
        line += values[2];
        column += values[3];
        segments.push([generated, source, line, column]);
      }
    }
    lines.push(segments);
  }
  return lines;
}

/** The original position of a generated one (1-based line and column, as stack traces give them):
 * the last mapped segment at or before the column on that line, else the line's first segment. */
export function originalPosition(map: RawMap, line: number, column: number): { source: string; line: number; column: number; content?: string } | null {
  const segments = decode(map.mappings)[line - 1];
  if (!segments?.length) return null;
  const col = column - 1;
  let best = segments[0];
  for (const s of segments) if (s[0] <= col) best = s;
  return {
    source: map.sources[best[1]],
    line: best[2] + 1,
    column: best[3] + 1,
    content: map.sourcesContent?.[best[1]] ?? undefined,
  };
}

/** Two lines around `line`, then a caret under `column`: the engine's code frame layout. */
export function codeFrame(source: string, line: number, column: number): string {
  const lines = source.split("\n");
  const from = Math.max(1, line - 2);
  const to = Math.min(lines.length, line + 2);
  const width = String(to).length;
  const out: string[] = [];
  for (let n = from; n <= to; n++) {
    out.push(`${n === line ? ">" : " "} ${String(n).padStart(width)} | ${lines[n - 1]}`);
    if (n === line) out.push(`  ${" ".repeat(width)} | ${" ".repeat(Math.max(0, column - 1))}^`);
  }
  return out.join("\n");
}

/** The frames of a V8 stack whose URL is on `origin`: [path with query, line, column]. */
export function stackFrames(stack: string, origin: string): { url: string; line: number; column: number }[] {
  const out = [];
  for (const m of stack.matchAll(/(https?:\/\/[^\s()]+):(\d+):(\d+)\)?\s*$/gm)) {
    if (!m[1].startsWith(`${origin}/`)) continue;
    out.push({ url: m[1].slice(origin.length), line: Number(m[2]), column: Number(m[3]) });
  }
  return out;
}
