// Attack corpus for the built-in terraform module: every row is a command line an agent may send, the decision
// airlock must make, and the attack (or the everyday use) it stands for. builtins/terraform/SECURITY.md cites
// these test names; keep them stable.
import { describe, expect, test } from "bun:test";
import { BUILTINS } from "../../../../src/config/builtins.ts";
import { normalizeArgs } from "../../../../src/policy/args.ts";
import { resolveParseSpec } from "../../../../src/policy/decide.ts";
import { mergeEnv } from "../../../../src/policy/env.ts";
import { planExec } from "../../../../src/policy/plan.ts";
import { readingsOf } from "../../../../src/policy/readings.ts";
import { compileRules } from "../../../../src/policy/rules.ts";
import { builtin, decideBuiltin } from "../../../helpers/policy.ts";

const COMMAND = "terraform";

interface Row {
  readonly argv: readonly string[];
  readonly allow: boolean;
  /** For denials: the rule that must decide, as the engine names it. */
  readonly rule: string | undefined;
  readonly why: string;
}

const deny = (argv: readonly string[], rule: string, why: string): Row => ({ argv, allow: false, rule, why });
const allow = (argv: readonly string[], why: string): Row => ({ argv, allow: true, rule: undefined, why });

const shown = (argv: readonly string[]) =>
  argv.map((a) => (a === "" || /[\s"]/.test(a) ? JSON.stringify(a) : a)).join(" ");
const title = (row: Row) => `${row.allow ? "allows" : "denies"} ${row.why} (${shown(row.argv)})`;

function check(rows: readonly Row[]): void {
  for (const row of rows) {
    test(title(row), () => {
      const decision = decideBuiltin(row.argv);
      if (row.allow) expect(decision).toMatchObject({ allowed: true });
      else
        expect(decision).toMatchObject({ allowed: false, layer: "module", kind: "denied", rule: row.rule });
    });
  }
}

interface EnvRow {
  readonly name: string;
  readonly effect: "strip" | "set" | "pass";
  readonly value?: string;
  readonly why: string;
}

const moduleRules = () => compileRules("deny", builtin(COMMAND).module.deny ?? {});

/** Every deny rule that matches under some reading, not only the first one (pins rules that others shadow). */
function matchingRules(argv: readonly string[]): string[] {
  const args = argv.slice(1);
  const module = builtin(COMMAND);
  const rules = moduleRules();
  const spec = resolveParseSpec(module);
  const facts = normalizeArgs(args, spec);
  const depth = spec.subcommand_depth ?? Math.max(1, ...rules.map((r) => r.depth));
  const readings = readingsOf(facts, depth, args.length);
  if (readings === "too-ambiguous") return [];
  return rules
    .filter((r) => readings.some((reading) => r.matches({ args, facts, reading, spec })))
    .map((r) => r.id);
}

const destroyWord = "deny.args: 'destroy'";
const applyAuto = "deny.args: 'apply & -auto-approve'";
const applyDestroy = "deny.patterns[0]";
const codeDir = "deny.patterns[2]";
const outputSecrets = "deny.patterns[3]";
const chdirAbsolute = "deny.patterns[4]";
const chdirDotDot = "deny.patterns[5]";
const chdirHome = "deny.patterns[6]";
const showJson = "deny.patterns[7]";
const sub = (name: string) => `deny.subcommands: '${name}'`;

const legacySpellings: Row[] = [
  deny(["terraform", "destroy"], destroyWord, "terraform destroy"),
  deny(["terraform", "destroy", "-auto-approve"], destroyWord, "destroy -auto-approve"),
  deny(["terraform", "-chdir=infra", "destroy"], destroyWord, "destroy after the global -chdir=DIR"),
  deny(["terraform", "-chdir", "infra", "destroy"], destroyWord, "destroy after -chdir DIR as two arguments"),
  deny(["terraform", "DESTROY"], destroyWord, "destroy in upper case"),
  deny(
    ["terraform", "force-unlock", "0b5c-lock-id"],
    "deny.args: 'force-unlock'",
    "force-unlock, which breaks another run's state lock",
  ),
  deny(
    ["terraform", "force-unlock", "-force", "0b5c-lock-id"],
    "deny.args: 'force-unlock'",
    "force-unlock -force",
  ),
  deny(
    ["terraform", "apply", "-auto-approve"],
    applyAuto,
    "apply -auto-approve, which skips the human review",
  ),
  deny(
    ["terraform", "apply", "--auto-approve"],
    applyAuto,
    "apply --auto-approve (Go's flag package takes one dash or two)",
  ),
  deny(["terraform", "apply", "-auto-approve=true"], applyAuto, "apply -auto-approve=true"),
  deny(["terraform", "apply", "-var", "x=1", "-auto-approve"], applyAuto, "apply -auto-approve after a -var"),
  deny(
    ["terraform", "-chdir=infra", "apply", "-auto-approve"],
    applyAuto,
    "apply -auto-approve after -chdir",
  ),
  deny(
    ["terraform", "apply", "-var-file", "--", "-auto-approve"],
    applyAuto,
    "apply -auto-approve after an option whose value is a literal --",
  ),
];

const bypassesOf04: Row[] = [
  deny(["terraform", "apply", "-destroy"], applyDestroy, "apply -destroy, which is terraform destroy"),
  deny(["terraform", "apply", "--destroy"], applyDestroy, "apply --destroy"),
  deny(["terraform", "apply", "-destroy=true"], applyDestroy, "apply -destroy=true"),
  deny(
    ["terraform", "plan", "-destroy", "-out=tfplan"],
    applyDestroy,
    "plan -destroy, whose saved plan applies without a prompt",
  ),
  deny(
    ["terraform", "plan", "-out", "--", "-destroy"],
    applyDestroy,
    "plan -destroy after -out whose value is a literal -- (Go's flag package takes -- as the value)",
  ),
  deny(
    ["terraform", "init", "-backend-config", "--", "-plugin-dir=./providers"],
    codeDir,
    "init -plugin-dir after an option whose value is a literal --",
  ),
];

const credentials: Row[] = [
  deny(
    ["terraform", "state", "pull"],
    sub("state pull"),
    "state pull, which prints the whole state with every secret in it",
  ),
  deny(["terraform", "-chdir=infra", "state", "pull"], sub("state pull"), "state pull after -chdir"),
  deny(
    ["terraform", "output", "-json"],
    outputSecrets,
    "output -json, which prints sensitive outputs in clear",
  ),
  deny(["terraform", "output", "--json"], outputSecrets, "output --json"),
  deny(["terraform", "output", "-json=true", "db_password"], outputSecrets, "output -json=true NAME"),
  deny(
    ["terraform", "output", "-raw", "db_password"],
    outputSecrets,
    "output -raw NAME, one sensitive output in clear",
  ),
  deny(["terraform", "output", "db_password", "-raw"], outputSecrets, "output -raw after the name"),
  deny(
    ["terraform", "console"],
    sub("console"),
    "console, which evaluates any expression, sensitive values included",
  ),
  deny(
    ["terraform", "output", "-state", "--", "-json"],
    outputSecrets,
    "output -json after -state whose value is a literal --",
  ),
  deny(
    ["terraform", "show", "-json"],
    showJson,
    "show -json, which prints the state with sensitive values in clear",
  ),
  deny(["terraform", "show", "-json", "tfplan"], showJson, "show -json of a saved plan"),
  deny(["terraform", "show", "--json"], showJson, "show --json"),
  deny(["terraform", "show", "-json=true"], showJson, "show -json=true"),
  deny(["terraform", "show", "tfplan", "-json"], showJson, "show -json after the plan file"),
  deny(
    ["terraform", "-chdir=infra", "show", "-no-color", "-json"],
    showJson,
    "show -json after -chdir and -no-color",
  ),
];

const stateAndCode: Row[] = [
  deny(
    ["terraform", "state", "push", "evil.tfstate"],
    sub("state push"),
    "state push, which overwrites the remote state",
  ),
  deny(
    ["terraform", "state", "rm", "aws_db_instance.main"],
    sub("state rm"),
    "state rm, which makes terraform forget a resource",
  ),
  deny(["terraform", "state", "mv", "a.x", "b.x"], sub("state mv"), "state mv"),
  deny(
    ["terraform", "state", "replace-provider", "a", "b"],
    sub("state replace-provider"),
    "state replace-provider, which swaps in another provider",
  ),
  deny(["terraform", "workspace", "delete", "prod"], sub("workspace delete"), "workspace delete"),
  deny(
    ["terraform", "test"],
    sub("test"),
    "test, which applies and destroys real infrastructure with no plan to review",
  ),
  deny(
    ["terraform", "-chdir=infra", "test", "-filter=tests/a.tftest.hcl"],
    sub("test"),
    "test -filter after -chdir",
  ),
  deny(
    ["terraform", "init", "-plugin-dir=/tmp/providers"],
    codeDir,
    "init -plugin-dir, provider binaries from a directory the agent filled",
  ),
  deny(["terraform", "init", "-plugin-dir", "./providers"], codeDir, "init -plugin-dir DIR as two arguments"),
  deny(["terraform", "init", "--plugin-dir=./providers"], codeDir, "init --plugin-dir"),
  deny(["terraform", "init", "-from-module=git::https://example.com/m.git"], codeDir, "init -from-module"),
  deny(["terraform", "-chdir=/etc", "plan"], chdirAbsolute, "-chdir to an absolute path"),
  deny(
    ["terraform", "-chdir", "/home/u/other", "plan"],
    chdirAbsolute,
    "-chdir DIR with an absolute path as two arguments",
  ),
  deny(["terraform", "--chdir=/etc", "plan"], chdirAbsolute, "--chdir with two dashes"),
  deny(["terraform", "-chdir=../other", "plan"], chdirDotDot, "-chdir out of the workspace with .."),
  deny(["terraform", "-chdir=infra/../../other", "plan"], chdirDotDot, "-chdir with .. in the middle"),
  deny(["terraform", "-chdir=~/other", "plan"], chdirHome, "-chdir to the home directory"),
];

const everyday: Row[] = [
  allow(["terraform", "init"], "init"),
  allow(["terraform", "init", "-upgrade"], "init -upgrade"),
  allow(["terraform", "init", "-backend-config=bucket=tf-state"], "init -backend-config"),
  allow(["terraform", "validate"], "validate"),
  allow(["terraform", "fmt"], "fmt"),
  allow(["terraform", "fmt", "-recursive", "-check"], "fmt -recursive -check"),
  allow(["terraform", "plan"], "plan"),
  allow(["terraform", "plan", "-out=tfplan"], "plan -out"),
  allow(["terraform", "plan", "-var", "x=1", "-var-file=prod.tfvars"], "plan with variables"),
  allow(["terraform", "plan", "-var", "name=destroy"], "a variable whose value is the word destroy"),
  allow(["terraform", "plan", "-target=module.destroy"], "a target whose name contains destroy"),
  allow(["terraform", "plan", "-var", "flag=-destroy"], "a variable whose value is -destroy"),
  allow(
    ["terraform", "apply"],
    "apply without -auto-approve (with TF_INPUT=0 it stops instead of prompting)",
  ),
  allow(["terraform", "apply", "tfplan"], "apply of a saved plan"),
  allow(["terraform", "apply", "-refresh-only"], "apply -refresh-only"),
  allow(["terraform", "-chdir=infra/prod", "plan"], "-chdir into a subdirectory"),
  allow(["terraform", "-chdir", "infra", "validate"], "-chdir DIR as two arguments"),
  allow(["terraform", "show"], "show (sensitive values redacted)"),
  allow(["terraform", "show", "tfplan"], "show of a saved plan (sensitive values redacted)"),
  allow(["terraform", "plan", "-json"], "plan -json (machine-readable progress messages)"),
  allow(["terraform", "output"], "output (sensitive values redacted)"),
  allow(["terraform", "state", "list"], "state list"),
  allow(["terraform", "state", "show", "aws_instance.web"], "state show (sensitive values redacted)"),
  allow(["terraform", "workspace", "list"], "workspace list"),
  allow(["terraform", "workspace", "select", "staging"], "workspace select"),
  allow(["terraform", "providers"], "providers"),
  allow(["terraform", "graph"], "graph"),
  allow(["terraform", "import", "aws_instance.web", "i-0123"], "import"),
  allow(["terraform", "version"], "version"),
  allow(["terraform", "-version"], "-version"),
];

const rows = [...legacySpellings, ...bypassesOf04, ...credentials, ...stateAndCode, ...everyday];

describe("terraform built-in: 0.4's rules in every spelling terraform accepts", () => check(legacySpellings));
describe("terraform built-in: bypasses of 0.4 (AIRLOCK-0.4 item 11)", () => check(bypassesOf04));
describe("terraform built-in: commands that print secrets", () => check(credentials));
describe("terraform built-in: state tampering and code from elsewhere", () => check(stateAndCode));
describe("terraform built-in: everyday commands", () => check(everyday));

/** Rules kept for a clear reason but matched first by one of 0.4's entries: they must still match alone. */
const shadowed: readonly [argv: readonly string[], rule: string, why: string][] = [
  [["terraform", "destroy"], sub("destroy"), "destroy"],
  [["terraform", "force-unlock", "0b5c-lock-id"], sub("force-unlock"), "force-unlock"],
  [["terraform", "apply", "-auto-approve"], "deny.patterns[1]", "apply -auto-approve"],
];

describe("terraform built-in: rules shadowed by 0.4's entries", () => {
  for (const [argv, rule, why] of shadowed) {
    test(`also matches ${rule} on its own: ${why} (${shown(argv)})`, () => {
      expect(matchingRules(argv)).toContain(rule);
    });
  }
});

const envRows: EnvRow[] = [
  { name: "TF_VAR_region", effect: "pass", why: "input variables set by the operator (TF_VAR_*)" },
  { name: "TF_WORKSPACE", effect: "pass", why: "the workspace the operator selected" },
  { name: "TF_LOG", effect: "pass", why: "log level for debugging" },
  { name: "AWS_PROFILE", effect: "pass", why: "the AWS provider's credentials (AWS_*)" },
  {
    name: "GOOGLE_APPLICATION_CREDENTIALS",
    effect: "pass",
    why: "the Google provider's credentials (GOOGLE_*)",
  },
  { name: "CLOUDSDK_CONFIG", effect: "pass", why: "the gcloud SDK's config (CLOUDSDK_*)" },
  { name: "ARM_CLIENT_ID", effect: "pass", why: "the Azure provider's credentials (ARM_*)" },
  { name: "AZURE_CONFIG_DIR", effect: "pass", why: "the Azure CLI's config (AZURE_*)" },
  { name: "KUBECONFIG", effect: "pass", why: "the Kubernetes provider's config" },
  {
    name: "TF_CLI_CONFIG_FILE",
    effect: "strip",
    why: "a CLI config with provider_installation and credentials blocks",
  },
  { name: "TF_PLUGIN_CACHE_DIR", effect: "strip", why: "a provider cache the agent could fill" },
  { name: "TF_CLI_ARGS", effect: "strip", why: "extra arguments the rules never saw" },
  { name: "TF_CLI_ARGS_apply", effect: "strip", why: "extra arguments for one subcommand (TF_CLI_ARGS_*)" },
  { name: "TF_DATA_DIR", effect: "strip", why: "a .terraform directory elsewhere" },
  { name: "TF_LOG_PATH", effect: "strip", why: "a log file written anywhere" },
  { name: "TF_IN_AUTOMATION", effect: "set", value: "1", why: "no interactive hints" },
  {
    name: "TF_INPUT",
    effect: "set",
    value: "0",
    why: "terraform never waits for input; apply needs a saved plan or a human",
  },
];

function plannedEnv(
  daemonEnv: Record<string, string>,
  agentSet: Record<string, string>,
): Record<string, string> {
  const plan = planExec(
    { command: COMMAND, args: [] },
    builtin(COMMAND),
    { name: "agent", commands: [], envSet: agentSet },
    daemonEnv,
  );
  if ("error" in plan) throw new Error(plan.error);
  return { ...plan.env };
}

/** `NAME*` in module.toml covers every name it prefixes. */
const covers = (pattern: string, name: string) =>
  pattern.endsWith("*") ? name.startsWith(pattern.slice(0, -1)) : name === pattern;

describe(`${COMMAND} built-in: the child's environment`, () => {
  for (const row of envRows) {
    if (row.effect === "strip") {
      test(`strips ${row.name}, ${row.why}, even when the daemon passes its whole environment`, () => {
        const { strip } = builtin(COMMAND).module.env;
        const daemonEnv = { [row.name]: "evil" };
        const merged = mergeEnv({ daemonEnv, pass: ["*"], strip, agentSet: {}, moduleSet: {} });
        expect(merged.env[row.name]).toBeUndefined();
        expect(plannedEnv(daemonEnv, {})[row.name]).not.toBe("evil");
      });
    } else if (row.effect === "set") {
      test(`sets ${row.name}=${JSON.stringify(row.value)} (${row.why}), over the daemon's and the agent's values`, () => {
        const env = plannedEnv({ [row.name]: "daemon" }, { [row.name]: "agent" });
        expect(env[row.name]).toBe(row.value ?? "");
      });
    } else {
      test(`passes ${row.name} from the daemon: ${row.why}`, () => {
        // A name the module also sets is passed and then overwritten: the module's value wins.
        const expected = builtin(COMMAND).module.env.set[row.name] ?? "host-value";
        expect(plannedEnv({ [row.name]: "host-value" }, {})[row.name]).toBe(expected);
      });
    }
  }
});

describe(`${COMMAND} built-in: the corpus covers the module`, () => {
  test("every deny rule in module.toml is matched by a denied row", () => {
    const pinned = new Set(rows.filter((r) => !r.allow).flatMap((r) => matchingRules(r.argv)));
    expect(
      moduleRules()
        .map((r) => r.id)
        .filter((id) => !pinned.has(id)),
    ).toEqual([]);
  });
  test("every env setting in module.toml has a test", () => {
    const { strip, set, pass } = builtin(COMMAND).module.env;
    const tested = (effect: EnvRow["effect"]) =>
      envRows.filter((r) => r.effect === effect).map((r) => r.name);
    const untested = (patterns: readonly string[], names: readonly string[]) =>
      patterns.filter((p) => !names.some((n) => covers(p, n)));
    expect(untested(strip, tested("strip"))).toEqual([]);
    expect(untested(Object.keys(set), tested("set"))).toEqual([]);
    expect(untested(pass, tested("pass"))).toEqual([]);
  });
  test("SECURITY.md names every deny rule and env setting", () => {
    const doc = BUILTINS[COMMAND]?.security ?? "";
    const { strip, set, pass } = builtin(COMMAND).module.env;
    const names = [...moduleRules().map((r) => r.id), ...strip, ...Object.keys(set), ...pass];
    expect(names.filter((n) => !doc.includes(`\`${n}\``))).toEqual([]);
  });
  test("row titles are unique", () => {
    const titles = rows.map(title);
    expect(titles.filter((t, i) => titles.indexOf(t) !== i)).toEqual([]);
  });
});
