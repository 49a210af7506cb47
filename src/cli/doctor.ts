import { existsSync, readdirSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { defineCommand } from "citty";
import { type Agent, type LoadedConfig, loadConfig } from "../config/load.ts";
import { expandHome, resolvePaths } from "../config/paths.ts";
import { socketAccess } from "../config/socket-access.ts";
import { jailEnabled } from "../daemon/jail/choose.ts";
import { jailTool } from "../daemon/jail/setup.ts";
import { pathState, socketLiveness, toolVersion } from "../platform/probes.ts";
import { pathFlags } from "./context.ts";
import { type CheckReply, sendCheck } from "./doctor-probe.ts";
import { EXIT } from "./exit-codes.ts";
import { jsonFlag, locationFlags } from "./flags.ts";
import { printJson } from "./output.ts";
import { describeAgent } from "./profile.ts";

/** One line of the report: what was looked at, what was found, and what to do when it is wrong. */
interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
  readonly fix?: string;
  /** Worth knowing, not wrong: shown with `!`, and doctor still exits 0. */
  readonly warning?: true;
}

const pass = (name: string, detail: string): Check => ({ name, ok: true, detail });
const fail = (name: string, detail: string, fix: string): Check => ({ name, ok: false, detail, fix });
const warn = (name: string, detail: string, fix: string): Check => ({
  name,
  ok: true,
  detail,
  fix,
  warning: true,
});

const PROBE_TIMEOUT_MS = 5_000;
/** ssh has no --version; the others print their version with it. */
const VERSION_ARGS: Record<string, readonly string[]> = { ssh: ["-V"] };
const START_FIX =
  "start or reload the daemon: `systemctl --user reload-or-restart airlock` (after `airlock init`), or `airlock start --agents FILE`";

export default defineCommand({
  meta: {
    name: "doctor",
    description:
      "Check the installation one line at a time (config, tools, dirs, sockets, a live request per agent), " +
      "each problem with its fix; exit 1 if any fails. Without --agents, uses <config>/agents.toml if present",
  },
  args: { ...locationFlags, ...jsonFlag },
  async run({ args }) {
    const config = loadConfig(resolvePaths(pathFlags(args)), { requireDaemonConfig: true });
    const checks = [
      ...configChecks(config),
      ...binChecks(config),
      ...dirChecks(config),
      ...jailChecks(config),
      ...(await agentChecks(config)),
      await sandboxRedactionCheck(),
      ...(await historyCheck()),
      ...straySockets(config),
    ];
    const ok = checks.every((c) => c.ok);
    if (args.json) printJson({ ok, checks });
    else for (const c of checks) process.stdout.write(`${render(c)}\n`);
    return ok ? EXIT.ok : EXIT.failure;
  },
});

/** Can this machine jail the tools, and what each agent's tools may write. */
function jailChecks(config: LoadedConfig): Check[] {
  const jailed = config.agents.filter((agent) => jailEnabled(agent));
  const checks: Check[] = [];
  if (jailed.length > 0) {
    const tool = jailTool(process.env);
    checks.push(
      "bwrap" in tool
        ? pass("jail", `tools run in bubblewrap jails (${tool.bwrap})`)
        : fail(
            "jail",
            tool.unavailable,
            `or set [exec] jail = "off" for ${jailed.map((a) => a.name).join(", ")} (unconfined)`,
          ),
    );
  }
  for (const agent of config.agents) {
    const name = `jail ${agent.name}`;
    if (!jailEnabled(agent)) {
      checks.push(
        pass(
          name,
          `OFF ([exec] jail = "off" in ${agent.dir}/airlock.toml): its tools run on the host unconfined`,
        ),
      );
    } else if (agent.roots.length > 0) {
      checks.push(pass(name, `tools may write ${agent.roots.join(", ")}`));
    } else {
      checks.push(
        pass(
          name,
          "no [workspace] roots: each request's tool may write the repository around its directory (or the directory); set roots to narrow it",
        ),
      );
    }
  }
  return checks;
}

function render(check: Check): string {
  const colour = process.stderr.isTTY === true && !process.env.NO_COLOR;
  const mark = check.warning ? "!" : check.ok ? "✓" : "✗";
  const painted = colour ? `\x1b[${check.warning ? 33 : check.ok ? 32 : 31}m${mark}\x1b[0m` : mark;
  return `${painted} ${check.name}: ${check.detail}${check.fix ? ` — fix: ${check.fix}` : ""}`;
}

const octal = (mode: number) => `0${(mode & 0o777).toString(8)}`;

