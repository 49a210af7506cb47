import { rmSync } from "node:fs";
import { basename, join } from "node:path";
import { defineCommand } from "citty";
import { BUILTIN_NAMES } from "../config/builtins.ts";
import { type AirlockPaths, homeDir, resolvePaths } from "../config/paths.ts";
import {
  type FileOutcome,
  InitError,
  MANIFEST_NAME,
  ManifestBuilder,
  readManifest,
  removeEntry,
  writeManifest,
} from "../platform/init-manifest.ts";
import {
  daemonArgv,
  LAUNCHD_LABEL,
  launchdPlist,
  servicePath,
  systemdUnit,
} from "../platform/service-files.ts";
import {
  activateService,
  deactivateService,
  detectService,
  forgetService,
  type ServiceKind,
  type ServiceOutcome,
  serviceFilePath,
} from "../platform/service-manager.ts";
import { starterAgents, starterConfig } from "../platform/starter-files.ts";
import { parseCommandList } from "./command-list.ts";
import { EXIT } from "./exit-codes.ts";
import { configFlag, jsonFlag } from "./flags.ts";
import { printJson, printLine, UsageError } from "./output.ts";

/**
 * What init did, line by line on stdout (a report, not diagnostics), or as one JSON document with --json:
 * `{ "ok": …, "lines": [ … ] }`, each line as it would have been printed.
 */
class InitReport {
  readonly lines: string[] = [];
  constructor(private readonly json: boolean) {}
  say = (line: string): void => {
    this.lines.push(line);
    if (!this.json) printLine(line);
  };
  finish(code: number): number {
    if (this.json)
      printJson({ ok: code === EXIT.ok, lines: this.lines.map((line) => line.trim()).filter(Boolean) });
    return code;
  }
}
type Say = (line: string) => void;
const SERVICE_CHOICES = ["auto", "systemd", "launchd", "none"] as const;

export default defineCommand({
  meta: {
    name: "init",
    description:
      "Create the config and data dirs, a commented config.toml and agents.toml, and a user service " +
      "(systemd on Linux, launchd on macOS) that runs the daemon. Never overwrites your files; safe to re-run",
  },
  args: {
    ...configFlag,
    enable: {
      type: "string",
      description: "commands for `[commands] enable` in a new config.toml, comma-separated (default git)",
      valueHint: "git,terraform",
    },
    service: {
      type: "string",
      description: "service manager: auto, systemd, launchd or none (files only)",
      valueHint: "auto|systemd|launchd|none",
      default: "auto",
    },
    uninstall: {
      type: "boolean",
      description: "stop the service and remove what init created (files you changed are kept)",
      default: false,
    },
    ...jsonFlag,
  },
  run({ args }) {
    const paths = resolvePaths({ config: typeof args.config === "string" ? args.config : undefined });
    const manifestFile = join(paths.configDir, MANIFEST_NAME);
    const report = new InitReport(args.json === true);
    if (args.uninstall) return report.finish(uninstall(manifestFile, report.say));
    const given = typeof args.enable === "string" ? args.enable : undefined;
    const service = chooseService(String(args.service));
    return report.finish(
      install(
        paths,
        manifestFile,
        parseCommandList(given ?? "git", "--enable"),
        given !== undefined,
        service,
        report.say,
      ),
    );
  },
});

function chooseService(choice: string): ServiceKind | undefined {
  if (!(SERVICE_CHOICES as readonly string[]).includes(choice))
    throw new UsageError(`--service must be one of ${SERVICE_CHOICES.join(", ")}, got '${choice}'`);
  if (choice === "none") return undefined;
  if (choice === "systemd" || choice === "launchd") return choice;
  return detectService(process.platform);
}

/** The binary the service will run: this one. From source, execPath is bun itself, which `start` is not. */
function airlockBinary(): string {
  const bin = process.execPath;
  if (!basename(bin).startsWith("airlock")) {
    throw new InitError(
      `init must run from the installed airlock binary (this is ${bin}); build it with \`npm run build\``,
    );
  }
  return bin;
}

const FILE_WORDS: Record<FileOutcome, string> = {
  created: "created",
  unchanged: "unchanged",
  updated: "updated",
  kept: "kept (exists; never overwritten)",
};

