// Attack corpus for the built-in terraform module: every row is a command line an agent may send, the decision
// airlock must make, and the attack (or the everyday use) it stands for. builtins/terraform/SECURITY.md cites
// these test names; keep them stable.
import { allow, deny, describeCorpus, passEnv, type Row, setEnv, stripEnv } from "../../../helpers/corpus.ts";

const COMMAND = "terraform";

const destroyWord = "deny.args: 'destroy'";
const applyAuto = "deny.args: 'apply & -auto-approve'";
const applyDestroy = "deny.patterns.apply-destroy";
const codeDir = "deny.patterns.plugin-dir-from-module";
const outputSecrets = "deny.patterns.output-secrets";
const chdirAbsolute = "deny.patterns.chdir-absolute";
const chdirDotDot = "deny.patterns.chdir-dotdot";
const chdirHome = "deny.patterns.chdir-home";
const showJson = "deny.patterns.show-json";
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

const envRows = [
  passEnv("TF_VAR_region", "input variables set by the operator (TF_VAR_*)"),
  passEnv("TF_WORKSPACE", "the workspace the operator selected"),
  passEnv("TF_LOG", "log level for debugging"),
  passEnv("AWS_PROFILE", "the AWS provider's credentials (AWS_*)"),
  passEnv("GOOGLE_APPLICATION_CREDENTIALS", "the Google provider's credentials (GOOGLE_*)"),
  passEnv("CLOUDSDK_CONFIG", "the gcloud SDK's config (CLOUDSDK_*)"),
  passEnv("ARM_CLIENT_ID", "the Azure provider's credentials (ARM_*)"),
  passEnv("AZURE_CONFIG_DIR", "the Azure CLI's config (AZURE_*)"),
  passEnv("KUBECONFIG", "the Kubernetes provider's config"),
  stripEnv("TF_CLI_CONFIG_FILE", "a CLI config with provider_installation and credentials blocks"),
  stripEnv("TF_PLUGIN_CACHE_DIR", "a provider cache the agent could fill"),
  stripEnv("TF_CLI_ARGS", "extra arguments the rules never saw"),
  stripEnv("TF_CLI_ARGS_apply", "extra arguments for one subcommand (TF_CLI_ARGS_*)"),
  stripEnv("TF_DATA_DIR", "a .terraform directory elsewhere"),
  stripEnv("TF_LOG_PATH", "a log file written anywhere"),
  setEnv("TF_IN_AUTOMATION", "1", "no interactive hints"),
  setEnv("TF_INPUT", "0", "terraform never waits for input; apply needs a saved plan or a human"),
];

describeCorpus(COMMAND, {
  sections: {
    "terraform built-in: 0.4's rules in every spelling terraform accepts": legacySpellings,
    "terraform built-in: bypasses of 0.4": bypassesOf04,
    "terraform built-in: commands that print secrets": credentials,
    "terraform built-in: state tampering and code from elsewhere": stateAndCode,
    "terraform built-in: everyday commands": everyday,
  },
  // Rules kept for a clear reason but matched first by one of 0.4's entries: they must still match alone.
  shadowed: [
    [["terraform", "destroy"], sub("destroy"), "destroy"],
    [["terraform", "force-unlock", "0b5c-lock-id"], sub("force-unlock"), "force-unlock"],
    [["terraform", "apply", "-auto-approve"], "deny.patterns.auto-approve", "apply -auto-approve"],
  ],
  envRows,
});
