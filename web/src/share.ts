// Share links: the project's files as JSON, deflated ("deflate-raw", no zlib header: a few bytes
// less) and base64url-encoded into the URL hash (`#project=...`). The hash is never sent to the
// server, so a shared project stays in the browser that opens it.
import { checkPath } from "./paths";

export const HASH_KEY = "project";
/** Links longer than this are unwieldy to paste and some chat tools cut them: past it, download. */
export const MAX_ENCODED = 8 * 1024;

export interface SharedProject {
  /** The example it started from, if any (the page selects it in the examples list). */
  example?: string;
  files: Record<string, string>;
  /** The file open in the editor. */
  open?: string;
}

async function pipe(bytes: Uint8Array, stream: CompressionStream | DecompressionStream): Promise<Uint8Array> {
  const out = new Blob([bytes]).stream().pipeThrough(stream);
  return new Uint8Array(await new Response(out).arrayBuffer());
}

function toBase64Url(bytes: Uint8Array): string {
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64Url(text: string): Uint8Array {
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const bin = atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

/** The hash payload for `project` (without `#project=`). */
export async function encodeProject(project: SharedProject): Promise<string> {
  const json = new TextEncoder().encode(JSON.stringify({ v: 1, ...project }));
  return toBase64Url(await pipe(json, new CompressionStream("deflate-raw")));
}

/** Reads a hash payload back, checking its shape: a link is untrusted input. Throws with a message. */
export async function decodeProject(payload: string): Promise<SharedProject> {
  let data: unknown;
  try {
    const json = await pipe(fromBase64Url(payload), new DecompressionStream("deflate-raw"));
    data = JSON.parse(new TextDecoder().decode(json));
  } catch {
    throw new Error("the share link is damaged (it may have been cut short when copied)");
  }
  const d = data as { v?: unknown; example?: unknown; files?: unknown; open?: unknown };
  if (!d || typeof d !== "object" || d.v !== 1 || !d.files || typeof d.files !== "object") {
    throw new Error("the share link does not hold a playground project");
  }
  const files: Record<string, string> = {};
  for (const [p, text] of Object.entries(d.files as Record<string, unknown>)) {
    const checked = checkPath(p);
    if ("error" in checked || checked.path !== p || typeof text !== "string") {
      throw new Error(`the share link holds an invalid file: ${JSON.stringify(p)}`);
    }
    files[p] = text;
  }
  if (Object.keys(files).length === 0) throw new Error("the share link holds no files");
  return {
    example: typeof d.example === "string" ? d.example : undefined,
    files,
    open: typeof d.open === "string" && d.open in files ? d.open : undefined,
  };
}

/** The payload in `hash` ("#project=..."), or null when the hash holds no project. */
export function payloadOf(hash: string): string | null {
  const m = new RegExp(`^#${HASH_KEY}=([A-Za-z0-9_-]+)$`).exec(hash);
  return m ? m[1] : null;
}
