// What the three completion scripts share: one row per command path, and the quoting each shell needs.
import type { CommandNode, FlagNode } from "./command-tree.ts";

export interface CompletionRow {
  /** The words after `airlock`, space-separated: "" (airlock itself), "profile", "profile show". */
  readonly path: string;
  readonly subcommands: readonly { readonly name: string; readonly summary: string }[];
  readonly flags: readonly FlagNode[];
}

/** Every command path of the tree, the root first. */
export function completionRows(tree: CommandNode): CompletionRow[] {
  const rows: CompletionRow[] = [];
  const visit = (node: CommandNode, path: string) => {
    rows.push({
      path,
      subcommands: node.subcommands.map((s) => ({ name: s.name, summary: summary(s.description) })),
      flags: node.flags,
    });
    for (const sub of node.subcommands) visit(sub, path === "" ? sub.name : `${path} ${sub.name}`);
  };
  visit(tree, "");
  return rows;
}

/** The flags of every path that take a value, keyed `path:--flag`: the scripts skip those values when finding the path. */
export function valueFlags(rows: readonly CompletionRow[]): { key: string; flag: FlagNode }[] {
  return rows.flatMap((row) =>
    row.flags
      .filter((f) => f.value.kind !== "none")
      .map((flag) => ({ key: `${row.path}:${flag.flag}`, flag })),
  );
}

/** The first clause of a description, short enough for a completion menu. */
export function summary(description: string): string {
  const clause = (description.split(/: |; | \(/)[0] ?? "").replaceAll("`", "").replace(/\s+/g, " ").trim();
  return clause.length <= 80 ? clause : `${clause.slice(0, 79)}…`;
}

/** Words no shell reads specially (command names, flags) stay bare, so the scripts read like hand-written ones. */
const BARE = /^[A-Za-z0-9_./,+-]+$/;

/** A word for bash and zsh: bare, or inside single quotes. */
export function shQuote(text: string): string {
  return BARE.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}

/** A word for fish: bare, or inside single quotes (where only \\ and ' are special). */
export function fishQuote(text: string): string {
  return BARE.test(text) ? text : `'${text.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;
}
