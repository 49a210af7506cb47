// install.sh against a local release server (Bun.serve on loopback) serving the real compiled binary.
import { afterAll, describe, expect, test } from "bun:test";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { hostAssetName } from "../../scripts/release-check.ts";
import { AIRLOCK, runProgram } from "../helpers/binary.ts";
import { type TempTree, tempTree } from "../helpers/temp-tree.ts";

const INSTALL_SH = join(import.meta.dir, "..", "..", "install.sh");
const VERSION = (
  JSON.parse(readFileSync(join(import.meta.dir, "..", "..", "package.json"), "utf8")) as {
    version: string;
  }
).version;
const ASSET = hostAssetName() ?? "airlock-unsupported-host";
const BINARY = new Uint8Array(await Bun.file(AIRLOCK).arrayBuffer());
const HASH = new Bun.CryptoHasher("sha256").update(BINARY).digest("hex");
const SUMS = `${HASH}  ${ASSET}\n${"0".repeat(64)}  airlock-darwin-arm64\n`;

const SYSTEMCTL = '#!/bin/sh\necho "systemctl $*" >> "$FAKE_RECORD"\n';

type Route = () => Response;

const servers: ReturnType<typeof Bun.serve>[] = [];
afterAll(() => {
  for (const server of servers) void server.stop(true);
});

/** A release server, stopped after all: install.sh, the binary under this host's asset name, SHA256SUMS. */
function releaseServer(overrides: Record<string, Route | null> = {}) {
  const routes: Record<string, Route | null> = {
    "/install.sh": () => new Response(Bun.file(INSTALL_SH)),
    [`/${ASSET}`]: () => new Response(BINARY),
    "/SHA256SUMS": () => new Response(SUMS),
    ...overrides,
  };
  const requests: string[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(request) {
      const path = new URL(request.url).pathname;
      requests.push(path);
      const route = routes[path];
      return route ? route() : new Response("not found", { status: 404 });
    },
  });
  servers.push(server);
  return { base: server.url.href.replace(/\/$/, ""), requests };
}

interface Machine {
  readonly tree: TempTree;
  readonly home: string;
  readonly bin: string;
  readonly env: Record<string, string>;
  calls(): string[];
}

/** A fresh HOME, TMPDIR and a recording systemctl; a minimal environment, so no proxy or real HOME leaks in. */
async function machine(base: string): Promise<Machine & AsyncDisposable> {
  const tree = await tempTree({ "fake/systemctl": { text: SYSTEMCTL, mode: 0o755 } });
  const home = tree.at("home");
  mkdirSync(home);
  mkdirSync(tree.at("tmp"));
  return {
    tree,
    home,
    bin: join(home, ".local", "bin"),
    env: {
      HOME: home,
      XDG_CONFIG_HOME: join(home, ".config"),
      XDG_DATA_HOME: join(home, ".local", "share"),
      TMPDIR: tree.at("tmp"),
      PATH: `${tree.at("fake")}:/usr/bin:/bin`,
      NO_PROXY: "127.0.0.1",
      FAKE_RECORD: tree.at("record"),
      AIRLOCK_INSTALL_BASE: base,
    },
    calls: () =>
      existsSync(tree.at("record")) ? readFileSync(tree.at("record"), "utf8").trim().split("\n") : [],
    [Symbol.asyncDispose]: () => tree[Symbol.asyncDispose](),
  };
}

const sh = (script: string, env: Record<string, string>) =>
  runProgram(["sh", "-c", script], { env, inheritEnv: false });

const install = (m: Machine, args = "", extra: Record<string, string> = {}) =>
  sh(`sh '${INSTALL_SH}' ${args}`, { ...m.env, ...extra });

const sha256File = (path: string) => new Bun.CryptoHasher("sha256").update(readFileSync(path)).digest("hex");

