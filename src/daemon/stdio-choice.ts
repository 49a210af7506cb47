import { type FdKind, fdKind } from "../platform/fd-passing.ts";

const ACCEPTED_STDIO: readonly FdKind[] = ["pipe", "socket", "char", "file"];

/** fds when the client sent exactly three of acceptable kinds; streaming otherwise. A bad fd is refused. */
export function chooseStdio(
  requested: "fds" | "stream",
  fds: readonly number[],
): "fds" | "stream" | { refused: string } {
  if (fds.length === 0) return "stream";
  if (requested !== "fds" || fds.length !== 3) {
    return { refused: `expected 3 stdio descriptors with "stdio":"fds", got ${fds.length}` };
  }
  for (const [index, fd] of fds.entries()) {
    let kind: FdKind;
    try {
      kind = fdKind(fd);
    } catch {
      return { refused: `stdio descriptor ${index} cannot be inspected` };
    }
    if (!ACCEPTED_STDIO.includes(kind)) {
      return {
        refused: `stdio descriptor ${index} is a ${kind}; only pipes, sockets, terminals and files are accepted`,
      };
    }
  }
  return "fds";
}
