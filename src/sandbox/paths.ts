// PURE path helpers shared by the plan and the scan (POSIX paths; node:path/posix does no I/O).
import { join, normalize } from "node:path/posix";

/** A profile path with `~`, `$HOME`, `${HOME}` and `./` (the working directory) expanded; no trailing `/`. */
export function expandPath(path: string, home: string, cwd: string): string {
  // `${HOME}` is the literal text a user writes in TOML, not a template.
  const braced = "$" + "{HOME}";
  let out = path;
  if (out === "~" || out === "$HOME" || out === braced) out = home;
  else if (out.startsWith("~/")) out = join(home, out.slice(2));
  else if (out.startsWith("$HOME/")) out = join(home, out.slice(6));
  else if (out.startsWith(`${braced}/`)) out = join(home, out.slice(8));
  else if (out.startsWith("./")) out = join(cwd, out.slice(2));
  out = normalize(out);
  return out.length > 1 && out.endsWith("/") ? out.slice(0, -1) : out;
}

export { isWithin } from "../policy/paths.ts";

/** Shows a host path the way a user wrote it: `~/.ssh` rather than `/home/me/.ssh`. */
export function tildify(path: string, home: string): string {
  if (home === "/" || home === "") return path;
  if (path === home) return "~";
  return path.startsWith(`${home}/`) ? `~/${path.slice(home.length + 1)}` : path;
}
