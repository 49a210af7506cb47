// Placeholder until the daemon client lands: say so plainly instead of pretending to be the tool.
export async function runShim(command: string, _args: string[]): Promise<number> {
  process.stderr.write(`airlock: ${command}: daemon client not implemented in this build\n`);
  return 127;
}
