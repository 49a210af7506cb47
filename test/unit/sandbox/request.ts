// Builds plan inputs from plain data: a profile by name, facts from a list of paths.

import type { BwrapOptions } from "../../../src/sandbox/bwrap-args.ts";
import { loadProfile, profileCatalog } from "../../../src/sandbox/profiles/load.ts";
import type { Profile } from "../../../src/sandbox/profiles/resolve.ts";
import type { PathFact, PathFacts, SandboxRequest, ScanResult } from "../../../src/sandbox/types.ts";

export const HOME = "/home/me";
export const CWD = "/home/me/src/app";
export const EMPTY = "/run/ws/empty";
export const SHIMS = "/run/ws/bin";

export function builtinProfile(name: string): Profile {
  return loadProfile(profileCatalog("/nonexistent-config-dir"), name);
}

export function request(overrides: Partial<SandboxRequest> = {}): SandboxRequest {
  return {
    profile: builtinProfile("default"),
    profileReason: "test",
    program: "true",
    args: [],
    cwd: CWD,
    home: HOME,
    env: { HOME, PATH: "/usr/local/bin:/usr/bin:/bin" },
    network: true,
    uid: 1000,
    airlock: {
      configDir: `${HOME}/.config/airlock`,
      socketsDir: `${HOME}/.config/airlock/sockets`,
      dataDir: `${HOME}/.local/share/airlock`,
      logFiles: [`${HOME}/.local/share/airlock/airlock.log`],
      agentsFile: undefined,
      agentDirs: [],
      jailDirs: [],
    },
    agent: undefined,
    workspace: { dir: "/run/ws", emptyFile: EMPTY, shimDir: SHIMS },
    ...overrides,
  };
}

type Kind = PathFact["kind"];

/** `facts({ "/home/me": "dir", "/home/me/.aws": ["dir", "/data/aws"] })`: kind, or kind and real path. */
export function facts(entries: Record<string, Kind | [Kind, string]>): PathFacts {
  const map = new Map<string, PathFact>();
  for (const [path, value] of Object.entries(entries)) {
    const [kind, real] = Array.isArray(value) ? value : [value, path];
    map.set(path, { kind, real });
  }
  return map;
}

/** The usual host: HOME, the project and /tmp exist. */
export function baseFacts(extra: Record<string, Kind | [Kind, string]> = {}): PathFacts {
  return facts({ [HOME]: "dir", [CWD]: "dir", "/tmp": "dir", ...extra });
}

export const NO_SCAN: ScanResult = {
  redacted: [],
  roots: [CWD, HOME],
  entries: 0,
  filesRead: 0,
  elapsedMs: 0,
  stoppedBy: undefined,
  skippedDirs: 0,
  hiddenFiles: [],
};

/** bwrap options for argv tests: no verifier, no signal shield, a non-root launch. */
export const BWRAP: BwrapOptions = {
  bwrap: "/usr/bin/bwrap",
  envBin: undefined,
  shieldSignals: false,
  statusFd: 3,
  seccompFd: 4,
  newSession: true,
  canDisableUserns: true,
  dropCapabilities: false,
  verifier: undefined,
  agentView: false,
};
