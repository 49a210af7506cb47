import * as v from "valibot";
import { EnvMap, EnvPattern, NonEmptyString, PositiveNumber, StringList } from "./schema-values.ts";

/** A structured rule: every condition given must hold for the rule to match. */
export const Pattern = v.strictObject({
  id: v.pipe(
    v.optional(v.pipe(v.string(), v.regex(/^[a-z0-9][a-z0-9-]*$/, "lower-case letters, digits and '-'"))),
    v.description(
      "the rule's name in audit records and messages (`deny.patterns.ID`); without one the position names it, which changes when rules are added",
    ),
  ),
  subcommand: v.pipe(
    v.optional(v.union([v.string(), StringList])),
    v.description('command path(s) the rule is limited to, e.g. "fetch" or ["state pull"]'),
  ),
  flags: v.pipe(
    v.optional(StringList),
    v.description("the rule needs one of these options, in any spelling"),
  ),
  value: v.pipe(v.optional(v.string()), v.description("glob the option's value must match")),
  args: v.pipe(v.optional(StringList), v.description("globs; one operand must match one of them")),
  scope: v.pipe(
    v.optional(v.picklist(["global", "command", "any"]), "any"),
    v.description("where the option must appear: before the subcommand (global), after it, or anywhere"),
  ),
  reason: v.pipe(NonEmptyString, v.description("shown to the agent when the rule decides")),
});
export type Pattern = v.InferOutput<typeof Pattern>;

export const Rules = v.pipe(
  v.strictObject({
    args: v.pipe(
      v.optional(StringList),
      v.description("airlock 0.4 rule entries: `-f`, `-f=GLOB`, `word`, `a & b`"),
    ),
    subcommands: v.pipe(
      v.optional(StringList),
      v.description('command paths, e.g. "credential", "state pull"'),
    ),
    flags: v.pipe(
      v.optional(StringList),
      v.description("options matched in every spelling the tool accepts"),
    ),
    patterns: v.pipe(v.optional(v.array(Pattern)), v.description("structured rules with a reason each")),
  }),
  v.check(
    (r) =>
      r.args !== undefined ||
      r.subcommands !== undefined ||
      r.flags !== undefined ||
      r.patterns !== undefined,
    "a rule table needs at least one of args, subcommands, flags or patterns; `args = []` matches nothing",
  ),
);
export type Rules = v.InferOutput<typeof Rules>;

/** How the tool itself reads its argv; normalization follows it so a rule sees what the tool will see. */
export const ParseSpec = v.strictObject({
  style: v.pipe(
    v.optional(v.picklist(["gnu", "go"]), "gnu"),
    v.description("gnu: -abc clusters and --long; go: -name and --name are the same option"),
  ),
  long_prefixes: v.pipe(
    v.optional(v.boolean(), false),
    v.description("the tool accepts unambiguous prefixes of long options (git: --upload-pa)"),
  ),
  value_flags: v.pipe(v.optional(StringList, []), v.description("options known to take a value")),
  long_options: v.pipe(
    v.optional(StringList, []),
    v.description("full long option names that are prefixes of others (`--get` is not `--get-regexp`)"),
  ),
  bool_flags: v.pipe(v.optional(StringList, []), v.description("options known to take no value")),
  subcommand_depth: v.pipe(
    v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(4))),
    v.description("how many leading operands name the subcommand (aws: 2)"),
  ),
  opaque_after_operand: v.pipe(
    v.optional(v.record(v.string(), v.pipe(v.number(), v.integer(), v.minValue(1)))),
    v.description(
      'after the Nth operand (keyed by subcommand path) the rest is an inner command: ssh { "" = 2 }',
    ),
  ),
  end_of_options: v.pipe(
    v.optional(StringList, ["--"]),
    v.description("markers after which only operands follow"),
  ),
  forwards: v.pipe(
    v.optional(v.record(v.string(), StringList)),
    v.description(
      'subcommands that hand their operands to other subcommands as arguments, without a marker: git { pull = ["fetch"] } (operands after a marker are read again as options, and rules of the callee apply)',
    ),
  ),
});
export type ParseSpec = v.InferOutput<typeof ParseSpec>;

/** Absolute paths, or `~/…` for the daemon user's home. */
const HostPath = v.pipe(
  v.string(),
  v.regex(/^(\/|~\/)/, "must be an absolute path or start with ~/"),
  v.check((p) => !p.split("/").includes(".."), "must not contain '..'"),
);

/** What the tool sees when the daemon runs it: the agent's roots plus this, and nothing else of the host. */
export const JailSpec = v.strictObject({
  credentials: v.pipe(
    v.optional(v.array(HostPath), []),
    v.description(
      "the tool's own credential files and directories, bound read-only into the jail's otherwise empty $HOME",
    ),
  ),
  paths: v.pipe(
    v.optional(v.array(HostPath), []),
    v.description("other host paths the tool needs to run (its program files), bound read-only"),
  ),
  ssh: v.pipe(
    v.optional(v.picklist(["agent", "keys"]), "keys"),
    v.description(
      "agent: where the daemon has an ssh-agent (SSH_AUTH_SOCK), bind its socket and of ~/.ssh only config and known_hosts, never a key; keys: bind ~/.ssh as listed",
    ),
  ),
  git_credentials: v.pipe(
    v.optional(v.picklist(["broker", "none"]), "none"),
    v.description(
      "broker: git's credential requests are answered by the daemon outside the jail (the host's `git credential fill`), so no token file enters the jail; store and erase are refused",
    ),
  ),
  workspace_exec: v.pipe(
    v.optional(v.boolean(), false),
    v.description(
      "false: nothing in the workspace or /tmp can be run as a program (noexec); true: it can (terraform runs providers from .terraform/)",
    ),
  ),
  follow_symlinks: v.pipe(
    v.optional(v.boolean(), false),
    v.description(
      "false: symlinks inside the workspace are not followed (a link to ~/.aws reads nothing); true: followed, inside the jail",
    ),
  ),
  files: v.pipe(
    v.optional(v.record(v.pipe(v.string(), v.regex(/^[a-z0-9][a-z0-9._-]*$/)), v.string()), {}),
    v.description("files the jail provides, read-only, at /run/airlock/files/<name>"),
  ),
  env: v.pipe(v.optional(EnvMap, {}), v.description("set only when the tool runs jailed; beats [env] set")),
});
export type JailSpec = v.InferOutput<typeof JailSpec>;