function install(
  paths: AirlockPaths,
  manifestFile: string,
  enable: readonly string[],
  enableGiven: boolean,
  service: ServiceKind | undefined,
  say: Say,
): number {
  const bin = airlockBinary();
  const agentsFile = join(paths.configDir, "agents.toml");
  const manifest = new ManifestBuilder(readManifest(manifestFile));
  // Not the sockets' directory: it is runtime state (the runtime directory, or a temp one), made by the
  // daemon when it starts.
  for (const dir of [paths.configDir, paths.dataDir]) {
    const outcome = manifest.ensureDir(dir, 0o700);
    say(
      `  ${outcome === "created" ? "created" : "exists "}  ${dir}${outcome === "created" ? " (0700)" : ""}`,
    );
  }
  const unknown = enable.filter((name) => !BUILTIN_NAMES.includes(name));
  if (unknown.length > 0)
    say(`  note     ${unknown.join(", ")}: no built-in module; each agent needs commands/<name>.toml`);
  const starter = {
    enable,
    logFile: paths.defaultLogFile,
    agentsFile,
    socketsDir: paths.socketsDir,
    configDir: paths.configDir,
  };
  const configOutcome = manifest.ensureFile(paths.configFile, starterConfig(starter), 0o600, false);
  say(`  ${FILE_WORDS[configOutcome]}  ${paths.configFile}`);
  if (configOutcome === "kept" && enableGiven)
    say(`  note     --enable was not applied: edit [commands] enable in ${paths.configFile}`);
  say(
    `  ${FILE_WORDS[manifest.ensureFile(agentsFile, starterAgents(starter), 0o600, false)]}  ${agentsFile}`,
  );

  const spec = {
    bin,
    configDir: paths.configDir,
    agentsFile,
    daemonLog: join(paths.dataDir, "daemon.log"),
    path: servicePath(process.env.PATH),
  };
  if (service === undefined) {
    writeManifest(manifestFile, manifest.build());
    say("  no service manager (systemd or launchd) in use; run the daemon yourself:");
    say(`    ${daemonArgv(spec).join(" ")}`);
    return EXIT.ok;
  }
  const serviceFile = serviceFilePath(service, homeDir());
  const text = service === "systemd" ? systemdUnit(spec) : launchdPlist(spec);
  const outcome = manifest.ensureFile(serviceFile, text, 0o644, true);
  say(`  ${FILE_WORDS[outcome]}  ${serviceFile}`);
  if (manifest.owns(serviceFile)) manifest.service = service;
  // Recorded before the service manager runs, so a failure there can still be undone with --uninstall.
  writeManifest(manifestFile, manifest.build());
  if (outcome === "kept") {
    say(`  ${serviceFile} is not airlock init's; left alone and not activated`);
    return EXIT.ok;
  }
  const result = activateService(service, serviceFile, outcome === "updated");
  const code = report(result, "to start the daemon", service, say, spec.daemonLog);
  if (code === EXIT.ok) {
    say("");
    say(`next: add an agent to ${agentsFile} (the file says how), then run \`airlock doctor\``);
  }
  return code;
}

function report(
  result: ServiceOutcome,
  purpose: string,
  kind: ServiceKind,
  say: Say,
  daemonLog?: string,
): number {
  for (const step of result.steps) {
    if (step.ok) say(`  ran      ${step.argv.join(" ")}`);
  }
  if (result.status === "done") return EXIT.ok;
  const failed = result.steps.find((s) => !s.ok);
  if (result.status === "unavailable") {
    say(`  the service manager is not reachable here${failed ? ` (${firstLine(failed.output)})` : ""}`);
    say(`  ${purpose}, run once it is:`);
    for (const line of result.manual) say(`    ${line}`);
    return EXIT.ok;
  }
  say(`  failed   ${failed?.argv.join(" ")}: ${failed?.output ?? ""}`);
  if (kind === "systemd") say("  see `systemctl --user status airlock` and `journalctl --user -u airlock`");
  else say(`  see \`launchctl print gui/$(id -u)/${LAUNCHD_LABEL}\`${daemonLog ? ` and ${daemonLog}` : ""}`);
  return EXIT.failure;
}

const firstLine = (text: string) => text.split("\n")[0] ?? "";

function uninstall(manifestFile: string, say: Say): number {
  const manifest = readManifest(manifestFile);
  if (!manifest) {
    say(`nothing to uninstall: ${manifestFile} not found (init was not run with this --config)`);
    return EXIT.ok;
  }
  let code: number = EXIT.ok;
  if (manifest.service)
    code = report(deactivateService(manifest.service), "to stop the daemon", manifest.service, say);
  const files = manifest.entries.filter((e) => e.kind === "file").reverse();
  const dirs = manifest.entries.filter((e) => e.kind === "dir").reverse();
  for (const entry of files) sayRemoval(entry.path, removeEntry(entry), say);
  if (manifest.service) {
    const step = forgetService(manifest.service);
    if (step?.ok) say(`  ran      ${step.argv.join(" ")}`);
  }
  // The manifest lives in the config dir, which can only go once the manifest has.
  rmSync(manifestFile, { force: true });
  for (const entry of dirs) sayRemoval(entry.path, removeEntry(entry), say);
  return code;
}

function sayRemoval(path: string, outcome: ReturnType<typeof removeEntry>, say: Say): void {
  const words = {
    removed: "removed",
    gone: "gone   ",
    "kept-changed": "kept (changed since init)",
    "kept-not-empty": "kept (not empty)",
  } as const;
  say(`  ${words[outcome]}  ${path}`);
}
