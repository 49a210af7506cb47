import * as v from "valibot";
import { EnvMap, EnvPattern } from "../../config/schema/common.ts";

const ProfileName = v.pipe(
  v.string(),
  v.regex(
    /^[a-z0-9][a-z0-9_-]{0,62}$/,
    "profile names are lower-case letters, digits, '-' and '_' (they name <config>/profiles/<name>.toml)",
  ),
);

/** A program as the user types it: `claude`, `npm`. Matched against the basename of argv[0]. */
const ProgramName = v.pipe(
  v.string(),
  v.regex(/^[A-Za-z0-9._+-]+$/, "a program is a bare name such as `npm`, without a directory"),
);

const HOME_OR_ABSOLUTE = /^(\/|~$|~\/|\$HOME$|\$HOME\/|\$\{HOME\}$|\$\{HOME\}\/)/;

/** Host paths in a profile are absolute or start at HOME; a relative path would depend on the cwd. */
const ProfilePath = v.pipe(
  v.string(),
  v.regex(
    HOME_OR_ABSOLUTE,
    "paths start with `/`, `~/` or `$HOME/`; a relative path would depend on the cwd",
  ),
  v.check((p) => !p.split("/").includes(".."), "paths may not contain `..`"),
);

/** Like ProfilePath, or `./x`: relative to the working directory the sandbox starts in. */
const WorkPath = v.pipe(
  v.string(),
  v.check(
    (p) => HOME_OR_ABSOLUTE.test(p) || /^\.\/./.test(p),
    "paths start with `/`, `~/`, `$HOME/` or `./` (the working directory)",
  ),
  v.check((p) => !p.split("/").includes(".."), "paths may not contain `..`"),
);

/** deny_exec entries: a name looked up on PATH (`curl`) or a path. */
const ExecTarget = v.pipe(
  v.string(),
  v.check(
    (p) => /^[A-Za-z0-9._+-]+$/.test(p) || (HOME_OR_ABSOLUTE.test(p) && !p.split("/").includes("..")),
    "deny_exec entries are program names (`curl`) or paths starting with `/` or `~/`",
  ),
);

/** A directory inside the project, relative to it: `node_modules`, `.git/objects`. */
const ProjectDir = v.pipe(
  v.string(),
  v.check(
    (p) => p !== "" && !p.startsWith("/") && !p.startsWith("~") && !p.startsWith("$"),
    "bypass entries are directories relative to the project (`node_modules`, `.git/objects`), not absolute or HOME paths",
  ),
  v.check(
    (p) => p.split("/").every((part) => part !== ".." && part !== "."),
    "bypass entries may not contain `..` or `.`: name a directory inside the project (`node_modules`)",
  ),
);

const Positive = v.pipe(v.number(), v.integer(), v.minValue(1, "must be at least 1"));

const FilesystemSection = v.strictObject({
  writable: v.pipe(
    v.optional(v.array(ProfilePath)),
    v.description(
      "host paths the program may write besides the working directory; a trailing `/` marks a directory, created if missing when its path names the program (~/.claude/ for claude)",
    ),
  ),
  read_only: v.pipe(
    v.optional(v.array(WorkPath)),
    v.description(
      "paths kept read-only inside writable ones; `./x` is relative to the working directory (./.git/hooks)",
    ),
  ),
  deny_read: v.pipe(
    v.optional(v.array(ProfilePath)),
    v.description("hidden inside the sandbox, added to the built-in list (~/.ssh, ~/.aws, …)"),
  ),
  deny_exec: v.pipe(
    v.optional(v.array(ExecTarget)),
    v.description("programs that cannot be executed inside (every copy found on PATH, or an absolute path)"),
  ),
  private_tmp: v.pipe(
    v.optional(v.boolean()),
    v.description("/tmp and $XDG_RUNTIME_DIR are empty and private (agent sockets, ccache files live there)"),
  ),
});

const GateSection = v.strictObject({
  allow: v.pipe(
    v.optional(v.array(ProfilePath)),
    v.description(
      "with a [gate], HOME shows only these paths (and the working directory); every other entry of HOME is refused (EACCES)",
    ),
  ),
});

const RedactionSection = v.strictObject({
  mode: v.pipe(
    v.optional(
      v.pipe(
        v.string(),
        v.check(
          (mode) => mode === "static",
          "`mode` takes only `static` in a profile; choose the dynamic FUSE view with `airlock sandbox --redact dynamic` (the default where FUSE works)",
        ),
      ),
    ),
    v.description("static: redacted copies are bound over the originals when the sandbox starts"),
  ),
  env_files: v.pipe(
    v.optional(v.array(v.string())),
    v.description(
      'more basename globs of dotenv files whose values are redacted, case-insensitive (always [".env", ".env.*", "*.env", ".envrc"])',
    ),
  ),
  private_keys: v.pipe(
    v.optional(v.boolean()),
    v.description("redact PEM, OpenSSH, PGP and PuTTY private key blocks found by content"),
  ),
  skip_dirs: v.pipe(
    v.optional(v.array(v.string())),
    v.description("directory basenames the scan never enters (node_modules, caches, VCS object stores)"),
  ),
  max_files: v.pipe(v.optional(Positive), v.description("stop the scan after this many entries")),
  max_depth: v.pipe(v.optional(Positive), v.description("directories deeper than this are not entered")),
  max_file_kib: v.pipe(v.optional(Positive), v.description("larger files are not searched for private keys")),
  time_budget_ms: v.pipe(v.optional(Positive), v.description("stop the scan after this long")),
  on_limit: v.pipe(
    v.optional(v.picklist(["warn", "refuse"])),
    v.description("when a limit stops the scan: warn and start anyway, or refuse to start"),
  ),
  bypass: v.pipe(
    v.optional(v.array(ProjectDir)),
    v.description(
      "dynamic mode: project directories bound directly on top of the view (native speed, NO redaction inside them); each must exist",
    ),
  ),
});

const EnvSection = v.strictObject({
  deny: v.pipe(
    v.optional(v.array(EnvPattern)),
    v.description("variables removed from the environment, added to the built-in list (*TOKEN*, AWS_*, …)"),
  ),
  allow: v.pipe(
    v.optional(v.array(EnvPattern)),
    v.description("variables kept even though a deny pattern matches (the agent's own model API key)"),
  ),
  set: v.pipe(v.optional(EnvMap), v.description("variables set inside the sandbox")),
});

/** <config dir>/profiles/<name>.toml, and the built-ins in src/sandbox/profiles/. */
export const ProfileFile = v.strictObject({
  description: v.optional(v.string()),
  extends: v.pipe(
    v.optional(ProfileName),
    v.description("start from this profile; lists are appended, other settings replaced"),
  ),
  programs: v.pipe(
    v.optional(v.array(ProgramName)),
    v.description("programs that pick this profile when no --profile is given"),
  ),
  network: v.pipe(v.optional(v.boolean()), v.description("false: the sandbox has no network (--network)")),
  nested_namespaces: v.pipe(
    v.optional(v.boolean()),
    v.description("let the program create its own user namespaces (an agent's own sandbox needs this)"),
  ),
  filesystem: v.optional(FilesystemSection),
  gate: v.pipe(
    v.optional(GateSection),
    v.description("a directory gate for HOME: a program reads only what `allow` lists (package managers)"),
  ),
  redaction: v.optional(RedactionSection),
  env: v.optional(EnvSection),
});
export type ProfileFile = v.InferOutput<typeof ProfileFile>;
