/** What one dynamic view shows: plain data, from the plan to the server process (as JSON on a descriptor). */
export interface ViewConfig {
  /** The real directory the view shows (the project, or HOME). */
  readonly root: string;
  /** Real paths inside root that read as absent. */
  readonly hidden: readonly string[];
  /** Real paths inside root where changes go through (the project, the profile's writable paths). */
  readonly writable: readonly string[];
  /** Real paths inside those that cannot be changed all the same (`read_only = ["./.git/hooks"]`). */
  readonly readOnly: readonly string[];
  readonly envFiles: readonly string[];
  /**
   * Files read as dotenv files whatever their name: the targets of dotenv-named symlinks the launch scan
   * found (`.env.production -> config/app.secrets`).
   */
  readonly envPaths: readonly string[];
  readonly privateKeys: boolean;
}

/** The server's configuration: one view per mount (HOME, and the project when it is not inside HOME). */
export function parseViewConfigs(text: string): ViewConfig[] {
  const value: unknown = JSON.parse(text);
  if (!Array.isArray(value) || value.length === 0) throw new Error("the view configuration is malformed");
  return value.map(checkViewConfig);
}

function checkViewConfig(value: unknown): ViewConfig {
  const get = (key: string) =>
    typeof value === "object" && value !== null ? Reflect.get(value, key) : undefined;
  const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === "string");
  const root = get("root");
  const hidden = get("hidden");
  const writable = get("writable");
  const readOnly = get("readOnly");
  const envFiles = get("envFiles");
  const envPaths = get("envPaths");
  const privateKeys = get("privateKeys");
  if (typeof root !== "string" || !root.startsWith("/") || !strings(hidden) || !strings(readOnly)) {
    throw new Error("the view configuration is malformed");
  }
  if (!strings(writable) || !strings(envFiles) || !strings(envPaths) || typeof privateKeys !== "boolean")
    throw new Error("the view configuration is malformed");
  return { root, hidden, writable, readOnly, envFiles, envPaths, privateKeys };
}
