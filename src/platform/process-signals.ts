import { constants } from "node:os";

const SIGNAL_NUMBERS = constants.signals as Readonly<Record<string, number>>;

export function signalNumber(name: string): number | undefined {
  return SIGNAL_NUMBERS[name];
}

/** The exit status a shell reports for a process killed by `signal`: 128 + n. */
export function exitCodeForSignal(signal: string): number {
  return 128 + (signalNumber(signal) ?? 0);
}

/** Sends a signal to a whole process group; a group that is already gone is not an error. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}
