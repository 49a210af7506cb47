import { describe, expect, test } from "bun:test";
import {
  linkSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Redaction } from "../../../src/sandbox/profiles/resolve.ts";
import { REDACTED } from "../../../src/sandbox/redact.ts";
import { scanAndRedact } from "../../../src/sandbox/scan.ts";
import { tempTree } from "../../helpers/temp-tree.ts";
import { bodyLines, pkcs8 } from "./keys.ts";
import { builtinProfile } from "./request.ts";

const DEFAULTS: Redaction = builtinProfile("default").redaction;

function scan(roots: string[], redaction: Partial<Redaction> = {}, exclude: string[] = []) {
  const outDir = mkdtempSync(join(tmpdir(), "airlock-scan-out-"));
  return scanAndRedact({ roots, exclude, redaction: { ...DEFAULTS, ...redaction }, outDir });
}

const byPath = (result: ReturnType<typeof scan>) => new Map(result.redacted.map((r) => [r.path, r]));

describe("the redaction scan", () => {
  test("finds .env and .env.* files and writes copies that keep the keys", async () => {
    await using tree = await tempTree({
      "app/.env": "API_KEY=sk-live-1\nDEBUG=true\n",
      "app/config/.env.production": "DB_PASSWORD=hunter2\n",
      "app/.envoy.yaml": "not a dotenv file by name\n",
      "app/environment.ts": "export const TOKEN = 1;\n",
    });
    const found = byPath(scan([tree.path]));
    expect([...found.keys()].sort()).toEqual([tree.at("app/.env"), tree.at("app/config/.env.production")]);
    const copy = found.get(tree.at("app/.env"));
    expect(copy).toMatchObject({ kind: "env", count: 2 });
    expect(readFileSync(copy?.copy ?? "", "utf8")).toBe(`API_KEY=${REDACTED}\nDEBUG=${REDACTED}\n`);
    expect(statSync(copy?.copy ?? "").mode & 0o777).toBe(0o400);
  });

  test("finds dotenv files by their other names: .ENV, prod.env, direnv's .envrc (export lines too)", async () => {
    await using tree = await tempTree({
      "a/.ENV": "TOKEN=t1\n",
      "b/prod.env": "TOKEN=t2\n",
      "c/.envrc": "export TOKEN=t3\n",
    });
    const found = byPath(scan([tree.path]));
    expect([...found.keys()].sort()).toEqual([tree.at("a/.ENV"), tree.at("b/prod.env"), tree.at("c/.envrc")]);
    for (const file of found.values()) {
      expect(file.kind).toBe("env");
      expect(readFileSync(file.copy, "utf8")).not.toMatch(/t[123]/);
    }
  });

  test("finds a file that is another name (hard link) of a file in a hidden store, and reads nothing of it", async () => {
    await using tree = await tempTree({
      "home/.aws/credentials": "aws_secret_access_key = abc\n",
      "app/x": "x",
    });
    linkSync(tree.at("home/.aws/credentials"), tree.at("app/creds.txt"));
    const result = scanAndRedact({
      roots: [tree.at("app")],
      exclude: [tree.at("home/.aws")],
      hiddenStores: [tree.at("home/.aws")],
      redaction: DEFAULTS,
      outDir: mkdtempSync(join(tmpdir(), "airlock-scan-out-")),
    });
    expect(result.hiddenFiles).toEqual([
      {
        path: tree.at("app/creds.txt"),
        why: `another name (hard link) of a file in ${tree.at("home/.aws")}`,
      },
    ]);
    expect(result.redacted).toEqual([]);
  });

  test("a file over max_file_kib with a private key anywhere in it is hidden whole", async () => {
    const key = pkcs8();
    await using tree = await tempTree({
      "app/big.log": `${"x".repeat(200 * 1024)}\n${key}`,
      "app/huge.txt": "y".repeat(200 * 1024),
    });
    const result = scan([tree.path]);
    expect(result.hiddenFiles).toEqual([
      { path: tree.at("app/big.log"), why: "holds a private key, in a file too large to redact" },
    ]);
  });

  test("finds private keys by content, whatever the file is called", async () => {
    const key = pkcs8();
    await using tree = await tempTree({
      "app/test/fixtures/server.txt": `cert below\n${key}`,
      "app/README": "hello",
    });
    const [found] = scan([tree.path]).redacted;
    expect(found).toMatchObject({
      path: tree.at("app/test/fixtures/server.txt"),
      kind: "private-key",
      count: 1,
    });
    const copy = readFileSync(found?.copy ?? "", "utf8");
    for (const line of bodyLines(key)) expect(copy).not.toContain(line);
    expect(copy.startsWith("cert below\n")).toBe(true);
  });

  test("does not enter dependency trees, caches or VCS object stores", async () => {
    await using tree = await tempTree({
      "node_modules/pkg/.env": "A=1",
      ".git/objects/ab/.env": "A=1",
      ".git/config.env/.env": "A=1",
      "src/.env": "A=1",
    });
    const paths = scan([tree.path]).redacted.map((r) => r.path);
    expect(paths.sort()).toEqual([tree.at(".git/config.env/.env"), tree.at("src/.env")]);
  });

  test("does not enter excluded directories (hidden anyway)", async () => {
    await using tree = await tempTree({ ".aws/.env": "A=1", "app/.env": "A=1" });
    const paths = scan([tree.path], {}, [tree.at(".aws")]).redacted.map((r) => r.path);
    expect(paths).toEqual([tree.at("app/.env")]);
  });

  test("does not go deeper than max_depth", async () => {
    await using tree = await tempTree({ "a/.env": "A=1", "a/b/c/.env": "A=1" });
    const result = scan([tree.path], { maxDepth: 2 });
    expect(result.redacted.map((r) => r.path)).toEqual([tree.at("a/.env")]);
    expect(result.skippedDirs).toBe(1);
  });

  test("stops at max_files and says so", async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 50; i++) files[`f${i}.txt`] = "x";
    await using tree = await tempTree(files);
    const result = scan([tree.path], { maxFiles: 10 });
    expect(result.stoppedBy).toBe("files");
    expect(result.entries).toBe(10);
  });

  test("does not search files over max_file_kib for keys", async () => {
    await using tree = await tempTree({ "big.pem": `${pkcs8()}${"x".repeat(2048)}`, "small.pem": pkcs8() });
    const paths = scan([tree.path], { maxFileBytes: 1024 }).redacted.map((r) => r.path);
    expect(paths).toEqual([tree.at("small.pem")]);
  });

  test("redacts a symlinked .env where it really lives, once", async () => {
    await using tree = await tempTree({ "shared/prod.env": "TOKEN=abc\n", "app/README": "" });
    symlinkSync(tree.at("shared/prod.env"), tree.at("app/.env"));
    const found = scan([tree.at("app"), tree.path]).redacted;
    expect(found.map((r) => r.path)).toEqual([tree.at("shared/prod.env")]);
  });

  test("does not follow symlinked directories (loops, and trees outside the roots)", async () => {
    await using tree = await tempTree({ "outside/.env": "A=1", "root/x": "" });
    symlinkSync(tree.at("outside"), tree.at("root/link"));
    symlinkSync(tree.at("root"), tree.at("root/loop"));
    expect(scan([tree.at("root")]).redacted).toEqual([]);
  });

  test("walks a root inside another root only once", async () => {
    await using tree = await tempTree({ "home/proj/.env": "A=1" });
    const result = scan([tree.at("home/proj"), tree.at("home")]);
    expect(result.redacted).toHaveLength(1);
  });

  test("private_keys = false leaves keys alone but still redacts dotenv files", async () => {
    await using tree = await tempTree({ "k.pem": pkcs8(), ".env": "A=1" });
    const kinds = scan([tree.path], { privateKeys: false }).redacted.map((r) => r.kind);
    expect(kinds).toEqual(["env"]);
  });

  test("a dotenv file too large to parse is replaced by an empty one", async () => {
    await using tree = await tempTree({ x: "" });
    mkdirSync(tree.at("d"));
    writeFileSync(tree.at("d/.env"), `A=${"x".repeat(5 * 1024 * 1024)}`);
    const [found] = scan([tree.path]).redacted;
    expect(readFileSync(found?.copy ?? "", "utf8")).toBe("");
  });
});