function configChecks(config: LoadedConfig): Check[] {
  const checks: Check[] = [];
  const file = config.paths.configFile;
  for (const e of config.errors) {
    const missing = e.file === file && !existsSync(file);
    checks.push(
      fail(
        "config",
        e.message,
        missing
          ? "run `airlock init` (or pass --config DIR)"
          : (e.hint ?? "run `airlock check` to see every problem"),
      ),
    );
  }
  if (config.errors.length === 0) checks.push(pass("config", `valid (${file})`));
  const agentsFile = config.paths.agentsFile;
  if (agentsFile === undefined) {
    checks.push(
      fail(
        "agents",
        "no agents file",
        "pass --agents FILE, or run `airlock init` (it writes <config>/agents.toml)",
      ),
    );
  } else if (config.agents.length === 0 && config.errors.every((e) => e.file !== agentsFile)) {
    checks.push(
      fail("agents", `none in ${agentsFile}`, `add \`[name]\\npath = "/agent/dir"\` to ${agentsFile}`),
    );
  } else if (config.agents.length > 0) {
    checks.push(pass("agents", `${config.agents.map((a) => a.name).join(", ")} (${agentsFile})`));
  }
  return checks;
}

function binChecks(config: LoadedConfig): Check[] {
  const checks: Check[] = [];
  for (const command of config.daemon?.commands.enable ?? []) {
    const builtin = config.builtins.get(command);
    const modules = [
      ...(builtin ? [builtin] : []),
      ...config.agents.flatMap((a) => {
        const m = a.overrides.get(command);
        return m ? [m] : [];
      }),
    ];
    if (modules.length === 0) {
      checks.push(
        fail(
          `bin ${command}`,
          "enabled, but no built-in module or agent override defines it",
          `add <agent dir>/commands/${command}.toml, or remove it from [commands] enable`,
        ),
      );
      continue;
    }
    const seen = new Set<string>();
    for (const m of modules) {
      const where = m.source === "builtin" ? "built-in module" : m.file;
      if (m.binPath === undefined) {
        checks.push(
          fail(
            `bin ${command}`,
            `'${m.module.command.bin}' (${where}) is not on PATH`,
            `install it, or set [command] bin to its absolute path in <agent dir>/commands/${command}.toml`,
          ),
        );
        continue;
      }
      if (seen.has(m.binPath)) continue;
      seen.add(m.binPath);
      const version = toolVersion(m.binPath, VERSION_ARGS[command] ?? ["--version"], PROBE_TIMEOUT_MS);
      checks.push(pass(`bin ${command}`, `${m.binPath}${version ? ` (${version})` : ""}`));
    }
  }
  return checks;
}

function dirChecks(config: LoadedConfig): Check[] {
  const { configDir, socketsDir, defaultLogFile } = config.paths;
  const checks: Check[] = [];
  const cfg = pathState(configDir);
  if (cfg.kind === "missing")
    checks.push(fail("config dir", `${configDir} is missing`, "run `airlock init`"));
  else if (cfg.kind !== "dir")
    checks.push(fail("config dir", `${configDir} is not a directory`, "move it away"));
  else if (cfg.mode & 0o022)
    checks.push(
      fail("config dir", `${configDir} is writable by others (${octal(cfg.mode)})`, `chmod 700 ${configDir}`),
    );
  else checks.push(pass("config dir", `${configDir} (${octal(cfg.mode)})`));

  const expected = expectedAccess(config).dirMode;
  const sockets = pathState(socketsDir);
  if (sockets.kind === "missing")
    checks.push(fail("sockets dir", `${socketsDir} is missing: no daemon has run with it`, START_FIX));
  else if (sockets.kind !== "dir")
    checks.push(fail("sockets dir", `${socketsDir} is not a directory`, "move it away"));
  else if ((sockets.mode & 0o777) !== expected)
    checks.push(
      fail(
        "sockets dir",
        `${socketsDir} is ${octal(sockets.mode)}, expected ${octal(expected)}`,
        `chmod ${expected.toString(8)} ${socketsDir} (the daemon also sets it when it starts)`,
      ),
    );
  else checks.push(pass("sockets dir", `${socketsDir} (${octal(sockets.mode)})`));

  const logFile = expandHome(config.daemon?.log.path ?? defaultLogFile);
  const logDir = dirname(logFile);
  const data = pathState(logDir);
  if (data.kind === "missing") checks.push(pass("log dir", `${logDir} (created when the daemon starts)`));
  else if (data.kind !== "dir") checks.push(fail("log dir", `${logDir} is not a directory`, "move it away"));
  else if (data.mode & 0o022)
    checks.push(
      fail("log dir", `${logDir} is writable by others (${octal(data.mode)})`, `chmod 700 ${logDir}`),
    );
  else checks.push(pass("log dir", `${logDir} (${octal(data.mode)})`));
  const log = pathState(logFile);
  if (log.kind === "file" && log.mode & 0o077)
    checks.push(
      fail(
        "log file",
        `${logFile} is readable by others (${octal(log.mode)}); it records every request`,
        `chmod 600 ${logFile}`,
      ),
    );
  return checks;
}

