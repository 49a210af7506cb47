// `npm test` starts here: the tests run real tools, so a missing one is named once, with the command that
// installs it, instead of surfacing as dozens of failures.
import { existsSync } from "node:fs";

interface Need {
  readonly program: string;
  readonly why: string;
  /** The Debian/Ubuntu package that brings it. */
  readonly apt: string;
}

const NEEDS: readonly Need[] = [
  { program: "git", why: "the git module's tests run the real git", apt: "git" },
  { program: "bwrap", why: "the sandbox and the tool jail", apt: "bubblewrap" },
  { program: "fusermount3", why: "the sandbox's dynamic view", apt: "fuse3" },
  { program: "ssh", why: "the ssh module and the jail's agent proxy", apt: "openssh-client" },
  { program: "script", why: "terminal tests", apt: "util-linux" },
  { program: "setpriv", why: "tests that drop to another user", apt: "util-linux" },
  { program: "ps", why: "process-group checks", apt: "procps" },
  { program: "podman", why: "the container deployment tests", apt: "podman runc" },
  { program: "zsh", why: "the zsh completion script, run for real", apt: "zsh" },
  { program: "fish", why: "the fish completion script, run for real", apt: "fish" },
  { program: "podman-compose", why: "the compose example, run for real", apt: "podman-compose" },
  {
    program: "debootstrap",
    why: "the container tests' base image, built without a registry",
    apt: "debootstrap",
  },
];

if (process.platform !== "linux") {
  process.stderr.write("preflight: the integration tests need Linux (bubblewrap, FUSE, podman)\n");
  process.exit(1);
}
const missing = NEEDS.filter((need) => Bun.which(need.program) === null);
const problems = missing.map((need) => `  ${need.program}: ${need.why} (package ${need.apt})`);
if (!existsSync("/dev/fuse")) problems.push("  /dev/fuse: the FUSE device (modprobe fuse)");
if (process.getuid?.() !== 0)
  problems.push("  root: tests drop to other users with setpriv and run podman as root");
if (problems.length > 0) {
  const packages = [...new Set(missing.flatMap((need) => need.apt.split(" ")))].join(" ");
  process.stderr.write(`preflight: the tests cannot run here:\n${problems.join("\n")}\n`);
  if (packages !== "") process.stderr.write(`install: sudo apt-get install -y ${packages}\n`);
  process.stderr.write("(.ci/run does all of it on a fresh Debian machine)\n");
  process.exit(1);
}
