// Writes what planAgent decided: the agent's directory and airlock.toml, then its entry at the end of the
// agents file. Nothing that exists is replaced: the directory and airlock.toml are created exclusively,
// the agents file keeps every byte the user wrote (comments, order, layout) with the entry appended, and
// reaches disk whole through a temp file and a rename. If registering fails, what was created is removed,
// so a second try does not trip over the first.
import { chmodSync, existsSync, mkdirSync, readFileSync, realpathSync, rmdirSync, unlinkSync } from "node:fs";
import { dirname } from "node:path";
import { ConfigErrors } from "../config/errors.ts";
import { AgentFile, AgentsFile } from "../config/schema/files.ts";
import { parseTomlFile } from "../config/toml.ts";
import { createExclusive, writeAtomically } from "../platform/atomic-file.ts";
import { messageOf } from "../platform/errors.ts";
import type { AgentPlan } from "./agent-plan.ts";
import { UsageError } from "./output.ts";

export const DIR_MODE = 0o700;
export const FILE_MODE = 0o600;

/** Writing failed after the checks passed (a disk, a permission, a concurrent edit); says what and where. */
class AgentWriteError extends Error {
  override readonly name = "AgentWriteError";
  constructor(
    readonly path: string,
    problem: string,
    options?: ErrorOptions,
  ) {
    super(`${path}: ${problem}`, options);
  }
}

export interface Written {
  readonly agentToml: string;
  /** The lines appended to the agents file. */
  readonly registration: string;
  readonly agentsFileCreated: boolean;
}

/** TOML basic strings take JSON's escapes (\" \\ \n \uXXXX), so JSON.stringify is a correct quoter. */
const q = (text: string) => JSON.stringify(text);

export function writeAgent(plan: AgentPlan): Written {
  const agentToml = agentTomlText(plan);
  const registration = `[${plan.name}]\npath = ${q(plan.dir)}\n`;
  const agentsText = appended(plan.agents.text, registration);
  verifyAgents(plan, agentsText);

  const created: Created[] = [];
  try {
    const parent = dirname(plan.dir);
    if (!existsSync(parent)) makeDir(parent, created);
    makeDir(plan.dir, created);
    if (!createExclusive(plan.file, agentToml, FILE_MODE))
      throw new AgentWriteError(plan.file, "appeared while it was being written; nothing was registered");
    created.push({ path: plan.file, kind: "file" });
    register(plan, agentsText);
  } catch (error) {
    undo(created);
    throw error;
  }
  return { agentToml, registration, agentsFileCreated: plan.agents.text === undefined };
}

function agentTomlText(plan: AgentPlan): string {
  const lines = [
    `# Agent ${plan.name}, written by \`airlock agent add\`; registered in ${plan.agents.file}.`,
    "# commands: what this agent may use (narrows [commands] enable of config.toml; [] = every enabled one).",
    '# Other keys ([env], [exec], [jail.<cmd>], [hooks]): README, "Configuration files".',
    `commands = [${plan.commands.map(q).join(", ")}]`,
  ];
  if (plan.roots.length > 0) {
    lines.push(
      "",
      "[workspace]",
      "# The only host directories this agent may run commands in, and where its tools may write.",
      `roots = [${plan.roots.map(q).join(", ")}]`,
    );
  }
  const text = `${lines.join("\n")}\n`;
  // The text must read back as exactly what was meant (a quoting slip must not become policy).
  const parsed = parseTomlFile(plan.file, text, AgentFile);
  if (!parsed.ok) throw new ConfigErrors(parsed.errors);
  if (!sameList(parsed.value.commands, plan.commands) || !sameList(parsed.value.workspace.roots, plan.roots))
    throw new AgentWriteError(plan.file, "the generated airlock.toml does not read back as written");
  return text;
}

/** The user's text untouched, one blank line, then the entry; a new file gets a line saying what it is. */
function appended(text: string | undefined, entry: string): string {
  if (text === undefined)
    return `# Agents served by the airlock daemon: \`[name] path = "/agent/dir"\`. \`airlock agent add\` appends here.\n\n${entry}`;
  if (text.trim() === "") return `${text}${entry}`;
  const separator = text.endsWith("\n\n") ? "" : text.endsWith("\n") ? "\n" : "\n\n";
  return `${text}${separator}${entry}`;
}

/** The new agents file must still hold every agent it held, plus this one at its directory. */
function verifyAgents(plan: AgentPlan, text: string): void {
  const parsed = parseTomlFile(plan.agents.file, text, AgentsFile);
  if (!parsed.ok) throw new ConfigErrors(parsed.errors);
  const before = Object.keys(plan.agents.entries);
  const after = parsed.value;
  if (
    after[plan.name]?.path !== plan.dir ||
    Object.keys(after).length !== before.length + 1 ||
    before.some((name) => after[name]?.path !== plan.agents.entries[name]?.path)
  )
    throw new AgentWriteError(
      plan.agents.file,
      "appending the entry would change the other agents; not written",
    );
}

function register(plan: AgentPlan, text: string): void {
  const { file, mode } = plan.agents;
  if (plan.agents.text === undefined) {
    if (!createExclusive(file, text, FILE_MODE)) throw changedMeanwhile(file);
    return;
  }
  // A symlinked agents file stays a symlink: the rename replaces the file it leads to.
  const target = realpathSync(file);
  if (readFileSync(target, "utf8") !== plan.agents.text) throw changedMeanwhile(file);
  writeAtomically(target, text, mode ?? FILE_MODE);
}

function changedMeanwhile(file: string): AgentWriteError {
  return new AgentWriteError(
    file,
    "changed while the agent was being added; nothing was written, run it again",
  );
}

type Created = { readonly path: string; readonly kind: "dir" | "file" };

function makeDir(path: string, created: Created[]): void {
  try {
    mkdirSync(path, { mode: DIR_MODE });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST")
      throw new UsageError(`${path} appeared while the agent was being added; nothing was registered`);
    throw new AgentWriteError(path, `cannot create: ${messageOf(error)}`, { cause: error });
  }
  created.push({ path, kind: "dir" });
  // mkdir applies the umask; the mode is the point.
  chmodSync(path, DIR_MODE);
}

/** Removes what this run created, newest first; leaves anything it cannot remove for the message to name. */
function undo(created: readonly Created[]): void {
  for (const { path, kind } of [...created].reverse()) {
    try {
      if (kind === "file") unlinkSync(path);
      else rmdirSync(path);
    } catch {
      // A directory someone wrote into meanwhile is theirs now; the error that brought us here says enough.
    }
  }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((item, i) => item === b[i]);
}
