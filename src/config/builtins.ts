// Built-in modules are embedded in the binary: `bun build --compile` inlines these text imports.
import awsModule from "../../builtins/aws/module.toml" with { type: "text" };
import awsSecurity from "../../builtins/aws/SECURITY.md" with { type: "text" };
import dockerModule from "../../builtins/docker/module.toml" with { type: "text" };
import dockerSecurity from "../../builtins/docker/SECURITY.md" with { type: "text" };
import gitModule from "../../builtins/git/module.toml" with { type: "text" };
import gitSecurity from "../../builtins/git/SECURITY.md" with { type: "text" };
import sshModule from "../../builtins/ssh/module.toml" with { type: "text" };
import sshSecurity from "../../builtins/ssh/SECURITY.md" with { type: "text" };
import terraformModule from "../../builtins/terraform/module.toml" with { type: "text" };
import terraformSecurity from "../../builtins/terraform/SECURITY.md" with { type: "text" };

export interface BuiltinSource {
  readonly toml: string;
  readonly security: string;
}

export const BUILTINS: Readonly<Record<string, BuiltinSource>> = {
  git: { toml: gitModule, security: gitSecurity },
  terraform: { toml: terraformModule, security: terraformSecurity },
  aws: { toml: awsModule, security: awsSecurity },
  ssh: { toml: sshModule, security: sshSecurity },
  docker: { toml: dockerModule, security: dockerSecurity },
};

export const BUILTIN_NAMES = Object.keys(BUILTINS);
