import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { mkdirSync } from "node:fs";
import { buildPlan } from "../../../src/sandbox/plan.ts";
import { checkSandbox } from "../../../src/sandbox/verify.ts";
import { encodeVerifyPlan, parseVerifyPlan, verifyPlan } from "../../../src/sandbox/verify-plan.ts";
import { tempTree } from "../../helpers/temp-tree.ts";
import { baseFacts, CWD, HOME, NO_SCAN, request } from "./request.ts";

const sha = (text: string) => createHash("sha256").update(text).digest("hex");

describe("verify plan (pure)", () => {
  test("asks for every hidden directory empty, every hidden file empty, every redacted file by hash", () => {
    const scan = {
      ...NO_SCAN,
      redacted: [{ path: `${CWD}/.env`, copy: "/run/ws/r0", kind: "env" as const, count: 1, sha256: "abc" }],
    };
    const facts = baseFacts({ [`${HOME}/.ssh`]: "dir", [`${HOME}/.netrc`]: "file", [`${CWD}/.env`]: "file" });
    const plan = verifyPlan(buildPlan(request(), facts, scan));
    expect(plan.emptyDirs).toContain(`${HOME}/.ssh`);
    expect(plan.emptyFiles).toContain(`${HOME}/.netrc`);
    expect(plan.redacted).toEqual([{ path: `${CWD}/.env`, sha256: "abc" }]);
  });

  test("survives the trip through the descriptor, and refuses anything malformed", () => {
    const plan = { emptyDirs: ["/a"], emptyFiles: ["/b"], redacted: [{ path: "/c", sha256: "d" }] };
    expect(parseVerifyPlan(encodeVerifyPlan(plan))).toEqual(plan);
    for (const bad of ["[]", "null", '{"emptyDirs":[1],"emptyFiles":[],"redacted":[]}', '{"emptyDirs":[]}']) {
      expect(() => parseVerifyPlan(bad), bad).toThrow();
    }
  });

  test("carries the agent view's socket and user-namespace setting, and refuses a malformed one", () => {
    const plan = {
      emptyDirs: [],
      emptyFiles: [],
      redacted: [],
      agentView: { socketFd: 7, disableUserns: true },
    };
    expect(parseVerifyPlan(encodeVerifyPlan(plan))).toEqual(plan);
    for (const agentView of [
      { socketFd: "7", disableUserns: true },
      { socketFd: 7 },
      { socketFd: 1.5, disableUserns: false },
    ]) {
      expect(() => parseVerifyPlan(JSON.stringify({ ...plan, agentView }))).toThrow("agent view");
    }
  });
});

describe("checkSandbox (what the first process inside looks at)", () => {
  test("passes when hidden places are empty or absent and redacted files read redacted", async () => {
    await using tree = await tempTree({ "empty-file": "", ".env": "A=airlock-redacted\n" });
    mkdirSync(tree.at("empty-dir"));
    const problems = checkSandbox({
      emptyDirs: [tree.at("empty-dir"), tree.at("absent-dir")],
      emptyFiles: [tree.at("empty-file"), tree.at("absent-file")],
      redacted: [{ path: tree.at(".env"), sha256: sha("A=airlock-redacted\n") }],
    });
    expect(problems).toEqual([]);
  });

  test("reports a hidden directory with content, a hidden file with bytes, and a redacted file that is not", async () => {
    await using tree = await tempTree({ "dir/id_rsa": "KEY", netrc: "password x", ".env": "A=sk-live\n" });
    const problems = checkSandbox({
      emptyDirs: [tree.at("dir")],
      emptyFiles: [tree.at("netrc")],
      redacted: [
        { path: tree.at(".env"), sha256: sha("A=airlock-redacted\n") },
        { path: tree.at("vanished.env"), sha256: sha("") },
      ],
    });
    expect(problems).toEqual([
      `hidden directory ${tree.at("dir")} is not empty inside the sandbox`,
      `hidden file ${tree.at("netrc")} is readable inside the sandbox`,
      `redacted file ${tree.at(".env")} does not read redacted inside the sandbox`,
      `redacted file ${tree.at("vanished.env")} cannot be read: ENOENT`,
    ]);
  });
});
