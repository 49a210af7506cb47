// What the deploy examples promise, read from the files: they parse, daemon and agent share the socket and
// workspace at the same paths and no pid namespace, the agent's socket is one the daemon opens, and the
// configuration they carry passes `airlock check`. containers.test.ts runs the compose example for real; the
// Kubernetes manifest has no cluster here.
import { describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { BUILTIN_NAMES } from "../../src/config/builtins.ts";
import { runAirlock } from "../helpers/binary.ts";
import { tempTree } from "../helpers/temp-tree.ts";

const EXAMPLES = join(import.meta.dir, "..", "..", "examples");
const read = (file: string) => readFileSync(join(EXAMPLES, file), "utf8");

interface Mount {
  name: string;
  mountPath: string;
}

/** Files at container paths under /etc/airlock, checked with the real binary after moving them to a temp dir. */
async function checkEmbeddedConfig(files: Record<string, string>) {
  await using tree = await tempTree({});
  const root = tree.at("etc/airlock");
  for (const [path, text] of Object.entries(files)) {
    const local = join(tree.path, path);
    mkdirSync(dirname(local), { recursive: true });
    writeFileSync(local, text.replaceAll("/etc/airlock", root));
  }
  const r = await runAirlock(["check", "--json", "--config", root, "--agents", join(root, "agents.toml")]);
  return {
    exitCode: r.exitCode,
    report: JSON.parse(r.stdout) as { ok: boolean; agents: { name: string }[] },
  };
}

/** The stages of examples/Dockerfile by name, each with its lines. */
function dockerStages(): Map<string, string> {
  const stages = new Map<string, string>();
  const parts = read("Dockerfile")
    .split(/^FROM /m)
    .slice(1);
  for (const part of parts) {
    const name = /^\S+\s+AS\s+(\S+)/i.exec(part)?.[1];
    if (name) stages.set(name, part);
  }
  return stages;
}

function flagValue(argv: readonly string[] | undefined, flag: string): string {
  const index = argv?.indexOf(flag) ?? -1;
  return index === -1 ? "" : (argv?.[index + 1] ?? "");
}

function jsonInstruction(stage: string, instruction: string): string[] {
  const line = new RegExp(`^${instruction} (\\[.*\\])$`, "m").exec(stage)?.[1];
  return line ? (JSON.parse(line) as string[]) : [];
}

describe("examples/Dockerfile", () => {
  const stages = dockerStages();

  test("has a daemon stage and an agent stage, the agent last so it is the default", () => {
    expect([...stages.keys()]).toEqual(["daemon", "agent"]);
  });

  test("the agent image links every built-in tool to airlock and names its socket", () => {
    const agent = stages.get("agent") ?? "";
    expect(agent).toContain('ln -s airlock "/usr/local/bin/$tool"');
    const loop = /for tool in ([a-z ]+); do/.exec(agent)?.[1]?.split(" ") ?? [];
    expect(loop.sort()).toEqual([...BUILTIN_NAMES].sort());
    expect(agent).toMatch(/^ENV AIRLOCK_SOCKET=\/run\/airlock\/[a-z0-9][a-z0-9_-]*\.sock$/m);
    expect(agent).not.toMatch(/apt-get install[^\n]*\bgit\b/);
  });

  test("both images run as the same uid:gid", () => {
    const users = [...stages.values()].map((s) => /^USER (\S+)$/m.exec(s)?.[1]);
    expect(users).toEqual(["1000:1000", "1000:1000"]);
  });
});

interface ComposeService {
  user?: string;
  command?: string[];
  pid?: string;
  environment?: Record<string, string>;
  volumes?: string[];
  secrets?: string[];
  security_opt?: string[];
  healthcheck?: { test: string[] };
  build?: { target?: string; dockerfile?: string };
}
interface Compose {
  services: Record<string, ComposeService>;
}

describe("examples/compose.yaml", () => {
  const compose = Bun.YAML.parse(read("compose.yaml")) as Compose;
  const daemon = compose.services.airlock ?? {};
  const agent = compose.services.agent ?? {};
  const mountOf = (s: ComposeService, volume: string) =>
    s.volumes?.find((v) => v.startsWith(`${volume}:`))?.split(":")[1];

  test("builds the two Dockerfile targets and runs the daemon image's own start command", () => {
    expect([daemon.build?.target, agent.build?.target]).toEqual(["daemon", "agent"]);
    expect(daemon.command).toEqual(jsonInstruction(dockerStages().get("daemon") ?? "", "CMD"));
  });

  test("daemon and agent share the socket and workspace volumes at the same paths and one uid, not a pid namespace", () => {
    expect(mountOf(agent, "sockets")).toBe(mountOf(daemon, "sockets") ?? "missing");
    expect(mountOf(agent, "workspace")).toBe(mountOf(daemon, "workspace") ?? "missing");
    // One pid namespace and one uid would let the agent read the daemon's files through /proc/<pid>/root.
    expect(agent.pid).toBeUndefined();
    expect(agent.user).toBe(daemon.user);
    const socket = agent.environment?.AIRLOCK_SOCKET ?? "";
    const socketsFlag = flagValue(daemon.command, "--sockets");
    expect(dirname(socket)).toBe(socketsFlag);
    expect(socketsFlag).toBe(mountOf(daemon, "sockets") ?? "sockets volume not mounted");
  });

  test("credentials go to the daemon only", () => {
    expect(daemon.secrets).toEqual(["github-token"]);
    expect(agent.secrets).toBeUndefined();
  });

  test("the daemon may make the tool jail's user namespace and /proc", () => {
    expect(daemon.security_opt).toEqual(
      expect.arrayContaining(["seccomp=unconfined", "systempaths=unconfined"]),
    );
  });

  test("the health check is airlock doctor on the daemon's own files", () => {
    const [, program, command, ...flags] = daemon.healthcheck?.test ?? [];
    expect([program, command]).toEqual(["airlock", "doctor"]);
    expect(flags).toEqual(daemon.command?.slice(1) ?? []);
  });

  test("the mounted config passes airlock check, and the agent's socket names a configured agent", async () => {
    const mount = daemon.volumes?.find((v) => v.startsWith("./"))?.split(":") ?? [];
    expect(mount.slice(1)).toEqual(["/etc/airlock", "ro"]);
    const local = join(EXAMPLES, mount[0] ?? "");
    const files: Record<string, string> = {};
    for (const file of new Bun.Glob("**/*.toml").scanSync(local))
      files[join("/etc/airlock", file)] = readFileSync(join(local, file), "utf8");
    const { exitCode, report } = await checkEmbeddedConfig(files);
    expect(exitCode).toBe(0);
    const agentName = basename(agent.environment?.AIRLOCK_SOCKET ?? "", ".sock");
    expect(report.agents.map((a) => a.name)).toEqual([agentName]);
  });
});

interface K8sContainer {
  name: string;
  args?: string[];
  restartPolicy?: string;
  env?: { name: string; value: string }[];
  volumeMounts?: Mount[];
  startupProbe?: { exec: { command: string[] } };
  securityContext?: { runAsUser?: number };
}
interface K8sDoc {
  kind: string;
  data?: Record<string, string>;
  spec?: {
    shareProcessNamespace?: boolean;
    securityContext?: { runAsUser?: number; runAsGroup?: number };
    initContainers?: K8sContainer[];
    containers?: K8sContainer[];
    volumes?: { name: string; configMap?: { items: { key: string; path: string }[] } }[];
  };
}

describe("examples/kubernetes/airlock-pod.yaml", () => {
  const docs = Bun.YAML.parse(read("kubernetes/airlock-pod.yaml")) as K8sDoc[];
  const pod = docs.find((d) => d.kind === "Pod")?.spec ?? {};
  const sidecar = pod.initContainers?.[0];
  const agent = pod.containers?.[0];
  const mountPath = (c: K8sContainer | undefined, volume: string) =>
    c?.volumeMounts?.find((m) => m.name === volume)?.mountPath;

  test("runs the daemon as a native sidecar in a pid namespace of its own, under one pod-wide uid and gid", () => {
    expect(sidecar?.restartPolicy).toBe("Always");
    expect(pod.shareProcessNamespace).toBeUndefined();
    expect(pod.securityContext?.runAsUser).toBe(1000);
    expect(pod.securityContext?.runAsGroup).toBe(1000);
    expect([sidecar?.securityContext?.runAsUser, agent?.securityContext?.runAsUser]).toEqual([
      undefined,
      undefined,
    ]);
  });

  test("the agent's AIRLOCK_SOCKET is a socket the sidecar opens in the shared emptyDir", () => {
    expect(mountPath(agent, "sockets")).toBe(mountPath(sidecar, "sockets"));
    expect(mountPath(agent, "workspace")).toBe(mountPath(sidecar, "workspace"));
    const socketsDir = flagValue(sidecar?.args, "--sockets");
    expect(socketsDir.startsWith(`${mountPath(sidecar, "sockets")}/`)).toBe(true);
    const socket = agent?.env?.find((e) => e.name === "AIRLOCK_SOCKET")?.value ?? "";
    expect(dirname(socket)).toBe(socketsDir);
    expect(sidecar?.startupProbe?.exec.command).toEqual(["test", "-S", socket]);
    expect(mountPath(agent, "credentials")).toBeUndefined();
  });

  test("holds no Secret, so applying it again never replaces the token the user created", () => {
    expect(docs.map((d) => d.kind)).not.toContain("Secret");
    expect(pod.volumes?.some((v) => v.name === "credentials")).toBe(true);
  });

  test("the ConfigMap, laid out as the pod mounts it, passes airlock check", async () => {
    const data = docs.find((d) => d.kind === "ConfigMap")?.data ?? {};
    const configRoot = mountPath(sidecar, "config") ?? "";
    const items = pod.volumes?.find((v) => v.name === "config")?.configMap?.items ?? [];
    const files: Record<string, string> = {};
    for (const item of items) files[join(configRoot, item.path)] = data[item.key] ?? "";
    const { exitCode, report } = await checkEmbeddedConfig(files);
    expect(exitCode).toBe(0);
    expect(report.agents.map((a) => a.name)).toEqual(["claude"]);
  });
});
