// Runs before every test file: no test may read or write the real user's files or see real credentials.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const home = mkdtempSync(join(tmpdir(), "airlock-test-home-"));
process.env.HOME = home;
process.env.XDG_CONFIG_HOME = join(home, ".config");
process.env.XDG_DATA_HOME = join(home, ".local", "share");
process.env.XDG_STATE_HOME = join(home, ".local", "state");
process.env.XDG_CACHE_HOME = join(home, ".cache");
process.env.XDG_RUNTIME_DIR = join(home, ".run");
// It exists, as a real one does: the sockets' default directory is in it, never a shared one in /tmp.
mkdirSync(process.env.XDG_RUNTIME_DIR, { mode: 0o700 });
process.env.NO_COLOR = "1";

// Tests run from an empty directory in no repository. The daemon checks each request's cwd against the
// client's real one, and the project's checkout is not the test's to judge (a CI clone's origin is a local
// path outside any test's roots, which the git guard rightly refuses).
const cwd = mkdtempSync(join(tmpdir(), "airlock-test-cwd-"));
process.chdir(cwd);

const CREDENTIAL_VARS =
  /^(AWS_|GITHUB_|GH_|GITLAB_|GOOGLE_|AZURE_|ARM_|DOCKER_|SSH_AUTH_SOCK$|NPM_TOKEN$|ANTHROPIC_|OPENAI_|AIRLOCK_(?!TEST_BINARY$))|TOKEN|SECRET|PASSWORD/;
for (const key of Object.keys(process.env)) {
  if (CREDENTIAL_VARS.test(key)) delete process.env[key];
}

process.on("exit", () => {
  try {
    rmSync(home, { recursive: true, force: true });
    rmSync(cwd, { recursive: true, force: true });
  } catch {
    // best effort: a leftover temp dir is harmless
  }
});