function expectedAccess(config: LoadedConfig) {
  return socketAccess(config.daemon?.daemon.allowed_uids ?? [], process.getuid?.() ?? 0);
}

async function agentChecks(config: LoadedConfig): Promise<Check[]> {
  const checks: Check[] = [];
  const access = expectedAccess(config);
  for (const agent of config.agents) {
    const socket = join(config.paths.socketsDir, `${agent.name}.sock`);
    const name = `socket ${agent.name}`;
    const state = pathState(socket);
    if (state.kind === "missing") {
      checks.push(fail(name, `no socket at ${socket}`, START_FIX));
      continue;
    }
    if (state.kind !== "socket") {
      checks.push(fail(name, `${socket} is not a socket`, "move it away; the daemon never replaces it"));
      continue;
    }
    const command = probeCommand(config, agent);
    const reply = await sendCheck(socket, command ?? "git", ["--version"], PROBE_TIMEOUT_MS);
    if (reply.kind === "no-answer" && reply.reason === "ECONNREFUSED") {
      checks.push(
        fail(name, `${socket} is stale: nothing is listening`, `${START_FIX}; it removes stale sockets`),
      );
      continue;
    }
    if ((state.mode & 0o777) !== access.mode) {
      checks.push(
        fail(name, `${socket} is ${octal(state.mode)}, expected ${octal(access.mode)}`, "restart the daemon"),
      );
    } else checks.push(pass(name, `${socket} (${octal(state.mode)}, live)`));
    checks.push(daemonCheck(agent, command, reply));
  }
  return checks;
}

/** git if the agent may use it (the request the shim sends most), else the first command it may use. */
function probeCommand(config: LoadedConfig, agent: Agent): string | undefined {
  const { commands } = describeAgent(config, agent);
  return commands.includes("git") ? "git" : commands[0];
}

function daemonCheck(agent: Agent, command: string | undefined, reply: CheckReply): Check {
  const name = `daemon ${agent.name}`;
  const request = `check ${command ?? "git"} --version`;
  if (reply.kind === "no-answer") {
    return fail(
      name,
      `${request}: ${reply.reason}`,
      "restart the daemon and read its log (`journalctl --user -u airlock`); a uid the daemon does not accept is dropped too ([daemon] allowed_uids)",
    );
  }
  if (command === undefined) {
    return fail(
      name,
      `answers, but the agent may use no enabled command (${reply.kind === "error" ? reply.message : "allowed"})`,
      `list commands from [commands] enable in ${join(agent.dir, "airlock.toml")}`,
    );
  }
  if (reply.kind === "error") {
    return fail(
      name,
      `${request}: ${reply.message}`,
      "the running daemon's config differs from the files: reload it (`systemctl --user reload-or-restart airlock`, or SIGHUP)",
    );
  }
  return pass(name, `${request}: allowed`);
}

/** Sockets in the directory that no configured agent owns: left over, or another daemon's. */
function straySockets(config: LoadedConfig): Check[] {
  const dir = config.paths.socketsDir;
  if (pathState(dir).kind !== "dir") return [];
  const agents = new Set(config.agents.map((a) => `${a.name}.sock`));
  const checks: Check[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (agents.has(entry) || pathState(path).kind !== "socket") continue;
    const name = `socket ${basename(entry, ".sock")}`;
    const live = socketLiveness(path);
    if (live === "stale") checks.push(fail(name, `${path} is stale and no agent uses it`, `rm ${path}`));
    else if (live === "live")
      checks.push(
        pass(name, `${path} is live but not in the agents file (another daemon, or an older config)`),
      );
    else checks.push(fail(name, `${path}: ${live.error}`, "check its owner and mode"));
  }
  return checks;
}

/** Which redaction `airlock sandbox` will use here, and why (informational: both modes protect). */
/**
 * The project doctor runs in: a dotenv file once committed stays in git's objects, which no sandbox
 * redaction reaches (`git show <commit>:.env`). Nothing to report outside a repository.
 */
async function historyCheck(): Promise<Check[]> {
  const { committedEnvFiles, historyWarning } = await import("../sandbox/history.ts");
  const { REDACTION_DEFAULTS } = await import("../sandbox/defaults.ts");
  const warning = historyWarning(committedEnvFiles(process.cwd(), REDACTION_DEFAULTS.envFiles));
  return warning === undefined
    ? []
    : [warn("project history", warning, "rotate the values those files held")];
}

async function sandboxRedactionCheck(): Promise<Check> {
  const { dynamicUnavailable } = await import("../sandbox/fuse/support.ts");
  const missing = dynamicUnavailable();
  if (missing === undefined)
    return pass("sandbox redaction", "dynamic (FUSE view: files created after launch are redacted too)");
  return pass(
    "sandbox redaction",
    `static, because ${missing} (files created after launch are not redacted)`,
  );
}
