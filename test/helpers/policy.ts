import { loadBuiltin } from "../../src/config/modules.ts";
import { decide } from "../../src/policy/decide.ts";
import type { Decision, EffectiveModule } from "../../src/policy/types.ts";

const modules = new Map<string, EffectiveModule>();

/** The built-in module as shipped, with its bin pretending to be installed at /usr/bin. */
export function builtin(command: string): EffectiveModule {
  let module = modules.get(command);
  if (!module) {
    module = loadBuiltin(command, (bin) => `/usr/bin/${bin}`);
    if (!module) throw new Error(`no built-in module ${command}`);
    modules.set(command, module);
  }
  return module;
}

/** Evaluates a command line (`["git", "push", …]`) against its built-in module alone. */
export function decideBuiltin(argv: readonly string[]): Decision {
  const [command = "", ...args] = argv;
  return decide({
    request: { command, args },
    enabled: undefined,
    agent: undefined,
    module: builtin(command),
  });
}
