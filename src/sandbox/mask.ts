// PURE: the dynamic view's redaction. The same rules as redact.ts (whose patterns it reuses), but every
// secret byte is replaced by `*` one for one, so a redacted file keeps its exact length: the size the
// kernel caches from GETATTR stays true, and a program that reads `st_size` bytes (Node's readFileSync)
// gets the whole file. The price: lengths of values and keys show (docs/sandbox.md).
import { ASSIGNMENT, closes, KEY_MARKERS, PEM_BLOCK, PUTTY_PRIVATE, SSH2_BLOCK } from "./redact.ts";

/** Every byte but line ends becomes `*`; `\n` and `\r` written as escapes inside JSON strings stay. */
function hide(text: string): string {
  return text.replace(/\\[rn]|[^\r\n]/g, (m) => (m.length === 2 ? m : "*"));
}

export function maskDotenv(text: string): { text: string; count: number } {
  const lines = text.split("\n");
  const out: string[] = [];
  let count = 0;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] ?? "";
    const trimmed = raw.trim();
    if (trimmed === "") {
      out.push(raw);
      continue;
    }
    if (trimmed.startsWith("#")) {
      const at = raw.indexOf("#");
      out.push(raw.slice(0, at + 1) + hide(raw.slice(at + 1)));
      continue;
    }
    const match = ASSIGNMENT.exec(raw.endsWith("\r") ? raw.slice(0, -1) : raw);
    if (!match) {
      out.push(hide(raw));
      continue;
    }
    const [, lead = "", key = "", eq = "", value = ""] = match;
    out.push(lead + key + eq + hide(raw.slice(lead.length + key.length + eq.length)));
    if (value !== "") count++;
    const quote = value.charAt(0);
    if (
      (quote === '"' || quote === "'" || quote === "`") &&
      value.length > 0 &&
      !closes(value.slice(1), quote)
    ) {
      while (i + 1 < lines.length && !closes(lines[i + 1] ?? "", quote)) out.push(hide(lines[++i] ?? ""));
      if (i + 1 < lines.length) out.push(hide(lines[++i] ?? ""));
    }
  }
  return { text: out.join("\n"), count };
}

export function maskPrivateKeys(text: string): { text: string; count: number } {
  let count = 0;
  const keepArmour = (match: string, body: string) => {
    count++;
    const at = match.indexOf(body);
    return match.slice(0, at) + hide(body) + match.slice(at + body.length);
  };
  let out = text.replace(PEM_BLOCK, (match, _kind: string, _block: string | undefined, body: string) =>
    keepArmour(match, body),
  );
  out = out.replace(SSH2_BLOCK, (match, body: string) => keepArmour(match, body));
  const putty = PUTTY_PRIVATE.exec(out);
  if (out.includes("PuTTY-User-Key-File-") && putty) {
    const start = putty.index + putty[0].length;
    const lines = out.slice(start).split("\n");
    // lines[0] is what followed the header on its own line (empty); then N private lines, then the MAC.
    const wanted = Number(putty[1]);
    for (let i = 1; i <= wanted && i < lines.length; i++) lines[i] = hide(lines[i] ?? "");
    const mac = lines.findIndex((line) => line.startsWith("Private-MAC:"));
    if (mac !== -1) lines[mac] = `Private-MAC:${hide((lines[mac] ?? "").slice("Private-MAC:".length))}`;
    out = out.slice(0, start) + lines.join("\n");
    count++;
  }
  return { text: out, count };
}

/** True when a file's bytes may hold a private key and so must be decoded and checked. */
export function mayHoldKey(bytes: Uint8Array): boolean {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return KEY_MARKERS.some((marker) => buffer.indexOf(marker, 0, "latin1") !== -1);
}
