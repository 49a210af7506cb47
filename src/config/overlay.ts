// A module that builds on a built-in (`extends = "git"`), merged into one whole module at load, so the
// policy, the planner and the jail see an ordinary module. Pure: the caller parses both files.
import * as v from "valibot";
import { whyNotAllowable } from "../policy/git-allowlist.ts";
import { JailSpec, type ModuleFile, type OverlayFile, type Rules } from "../policy/module-file.ts";
import { type RuleMode, ruleIdsOf, withoutRules } from "../policy/rule-ids.ts";
import { ConfigError } from "./errors.ts";
import { didYouMean } from "./suggest.ts";

export interface OverlayMerge {
  readonly module: ModuleFile;
  /** Ids of the rules the overlay added, and of the built-in's it removed. */
  readonly added: readonly string[];
  readonly removed: readonly string[];
}

export function applyOverlay(
  file: string,
  base: ModuleFile,
  overlay: OverlayFile,
): { ok: true; merge: OverlayMerge } | { ok: false; errors: ConfigError[] } {
  const errors: ConfigError[] = [];
  const builtin = overlay.extends;
  const mode: RuleMode = base.deny !== undefined ? "deny" : "allow";
  const other: RuleMode = mode === "deny" ? "allow" : "deny";
  if (overlay[other] !== undefined)
    errors.push(
      new ConfigError(
        file,
        `the built-in ${builtin} is a${mode === "allow" ? "n" : ""} ${mode} list: add rules under [${mode}]`,
        [other],
      ),
    );
  const baseRules: Rules = base[mode] ?? {};
  const baseIds = ruleIdsOf(mode, baseRules);

  const removed = overlay.remove.rules;
  removed.forEach((id, index) => {
    if (baseIds.includes(id)) return;
    const guess = didYouMean(id, baseIds);
    errors.push(
      new ConfigError(
        file,
        `the built-in ${builtin} has no rule '${id}'`,
        ["remove", "rules", String(index)],
        undefined,
        guess === undefined ? "`airlock show` lists the rule ids" : `did you mean "${guess}"?`,
      ),
    );
  });
  const kept = withoutRules(mode, baseRules, new Set(removed));
  const keptIds = new Set(ruleIdsOf(mode, kept));

  const additions: Rules = overlay[mode] ?? {};
  (additions.patterns ?? []).forEach((pattern, index) => {
    const keyPath = [mode, "patterns", String(index)];
    if (pattern.id === undefined)
      errors.push(new ConfigError(file, "a pattern added to a built-in needs an id", keyPath));
    else if (keptIds.has(`${mode}.patterns.${pattern.id}`))
      errors.push(
        new ConfigError(file, `the built-in ${builtin} already has a pattern '${pattern.id}'`, keyPath),
      );
  });
  const added = ruleIdsOf(mode, additions).filter((id) => !keptIds.has(id));

  const baseJail = base.jail ?? v.parse(JailSpec, {});
  const dropped = overlay.remove.credentials;
  dropped.forEach((path, index) => {
    if (!baseJail.credentials.includes(path))
      errors.push(
        new ConfigError(file, `'${path}' is not among the built-in ${builtin}'s jail credentials`, [
          "remove",
          "credentials",
          String(index),
        ]),
      );
  });

  const allowKeys = overlay.exec.allow_config_keys ?? [];
  if (allowKeys.length > 0 && base.exec.guard !== "git-config")
    errors.push(
      new ConfigError(file, `the built-in ${builtin} has no repository config guard`, [
        "exec",
        "allow_config_keys",
      ]),
    );
  allowKeys.forEach((key, index) => {
    const why = whyNotAllowable(key);
    if (why !== undefined)
      errors.push(
        new ConfigError(file, `cannot allow '${key}': it ${why}`, [
          "exec",
          "allow_config_keys",
          String(index),
        ]),
      );
  });
  if (errors.length > 0) return { ok: false, errors };

  const jail = overlay.jail;
  const module: ModuleFile = {
    ...base,
    command: {
      bin: overlay.command?.bin ?? base.command.bin,
      description: overlay.command?.description ?? base.command.description,
    },
    [mode]: joinRules(kept, additions),
    env: {
      strip: [...base.env.strip, ...(overlay.env.strip ?? [])],
      pass: [...base.env.pass, ...(overlay.env.pass ?? [])],
      set: { ...base.env.set, ...overlay.env.set },
    },
    args: { append: [...base.args.append, ...(overlay.args.append ?? [])] },
    jail:
      jail === undefined && dropped.length === 0
        ? base.jail
        : {
            ...baseJail,
            credentials: [
              ...baseJail.credentials.filter((path) => !dropped.includes(path)),
              ...(jail?.credentials ?? []),
            ],
            paths: [...baseJail.paths, ...(jail?.paths ?? [])],
            ssh: jail?.ssh ?? baseJail.ssh,
            git_credentials: jail?.git_credentials ?? baseJail.git_credentials,
            workspace_exec: jail?.workspace_exec ?? baseJail.workspace_exec,
            follow_symlinks: jail?.follow_symlinks ?? baseJail.follow_symlinks,
            files: { ...baseJail.files, ...jail?.files },
            env: { ...baseJail.env, ...jail?.env },
          },
    exec: {
      ...base.exec,
      concurrent: overlay.exec.concurrent ?? base.exec.concurrent,
      timeout_s: overlay.exec.timeout_s ?? base.exec.timeout_s,
      max_output_mb: overlay.exec.max_output_mb ?? base.exec.max_output_mb,
      allow_config_keys: [...base.exec.allow_config_keys, ...allowKeys],
    },
  };
  return { ok: true, merge: { module, added, removed } };
}

/** The built-in's remaining rules, then the overlay's. */
function joinRules(kept: Rules, additions: Rules): Rules {
  const join = <T>(a: readonly T[] | undefined, b: readonly T[] | undefined) =>
    a === undefined && b === undefined ? undefined : [...(a ?? []), ...(b ?? [])];
  return {
    args: join(kept.args, additions.args),
    subcommands: join(kept.subcommands, additions.subcommands),
    flags: join(kept.flags, additions.flags),
    patterns: join(kept.patterns, additions.patterns),
  };
}
