/** What the dynamic view shows: plain data, from the plan to the server process (as JSON on a descriptor). */
export interface ViewConfig {
  /** The real directory the view shows (the project). */
  readonly root: string;
  /** Real paths inside root that read as absent (deny_read entries that fall inside the project). */
  readonly hidden: readonly string[];
  /** Real paths inside root that cannot be changed (`read_only = ["./.git/hooks"]`). */
  readonly readOnly: readonly string[];
  readonly envFiles: readonly string[];
  readonly privateKeys: boolean;
}

export function parseViewConfig(text: string): ViewConfig {
  const value: unknown = JSON.parse(text);
  const get = (key: string) =>
    typeof value === "object" && value !== null ? Reflect.get(value, key) : undefined;
  const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === "string");
  const root = get("root");
  const hidden = get("hidden");
  const readOnly = get("readOnly");
  const envFiles = get("envFiles");
  const privateKeys = get("privateKeys");
  if (typeof root !== "string" || !root.startsWith("/") || !strings(hidden) || !strings(readOnly)) {
    throw new Error("the view configuration is malformed");
  }
  if (!strings(envFiles) || typeof privateKeys !== "boolean")
    throw new Error("the view configuration is malformed");
  return { root, hidden, readOnly, envFiles, privateKeys };
}
