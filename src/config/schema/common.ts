import * as v from "valibot";

export {
  EnvMap,
  EnvPattern,
  NonEmptyString,
  PositiveNumber,
  StringList,
} from "../../policy/schema-values.ts";
export const AgentName = v.pipe(
  v.string(),
  v.regex(
    /^[a-z0-9][a-z0-9_-]{0,62}$/,
    "agent names are lower-case letters, digits, '-' and '_', starting with a letter or digit (they become socket file names)",
  ),
);
