import type { ModuleFile } from "./module-file.ts";

/** A module as the daemon uses it: the parsed file plus where it came from. */
export interface EffectiveModule {
  readonly command: string;
  readonly source: "builtin" | "override";
  /** The file it was read from (`builtin:git` for embedded modules). */
  readonly file: string;
  readonly module: ModuleFile;
  /** `[command] bin` resolved to an absolute path at load; undefined when it was not found. */
  readonly binPath: string | undefined;
  /** A module that builds on a built-in (`extends`): which, and the rule ids it added and removed. */
  readonly overlay?: {
    readonly extends: string;
    readonly added: readonly string[];
    readonly removed: readonly string[];
  };
}

/** What the policy knows about the agent asking. */
export interface AgentPolicy {
  readonly name: string;
  /** `commands` from airlock.toml; empty means every enabled command. */
  readonly commands: readonly string[];
  readonly envSet: Readonly<Record<string, string>>;
}

export interface ExecRequest {
  readonly command: string;
  readonly args: readonly string[];
}

export type Layer = "request" | "enable" | "agent" | "module";

export type Denial = {
  readonly allowed: false;
  readonly layer: Layer;
  /** The rule that decided, as named in its file (e.g. `deny.flags: '--upload-pack'`). */
  readonly rule: string | undefined;
  /** One line for the agent; 0.4 wording where 0.4 had one. */
  readonly reason: string;
  /** unknown-command maps to JSON-RPC -32601 and shim exit 127; denied to -32600 and 126. */
  readonly kind: "denied" | "unknown-command";
};

export type Decision =
  | { readonly allowed: true; readonly rule: string | undefined; readonly reason: string }
  | Denial;
