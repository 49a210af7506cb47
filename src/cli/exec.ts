import { defineCommand } from "citty";
import { runShim } from "../shim/index.ts";
import { UsageError } from "./output.ts";
import { splitArgs } from "./split-args.ts";

const args = {
  socket: {
    type: "string",
    description: "daemon socket (default $AIRLOCK_SOCKET, then /run/docker-airlock.sock)",
    valueHint: "PATH",
  },
} as const;

export function helpArgs(argv: string[]): string[] {
  const end = argv.indexOf("--");
  return end === -1 ? argv.slice(0, 1) : argv.slice(0, end);
}

export default defineCommand({
  meta: {
    name: "exec",
    description:
      "Run a command through the daemon, exactly as a shim symlink would: `airlock exec [--socket S] -- git status`",
  },
  args,
  async run({ rawArgs }) {
    const split = splitArgs(rawArgs, args, 0);
    const [command, ...rest] = split.tail ?? [];
    if (command === undefined)
      throw new UsageError("nothing to run: `airlock exec [--socket S] -- <command> [args…]`");
    const socket = typeof split.flags.socket === "string" ? split.flags.socket : undefined;
    return runShim(command, rest, socket);
  },
});
