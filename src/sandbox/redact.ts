// PURE: what a redacted copy contains. A dotenv file keeps its keys (so a program can tell what is
// configured) with every value replaced; a private key keeps its armour lines with the body replaced.

export const REDACTED = "airlock-redacted";

/** Bytes that can start a private key; files without any of them are not decoded at all. */
export const KEY_MARKERS = ["PRIVATE KEY", "PuTTY-User-Key-File-"] as const;

// The body must look like key material (base64, PEM headers, escaped newlines inside a JSON string), so a
// source file that merely mentions the armour line in a string is not mangled.
export const PEM_BLOCK =
  /-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY( BLOCK)?-----((?:\\[rn]|[A-Za-z0-9+/=:,.\- \t\r\n]){16,65536}?)-----END \1PRIVATE KEY\2-----/g;
export const SSH2_BLOCK =
  /---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----((?:\\[rn]|[A-Za-z0-9+/=:,."\- \t\r\n]){16,65536}?)---- END SSH2 ENCRYPTED PRIVATE KEY ----/g;
export const PUTTY_PRIVATE = /^Private-Lines:[ \t]*(\d{1,4})[ \t]*\r?$/m;

export function redactPrivateKeys(text: string): { text: string; count: number } {
  let count = 0;
  let out = text.replace(PEM_BLOCK, (_match, kind: string, block: string | undefined, body: string) => {
    count++;
    const nl = /^(\r?\n|\\n)/.exec(body)?.[1] ?? "\n";
    const label = `${kind}PRIVATE KEY${block ?? ""}`;
    return `-----BEGIN ${label}-----${nl}${REDACTED}${nl}-----END ${label}-----`;
  });
  out = out.replace(SSH2_BLOCK, (_match, body: string) => {
    count++;
    const nl = /^(\r?\n|\\n)/.exec(body)?.[1] ?? "\n";
    return `---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----${nl}${REDACTED}${nl}---- END SSH2 ENCRYPTED PRIVATE KEY ----`;
  });
  if (out.includes("PuTTY-User-Key-File-")) {
    const putty = redactPutty(out);
    out = putty.text;
    count += putty.count;
  }
  return { text: out, count };
}

/** PuTTY .ppk: the `Private-Lines: N` section and its MAC are the secret; the public half stays. */
function redactPutty(text: string): { text: string; count: number } {
  const match = PUTTY_PRIVATE.exec(text);
  if (!match) return { text, count: 0 };
  const lines = text.slice(match.index).split("\n");
  const wanted = Number(match[1]);
  const kept = lines.slice(1 + wanted).filter((line) => !line.startsWith("Private-MAC:"));
  const replaced = [
    lines[0] ?? "",
    ...Array.from({ length: wanted }, () => REDACTED),
    `Private-MAC: ${REDACTED}`,
  ];
  return { text: text.slice(0, match.index) + [...replaced, ...kept].join("\n"), count: 1 };
}

export const ASSIGNMENT = /^(\s*(?:export\s+)?)([A-Za-z_][A-Za-z0-9_.-]*)(\s*[=:]\s*)(.*)$/;

/**
 * Replaces every value in a dotenv file. Comments lose their text (old keys live there), quoted values
 * spanning lines lose every line, and anything that does not parse as `KEY=value` is hidden whole:
 * when in doubt, redact.
 */
export function redactDotenv(text: string): { text: string; count: number } {
  const lines = text.split("\n");
  const out: string[] = [];
  let count = 0;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] ?? "";
    const cr = raw.endsWith("\r") ? "\r" : "";
    const line = cr ? raw.slice(0, -1) : raw;
    const trimmed = line.trim();
    if (trimmed === "") {
      out.push(raw);
      continue;
    }
    if (trimmed.startsWith("#")) {
      out.push(`#${cr}`);
      continue;
    }
    const match = ASSIGNMENT.exec(line);
    if (!match) {
      out.push(`# (line hidden by airlock)${cr}`);
      continue;
    }
    const [, lead = "", key = "", eq = "", value = ""] = match;
    if (value === "" || value === '""' || value === "''") {
      out.push(raw);
      continue;
    }
    const quote = value.charAt(0);
    if ((quote === '"' || quote === "'" || quote === "`") && !closes(value.slice(1), quote)) {
      // A value that goes on over the next lines: drop them up to and including the closing quote.
      while (i + 1 < lines.length && !closes(lines[i + 1] ?? "", quote)) i++;
      if (i + 1 < lines.length) i++;
    }
    out.push(`${lead}${key}${eq}${REDACTED}${cr}`);
    count++;
  }
  return { text: out.join("\n"), count };
}

export function closes(rest: string, quote: string): boolean {
  for (let i = 0; i < rest.length; i++) {
    const ch = rest.charAt(i);
    if (ch === "\\" && quote === '"') i++;
    else if (ch === quote) return true;
  }
  return false;
}
