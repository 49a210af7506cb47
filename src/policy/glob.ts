/**
 * Glob patterns for rule values: `*` matches any run of characters (including `/`, as airlock 0.4's
 * globset did), `?` one character, `[abc]` / `[!abc]` a class. Everything else is literal.
 */
export interface GlobOptions {
  /** Deny rules match case-insensitively: `--cap-add=all` must not slip past a rule written `ALL`. */
  readonly caseInsensitive: boolean;
}

const cache = new Map<string, RegExp>();

export function globToRegExp(pattern: string, options: GlobOptions): RegExp {
  const key = `${options.caseInsensitive ? "i" : "s"}:${pattern}`;
  const cached = cache.get(key);
  if (cached) return cached;
  let source = "";
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern.charAt(i);
    if (ch === "*") source += "[\\s\\S]*";
    else if (ch === "?") source += "[\\s\\S]";
    else if (ch === "[") {
      const close = pattern.indexOf("]", i + 2);
      if (close === -1) {
        source += "\\[";
        continue;
      }
      let body = pattern.slice(i + 1, close);
      const negated = body.startsWith("!");
      if (negated) body = body.slice(1);
      source += `[${negated ? "^" : ""}${body.replace(/[\\\]^]/g, "\\$&")}]`;
      i = close;
    } else source += ch.replace(/[.+^${}()|\\/-]/g, "\\$&");
  }
  const regexp = new RegExp(`^${source}$`, options.caseInsensitive ? "i" : "");
  cache.set(key, regexp);
  return regexp;
}

export function globMatches(pattern: string, text: string, options: GlobOptions): boolean {
  return globToRegExp(pattern, options).test(text);
}
