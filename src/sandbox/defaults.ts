// The floor every profile stands on. Profiles add to these lists; they cannot remove from them, so a
// typo or a short user profile never re-exposes a credential store (fail closed).

/** Credential stores hidden in every sandbox. `~` is the host HOME. */
export const DEFAULT_DENY_READ: readonly string[] = [
  "~/.ssh",
  "~/.aws",
  "~/.gnupg",
  "~/.config/gcloud",
  "~/.azure",
  "~/.kube",
  "~/.docker/config.json",
  "~/.npmrc",
  "~/.pypirc",
  "~/.netrc",
  "~/.git-credentials",
  // git's XDG credential store (`credential.helper = store` writes here when ~/.git-credentials is absent).
  "~/.config/git/credentials",
  "~/.config/gh",
  "~/.terraform.d",
  // Terraform Cloud's token; helm's registry logins; yarn berry's npmAuthToken.
  "~/.terraformrc",
  "~/.config/helm",
  "~/.yarnrc.yml",
  // Cloud, data-platform and deploy CLIs that keep a token or a key in a file of their own.
  "~/.config/sops",
  "~/.config/heroku",
  "~/.config/github-copilot",
  "~/.databrickscfg",
  "~/.snowflake",
  "~/.dbt/profiles.yml",
  "~/.composer/auth.json",
  "~/.config/composer/auth.json",
  "~/.gradle/gradle.properties",
  "~/.config/pip/pip.conf",
  "~/.pip/pip.conf",
  "~/.fly",
  "~/.aliyun",
  "~/.config/vercel",
  "~/.local/share/com.vercel.cli",
  "~/.wrangler",
  "~/.config/ngrok",
  "~/.config/netlify",
  "~/.config/op",
  "~/.config/stripe",
  "~/.config/configstore",
  // Shell and REPL histories: a password typed on a command line, a token pasted into a REPL.
  "~/.bash_history",
  "~/.zsh_history",
  "~/.histfile",
  "~/.local/share/fish/fish_history",
  "~/.python_history",
  "~/.node_repl_history",
  "~/.psql_history",
  "~/.mysql_history",
  "~/.sqlite_history",
  "~/.rediscli_history",
  // Less common stores with the same kind of content: tokens, passwords, session cookies.
  "~/.config/hub",
  "~/.config/glab-cli",
  "~/.vault-token",
  "~/.password-store",
  "~/.local/share/keyrings",
  "~/.cargo/credentials",
  "~/.cargo/credentials.toml",
  "~/.gem/credentials",
  "~/.m2/settings.xml",
  "~/.pgpass",
  "~/.my.cnf",
  "~/.s3cfg",
  "~/.boto",
  "~/.oci",
  "~/.config/doctl",
  "~/.config/rclone",
  "~/.config/containers/auth.json",
  "~/.mozilla",
  "~/.config/google-chrome",
  "~/.config/chromium",
  // A unix socket is reachable through a read-only mount; docker's is root on the host.
  "/run/docker.sock",
  "/var/run/docker.sock",
];

/**
 * Environment variables removed before the program starts (case-insensitive globs). The agent's own
 * model key is matched by `*_KEY`; the agent profile allows it back by name.
 */
export const DEFAULT_ENV_DENY: readonly string[] = [
  "*TOKEN*",
  "*SECRET*",
  "*PASSWORD*",
  "*PASSWD*",
  "*CREDENTIAL*",
  "*_KEY",
  "*_KEY_ID",
  "*APIKEY*",
  "*API_KEY*",
  "*PRIVATE_KEY*",
  "*_AUTH",
  // A personal access token (GITLAB_PAT), MySQL's password variable (MYSQL_PWD; not PWD or OLDPWD).
  "*_PAT",
  "*_PWD",
  "NPM_CONFIG_*AUTH*",
  "AWS_*",
  "AZURE_*",
  "ARM_CLIENT_*",
  "ARM_ACCESS_KEY",
  "GOOGLE_APPLICATION_CREDENTIALS",
  "GOOGLE_CREDENTIALS",
  "CLOUDSDK_*",
  "VAULT_*",
  "KUBECONFIG",
  "DOCKER_HOST",
  "DOCKER_AUTH_CONFIG",
  "SSH_AUTH_SOCK",
  "SSH_AGENT_PID",
  "GPG_AGENT_INFO",
  "KRB5CCNAME",
  "DBUS_SESSION_BUS_ADDRESS",
  // The host's own airlock settings; the sandbox gets its own AIRLOCK_SOCKET when --agent is given.
  "AIRLOCK_*",
];

export interface RedactionDefaults {
  readonly envFiles: readonly string[];
  readonly skipDirs: readonly string[];
  readonly maxFiles: number;
  readonly maxDepth: number;
  readonly maxFileKib: number;
  readonly timeBudgetMs: number;
}

export const REDACTION_DEFAULTS: RedactionDefaults = {
  // Matched case-insensitively (`.ENV`); `prod.env`; direnv's `.envrc` (its `export X=…` lines too).
  envFiles: [".env", ".env.*", "*.env", ".envrc"],
  // Dependency trees, caches and VCS object stores: large, and not where people keep their own secrets.
  // Entries with a `/` match the end of a path (`.git/objects`), the others a directory's basename.
  skipDirs: [
    "node_modules",
    ".git/objects",
    ".git/lfs",
    ".hg/store",
    ".svn/pristine",
    ".cache",
    ".npm",
    ".bun/install",
    ".yarn/cache",
    ".pnpm-store",
    ".cargo/registry",
    ".cargo/git",
    ".rustup",
    "go/pkg/mod",
    ".m2/repository",
    ".gradle",
    ".pyenv",
    ".nvm",
    ".venv",
    "site-packages",
    "__pycache__",
    ".tox",
    ".local/share/Trash",
    "target",
  ],
  maxFiles: 200_000,
  maxDepth: 24,
  maxFileKib: 64,
  timeBudgetMs: 2_000,
};