export const ModuleFile = v.pipe(
  v.strictObject({
    command: v.strictObject({
      bin: v.pipe(
        NonEmptyString,
        v.description("program to run: a name looked up on PATH, or an absolute path"),
      ),
      description: v.optional(v.string()),
    }),
    deny: v.optional(Rules),
    allow: v.optional(Rules),
    parse: v.optional(ParseSpec),
    env: v.optional(
      v.strictObject({
        strip: v.pipe(
          v.optional(v.array(EnvPattern), []),
          v.description("removed from the inherited environment"),
        ),
        set: v.pipe(v.optional(EnvMap, {}), v.description("set last; beats the agent's [env] set")),
        pass: v.pipe(
          v.optional(v.array(EnvPattern), []),
          v.description('daemon variables passed to the tool besides the base set; ["*"] passes all (0.4)'),
        ),
      }),
      {},
    ),
    args: v.optional(
      v.strictObject({
        append: v.pipe(v.optional(StringList, []), v.description("added after the request's args")),
      }),
      {},
    ),
    jail: v.pipe(
      v.optional(JailSpec),
      v.description(
        "what the jail holds besides the workspace; a module without [jail] gets the built-in's of the same name, else an empty one",
      ),
    ),
    exec: v.optional(
      v.strictObject({
        concurrent: v.pipe(
          v.optional(v.boolean(), true),
          v.description("false: one run at a time per agent"),
        ),
        timeout_s: v.pipe(v.optional(PositiveNumber), v.description("kill the run after this many seconds")),
        max_output_mb: v.pipe(v.optional(PositiveNumber), v.description("cap on collected output")),
        guard: v.pipe(
          v.optional(v.picklist(["git-config", "terraform-scan"])),
          v.description("a built-in check of the workspace before running (repository config, .tf files)"),
        ),
        allow_config_keys: v.pipe(
          v.optional(StringList, []),
          v.description(
            "git-config guard: repository config keys allowed besides its allowlist, e.g. commit.gpgsign (never one that names a program)",
          ),
        ),
      }),
      {},
    ),
  }),
  v.check(
    (m) => (m.deny === undefined) !== (m.allow === undefined),
    "a module needs exactly one of [deny] or [allow]; add `[deny]` with `args = []` to deny nothing",
  ),
);
export type ModuleFile = v.InferOutput<typeof ModuleFile>;

/** Jail settings an overlay changes: lists are added to the built-in's, anything else replaces it. */
const OverlayJail = v.strictObject({
  credentials: v.optional(v.array(HostPath)),
  paths: v.optional(v.array(HostPath)),
  ssh: v.optional(v.picklist(["agent", "keys"])),
  git_credentials: v.optional(v.picklist(["broker", "none"])),
  workspace_exec: v.optional(v.boolean()),
  follow_symlinks: v.optional(v.boolean()),
  files: v.optional(v.record(v.pipe(v.string(), v.regex(/^[a-z0-9][a-z0-9._-]*$/)), v.string())),
  env: v.optional(EnvMap),
});

/**
 * A module that builds on a built-in (`extends = "git"`): its rules are added to the built-in's, `[remove]`
 * takes rules (by id) and jail credentials away, and other settings replace the built-in's one by one.
 * How the tool parses its argv stays the built-in's.
 */
export const OverlayFile = v.strictObject({
  extends: v.pipe(NonEmptyString, v.description("the built-in module this one builds on")),
  command: v.optional(
    v.strictObject({
      bin: v.pipe(v.optional(NonEmptyString), v.description("another program than the built-in's")),
      description: v.optional(v.string()),
    }),
  ),
  deny: v.pipe(v.optional(Rules), v.description("rules added to the built-in's [deny]")),
  allow: v.pipe(v.optional(Rules), v.description("rules added to the built-in's [allow]")),
  remove: v.optional(
    v.strictObject({
      rules: v.pipe(
        v.optional(StringList, []),
        v.description(
          "ids of the built-in's rules to drop, as `airlock show` names them: \"deny.flags: '--exec'\"",
        ),
      ),
      credentials: v.pipe(
        v.optional(v.array(HostPath), []),
        v.description("entries of the built-in's [jail] credentials to leave out"),
      ),
    }),
    {},
  ),
  env: v.optional(
    v.strictObject({
      strip: v.optional(v.array(EnvPattern)),
      set: v.optional(EnvMap),
      pass: v.optional(v.array(EnvPattern)),
    }),
    {},
  ),
  args: v.optional(v.strictObject({ append: v.optional(StringList) }), {}),
  jail: v.optional(OverlayJail),
  exec: v.optional(
    v.strictObject({
      concurrent: v.optional(v.boolean()),
      timeout_s: v.optional(PositiveNumber),
      max_output_mb: v.optional(PositiveNumber),
      allow_config_keys: v.optional(StringList),
    }),
    {},
  ),
});
export type OverlayFile = v.InferOutput<typeof OverlayFile>;
