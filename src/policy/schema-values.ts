// Value schemas the module format shares with the rest of airlock's files.
import * as v from "valibot";

export const NonEmptyString = v.pipe(v.string(), v.minLength(1, "must not be empty"));
export const StringList = v.array(v.string());
const EnvName = v.pipe(
  v.string(),
  v.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "is not a valid environment variable name"),
);
/** `KEY*` patterns are allowed where a list selects variables (`pass`, `strip`). */
export const EnvPattern = v.pipe(
  v.string(),
  v.regex(/^[A-Za-z_*][A-Za-z0-9_*]*$/, "is not a valid environment variable name or NAME* pattern"),
);
export const EnvMap = v.record(EnvName, v.string());
export const PositiveNumber = v.pipe(v.number(), v.minValue(0, "must not be negative"));
