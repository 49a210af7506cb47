// PURE path helper shared by the policy, the sandbox planner and the jail (POSIX, absolute paths).

/** True when `path` is `dir` itself or lies below it. */
export function isWithin(path: string, dir: string): boolean {
  if (dir === "/") return path.startsWith("/");
  return path === dir || path.startsWith(`${dir}/`);
}
