import { defineCommand } from "citty";
import { buildInfo } from "../build-info.ts";
import { type CommandNode, commandTree, type FlagNode } from "./command-tree.ts";
import { bashScript } from "./completion-bash.ts";
import { fishScript } from "./completion-fish.ts";
import { type CompletionRow, completionRows } from "./completion-table.ts";
import { zshScript } from "./completion-zsh.ts";
import { EXIT } from "./exit-codes.ts";
import { root } from "./index.ts";
import { UsageError } from "./output.ts";

const SCRIPTS: Record<string, (rows: readonly CompletionRow[], header: string) => string> = {
  bash: bashScript,
  zsh: zshScript,
  fish: fishScript,
};

const INSTALL: Record<string, string> = {
  bash: "airlock completion bash > ~/.local/share/bash-completion/completions/airlock",
  zsh: "airlock completion zsh > ~/.zfunc/_airlock   (with fpath+=(~/.zfunc) before compinit in ~/.zshrc)",
  fish: "airlock completion fish > ~/.config/fish/completions/airlock.fish",
};

export default defineCommand({
  meta: {
    name: "completion",
    description:
      "Print a completion script for bash, zsh or fish: `airlock completion bash > ~/.local/share/bash-completion/completions/airlock`",
  },
  args: {
    // Not `required`: citty's own error for a missing positional would not exit with EXIT.usage.
    shell: { type: "positional", required: false, description: "bash, zsh or fish" },
  },
  async run({ args }) {
    const shell = args.shell;
    const script = shell === undefined ? undefined : SCRIPTS[shell];
    if (shell === undefined || script === undefined) throw unknownShell(shell);
    const tree = withRootExtras(await commandTree(root, "airlock"));
    const header = [
      `# ${shell} completion for airlock ${buildInfo.version}, printed by \`airlock completion ${shell}\`.`,
      "# Commands and flags come from the binary: print it again after upgrading airlock. Install:",
      `#   ${INSTALL[shell]}`,
    ].join("\n");
    process.stdout.write(script(completionRows(tree), header));
    return EXIT.ok;
  },
});

function unknownShell(shell: string | undefined): UsageError {
  const what = shell === undefined ? "which shell?" : `no completion for shell '${shell}';`;
  return new UsageError(`${what} one of: ${Object.keys(SCRIPTS).join(", ")} (\`airlock completion bash\`)`);
}

/**
 * What runCli adds to the root's definition: `--version`, and `airlock help profile show`, which takes
 * command names (under help, the whole tree again, without flags).
 */
function withRootExtras(tree: CommandNode): CommandNode {
  const namesOnly = (node: CommandNode): CommandNode => ({
    ...node,
    flags: [],
    subcommands: node.subcommands.map(namesOnly),
  });
  const subcommands = tree.subcommands.map((sub) =>
    sub.name === "help" ? { ...sub, subcommands: tree.subcommands.map(namesOnly) } : sub,
  );
  return { ...tree, subcommands, flags: [...tree.flags, VERSION_FLAG] };
}

const VERSION_FLAG: FlagNode = {
  flag: "--version",
  description: "print the version",
  value: { kind: "none" },
};
