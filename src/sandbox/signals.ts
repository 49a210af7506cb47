// Signal forwarding shared by both backends. A terminal delivers SIGINT, SIGQUIT and SIGWINCH to its whole
// foreground process group, the sandboxed program included, so on a terminal those are not forwarded
// again (Claude Code reads a second Ctrl-C as "exit"); airlock only survives them. Everything else sent
// to airlock reaches the program once.
import { constants } from "node:os";
import { isatty } from "node:tty";

const ALWAYS = ["SIGTERM", "SIGHUP", "SIGUSR1", "SIGUSR2"] as const;
const FROM_TERMINAL = ["SIGINT", "SIGQUIT", "SIGWINCH"] as const;

export type ForwardedSignal = (typeof ALWAYS)[number] | (typeof FROM_TERMINAL)[number];

/** True when any of stdin, stdout, stderr is a terminal: the program shares airlock's terminal session. */
export function onTerminal(): boolean {
  return isatty(0) || isatty(1) || isatty(2);
}

export function signalNumber(signal: string): number {
  const n = (constants.signals as Record<string, number | undefined>)[signal];
  return n ?? 0;
}

/** Installs the handlers; the returned function removes them again. */
export function forwardSignals(deliver: (signal: ForwardedSignal) => void, terminal: boolean): () => void {
  const installed: [ForwardedSignal, () => void][] = [];
  for (const signal of [...ALWAYS, ...FROM_TERMINAL]) {
    const fromTerminal = terminal && (FROM_TERMINAL as readonly string[]).includes(signal);
    const handler = fromTerminal ? () => {} : () => deliver(signal);
    process.on(signal, handler);
    installed.push([signal, handler]);
  }
  return () => {
    for (const [signal, handler] of installed) process.off(signal, handler);
  };
}

/** A child's exit as a shell reports it: its code, or 128 + the signal that killed it. */
export function exitCodeOf(proc: { exitCode: number | null; signalCode: string | number | null }): number {
  if (proc.exitCode !== null) return proc.exitCode;
  const signal = proc.signalCode ?? "SIGKILL";
  return 128 + (typeof signal === "number" ? signal : signalNumber(signal));
}
