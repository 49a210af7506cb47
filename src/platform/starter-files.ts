/**
 * The commented config.toml and agents.toml `airlock init` writes when there are none, so the first
 * `airlock start` works (no agents yet, no sockets) and each file says what to do next.
 */

export interface StarterSpec {
  readonly enable: readonly string[];
  readonly logFile: string;
  readonly agentsFile: string;
  readonly socketsDir: string;
  readonly configDir: string;
}

/** TOML basic strings take JSON's escapes (\" \\ \n \uXXXX), so JSON.stringify is a correct quoter. */
const q = (text: string) => JSON.stringify(text);

export function starterConfig(spec: StarterSpec): string {
  return `# airlock daemon configuration, written by \`airlock init\`.
# After editing, check it (\`airlock check --config ${spec.configDir}\`) and reload the daemon:
#   Linux: systemctl --user reload-or-restart airlock
#   macOS: launchctl kickstart -k gui/$(id -u)/dev.airlock.daemon
# Unknown keys are errors, so a typo never silently weakens policy.

[commands]
# The ceiling: no agent can use a command that is not listed here. Built-in modules: git, terraform, aws,
# ssh, docker (\`airlock show git\` prints one with what it blocks). Each agent narrows this list further
# in its own airlock.toml.
enable = [${spec.enable.map(q).join(", ")}]

[log]
# One JSON line per request: agent, command, args with secrets masked, decision, exit code. Never env values.
path = ${q(spec.logFile)}
max_size_mb = 50                  # 0 = never rotate
max_files = 5

# [daemon]
# allowed_uids = []               # uids besides the daemon's own (and root) that may connect, e.g. a
#                                 # container's user; sockets then become reachable by them
# max_concurrent = 64             # commands running at once, all agents together

# [limits]                        # defaults for every module that sets none
# timeout_s = 3600                # the tool's process group is killed after this
# max_output_mb = 100
`;
}

export function starterAgents(spec: StarterSpec): string {
  return `# Agents served by the airlock daemon, written by \`airlock init\`. The service passes this file to
# \`airlock start --agents\`. Each agent gets its own socket: ${spec.socketsDir}/<name>.sock
# Names are lower-case letters, digits, '-' and '_'; paths are absolute.
#
# To add one:
#   1. uncomment and adapt:
#
# [claude]
# path = "/home/me/agents/claude"
#
#   2. create <path>/airlock.toml with the commands this agent may use (a subset of [commands] enable):
#        commands = ["git"]
#   3. reload the daemon (see config.toml) and check: \`airlock doctor\`
#   4. in the agent's container or sandbox, \`git\` is a symlink to airlock and
#        AIRLOCK_SOCKET=${spec.socketsDir}/claude.sock
`;
}