describe.skipIf(hostAssetName() === undefined)("install.sh", () => {
  test("curl … | sh installs the verified binary atomically, warns about PATH and runs airlock init", async () => {
    const server = releaseServer();
    await using m = await machine(server.base);
    const r = await sh(`curl -fsSL '${server.base}/install.sh' | sh`, m.env);
    expect(r.stderr).toContain(`installed ${m.bin}/airlock: airlock ${VERSION}`);
    expect(r.exitCode).toBe(0);
    expect(server.requests).toEqual(["/install.sh", `/${ASSET}`, "/SHA256SUMS"]);
    expect(sha256File(join(m.bin, "airlock"))).toBe(HASH);
    expect(statSync(join(m.bin, "airlock")).mode & 0o777).toBe(0o755);
    expect(readdirSync(m.bin)).toEqual(["airlock"]);
    expect(readdirSync(m.tree.at("tmp"))).toEqual([]);
    expect(r.stderr).toContain(`note: ${m.bin} is not on your PATH`);
    expect(m.calls()).toContain("systemctl --user enable --now airlock.service");
    expect(readFileSync(join(m.home, ".config/systemd/user/airlock.service"), "utf8")).toContain(
      `ExecStart=${m.bin}/airlock start`,
    );
  });

  test("refuses a tampered binary and leaves nothing behind", async () => {
    const tampered = BINARY.slice();
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] ?? 0) ^ 1;
    const server = releaseServer({ [`/${ASSET}`]: () => new Response(tampered) });
    await using m = await machine(server.base);
    const r = await install(m);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`checksum mismatch for ${ASSET}`);
    expect(r.stderr).toContain("nothing was installed");
    expect(existsSync(m.bin)).toBe(false);
    expect(readdirSync(m.tree.at("tmp"))).toEqual([]);
    expect(m.calls()).toEqual([]);
  });

  test("refuses to install when SHA256SUMS is missing", async () => {
    const server = releaseServer({ "/SHA256SUMS": null });
    await using m = await machine(server.base);
    const r = await install(m);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain("refusing to install a binary that cannot be verified");
    expect(existsSync(m.bin)).toBe(false);
    expect(readdirSync(m.tree.at("tmp"))).toEqual([]);
  });

  test("an unsupported architecture is refused before anything is downloaded", async () => {
    const server = releaseServer();
    await using m = await machine(server.base);
    const r = await install(m, "", { AIRLOCK_INSTALL_UNAME_M: "riscv64" });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(
      "unsupported architecture 'riscv64': release binaries exist for x86_64 and arm64",
    );
    expect(server.requests).toEqual([]);
  });

  test("a re-run is idempotent: the same file stays, init runs again without rewriting", async () => {
    const server = releaseServer();
    await using m = await machine(server.base);
    expect((await install(m, "", { AIRLOCK_VERSION: VERSION })).exitCode).toBe(0);
    const first = statSync(join(m.bin, "airlock")).ino;
    const again = await install(m, "", { AIRLOCK_VERSION: VERSION });
    expect(again.exitCode).toBe(0);
    expect(again.stderr).toContain("is already this binary");
    expect(again.stderr).not.toContain("created");
    expect(statSync(join(m.bin, "airlock")).ino).toBe(first);
  });

  test("replaces an older airlock with a rename and no leftovers; no PATH note when the dir is on PATH", async () => {
    const server = releaseServer();
    await using m = await machine(server.base);
    const dir = m.tree.at("opt/bin");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "airlock"), "#!/bin/sh\necho old\n", { mode: 0o755 });
    const r = await install(m, "--no-init", { AIRLOCK_INSTALL_DIR: dir, PATH: `${dir}:/usr/bin:/bin` });
    expect(r.exitCode).toBe(0);
    expect(sha256File(join(dir, "airlock"))).toBe(HASH);
    expect(readdirSync(dir)).toEqual(["airlock"]);
    expect(r.stderr).not.toContain("not on your PATH");
    expect(m.calls()).toEqual([]);
  });

  test("AIRLOCK_VERSION pins a version: a binary reporting another one is refused", async () => {
    const server = releaseServer();
    await using m = await machine(server.base);
    const r = await install(m, "", { AIRLOCK_VERSION: "9.9.9" });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`reports 'airlock ${VERSION} `);
    expect(r.stderr).toContain("not version 9.9.9");
    expect(existsSync(m.bin)).toBe(false);
  });

  test("verifies with shasum -a 256 where sha256sum is missing", async () => {
    const server = releaseServer();
    await using m = await machine(server.base);
    // Every tool of /usr/bin but sha256sum, the way a stock macOS has only shasum.
    const tools = m.tree.at("tools");
    mkdirSync(tools);
    for (const name of readdirSync("/usr/bin")) {
      if (name !== "sha256sum") symlinkSync(join("/usr/bin", name), join(tools, name));
    }
    const r = await install(m, "--no-init", { PATH: tools });
    expect(r.exitCode).toBe(0);
    expect(sha256File(join(m.bin, "airlock"))).toBe(HASH);
  });

  test("--uninstall runs init --uninstall, then removes the binary", async () => {
    const server = releaseServer();
    await using m = await machine(server.base);
    await install(m);
    const r = await install(m, "--uninstall");
    expect(r.exitCode).toBe(0);
    expect(existsSync(join(m.bin, "airlock"))).toBe(false);
    expect(existsSync(join(m.home, ".config/systemd/user/airlock.service"))).toBe(false);
    expect(m.calls()).toContain("systemctl --user disable --now airlock.service");
  });

  test("--help documents the options and the test overrides, and downloads nothing", async () => {
    const server = releaseServer();
    await using m = await machine(server.base);
    const r = await install(m, "--help");
    expect(r.exitCode).toBe(0);
    for (const word of ["--no-init", "--uninstall", "AIRLOCK_INSTALL_BASE", "AIRLOCK_INSTALL_UNAME_M"])
      expect(r.stdout).toContain(word);
    expect(server.requests).toEqual([]);
    const bad = await install(m, "--frobnicate");
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr).toContain("see: sh install.sh --help");
  });

  test.skipIf(!Bun.which("shellcheck"))("is plain POSIX sh: shellcheck -s sh finds nothing", () => {
    const r = Bun.spawnSync(["shellcheck", "-s", "sh", INSTALL_SH], { stdout: "pipe", stderr: "pipe" });
    expect(r.stdout.toString()).toBe("");
    expect(r.exitCode).toBe(0);
  });
});
