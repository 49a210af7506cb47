// Replaced at build time by scripts/build.ts (`define`); the fallbacks apply when run from source.
declare const AIRLOCK_VERSION: string | undefined;
declare const AIRLOCK_COMMIT: string | undefined;
declare const AIRLOCK_TARGET: string | undefined;

export const buildInfo = {
  version: typeof AIRLOCK_VERSION === "string" ? AIRLOCK_VERSION : "0.0.0-dev",
  commit: typeof AIRLOCK_COMMIT === "string" ? AIRLOCK_COMMIT : "source",
  target: typeof AIRLOCK_TARGET === "string" ? AIRLOCK_TARGET : `bun-${process.platform}-${process.arch}`,
};
