// There is no terraform on these machines: a recording fake on the daemon's PATH stands in for it,
// so these tests show what the daemon lets through, not what terraform would do.
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { runShim } from "../helpers/binary.ts";
import { startDaemon } from "../helpers/daemon.ts";
import { tempTree } from "../helpers/temp-tree.ts";

async function withFakeTerraform() {
  const bin = await tempTree({
    terraform: {
      mode: 0o755,
      // Records into the workspace, the one place a jailed tool may write.
      text: '#!/bin/sh\necho "$@" >> .terraform-calls\necho "fake terraform $*"\n',
    },
  });
  const daemon = await startDaemon({
    enable: ["terraform"],
    agents: { alpha: { commands: ["terraform"] } },
    env: { PATH: `${bin.path}:${process.env.PATH}` },
  });
  return { bin, daemon };
}

const terraform = (socket: string, cwd: string, args: string[]) =>
  runShim("terraform", args, { socket, cwd });

describe("terraform through the daemon (recording fake)", () => {
  test('a plan of configuration with data "external" is denied before terraform runs', async () => {
    const { bin, daemon } = await withFakeTerraform();
    await using _b = bin;
    await using _d = daemon;
    await using work = await tempTree({
      "main.tf": 'data "external" "x" {\n  program = ["sh", "-c", "id"]\n}\n',
    });
    const r = await terraform(daemon.socket("alpha"), work.path, ["plan"]);
    expect(r.exitCode).toBe(126);
    expect(r.stderr).toContain('main.tf:1 uses data "external"');
    expect(existsSync(work.at(".terraform-calls"))).toBe(false);
  });

  test("an ordinary plan runs with the args as given; apply -auto-approve and state pull are denied", async () => {
    const { bin, daemon } = await withFakeTerraform();
    await using _b = bin;
    await using _d = daemon;
    await using work = await tempTree({ "main.tf": 'resource "aws_s3_bucket" "b" { bucket = "x" }\n' });
    const plan = await terraform(daemon.socket("alpha"), work.path, ["plan", "-out=tfplan"]);
    expect(plan.exitCode).toBe(0);
    expect(plan.stdout).toBe("fake terraform plan -out=tfplan\n");
    expect((await terraform(daemon.socket("alpha"), work.path, ["apply", "-auto-approve"])).exitCode).toBe(
      126,
    );
    expect((await terraform(daemon.socket("alpha"), work.path, ["state", "pull"])).exitCode).toBe(126);
    expect(readFileSync(work.at(".terraform-calls"), "utf8")).toBe("plan -out=tfplan\n");
  });
});
