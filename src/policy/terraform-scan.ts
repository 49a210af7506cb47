/**
 * A plan of agent-written .tf can run programs on the host: `data "external"` runs its program during
 * plan, `local-exec` provisioners during apply. Pure: the daemon reads the files, this finds the constructs.
 * Limits (documented in builtins/terraform/SECURITY.md): top-level .tf/.tf.json of the working directory
 * only; remote and registry modules are not scanned.
 */
export interface TerraformFinding {
  readonly file: string;
  readonly line: number;
  readonly construct: string;
}

const CONSTRUCTS: readonly [RegExp, string][] = [
  [/\bdata\s+"external"/, 'data "external" (runs a program during plan)'],
  [/\bprovisioner\s+"local-exec"/, 'provisioner "local-exec" (runs a command during apply)'],
  [/\bprovider\s+"external"/, 'provider "external"'],
  [/"local-exec"\s*:/, '"local-exec" provisioner (JSON syntax)'],
  [/"external"\s*:\s*\{/, '"external" data source or provider (JSON syntax)'],
];

export function scanTerraform(
  files: readonly { name: string; text: string }[],
): TerraformFinding | undefined {
  for (const { name, text } of files) {
    const lines = text.split("\n");
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i] ?? "";
      if (/^\s*(#|\/\/)/.test(line)) continue;
      for (const [pattern, construct] of CONSTRUCTS) {
        if (pattern.test(line)) return { file: name, line: i + 1, construct };
      }
    }
  }
  return undefined;
}
