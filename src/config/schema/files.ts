import * as v from "valibot";
import { AgentName, EnvMap, NonEmptyString, PositiveNumber, StringList } from "./common.ts";

export const CommandName = v.pipe(
  v.string(),
  v.regex(/^[a-z0-9][a-z0-9._+-]*$/, "command names are lower-case letters, digits, '.', '_', '+' and '-'"),
);

/** ~/.config/airlock/config.toml */
export const DaemonConfigFile = v.strictObject({
  commands: v.strictObject({
    enable: v.pipe(
      v.array(CommandName),
      v.minLength(1, '`[commands] enable` is empty; list the commands agents may use, e.g. enable = ["git"]'),
      v.description("the ceiling: commands any agent may use at all"),
    ),
  }),
  log: v.optional(
    v.strictObject({
      path: v.optional(v.string()),
      max_size_mb: v.optional(PositiveNumber, 50),
      max_files: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1)), 5),
    }),
    {},
  ),
  daemon: v.optional(
    v.strictObject({
      // 0.4 parsed these two and ignored them; they stay accepted so 0.4 files load.
      socket: v.optional(v.string()),
      log_level: v.optional(v.string()),
      allowed_uids: v.optional(v.array(v.pipe(v.number(), v.integer(), v.minValue(0))), []),
      max_concurrent: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1)), 64),
    }),
    {},
  ),
  limits: v.optional(
    v.strictObject({
      timeout_s: v.optional(PositiveNumber),
      max_output_mb: v.optional(PositiveNumber),
    }),
    {},
  ),
});
export type DaemonConfigFile = v.InferOutput<typeof DaemonConfigFile>;

/** agents.toml: one table per agent. */
export const AgentsFile = v.record(
  AgentName,
  v.strictObject({ path: v.pipe(NonEmptyString, v.description("absolute directory holding airlock.toml")) }),
);
export type AgentsFile = v.InferOutput<typeof AgentsFile>;

/** <agent dir>/airlock.toml */
export const AgentFile = v.strictObject({
  commands: v.pipe(
    v.array(CommandName),
    v.description("commands this agent may use; [] = every enabled command"),
  ),
  env: v.optional(v.strictObject({ set: v.optional(EnvMap, {}) }), {}),
  workspace: v.optional(
    v.strictObject({
      roots: v.pipe(v.optional(StringList, []), v.description("host dirs the agent may run in")),
    }),
    {},
  ),
  exec: v.optional(
    v.strictObject({
      jail: v.pipe(
        v.optional(v.picklist(["on", "off"]), "on"),
        v.description(
          "off: this agent's tools run on the host unconfined (logged at start and in every audit record)",
        ),
      ),
    }),
    {},
  ),
  jail: v.pipe(
    v.optional(
      v.record(
        CommandName,
        v.strictObject({
          add: v.pipe(v.optional(StringList, []), v.description("more credential paths for this command")),
          remove: v.pipe(
            v.optional(StringList, []),
            v.description("credential paths of the module this agent's jail leaves out"),
          ),
        }),
      ),
      {},
    ),
    v.description("per command: credential paths added to or removed from the module's [jail]"),
  ),
  hooks: v.optional(
    v.strictObject({
      timeout_s: v.optional(PositiveNumber, 10),
      post_exec_failure: v.optional(v.picklist(["pass", "withhold"]), "pass"),
    }),
    {},
  ),
});
export type AgentFile = v.InferOutput<typeof AgentFile>;
