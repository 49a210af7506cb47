// Static or dynamic redaction for one launch: dynamic where the backend can serve views on this machine
// (the default, or --redact dynamic), else static with a one-line warning; --strict refuses instead of
// falling back. A backend without views (Seatbelt) is static by nature, and says so without a warning.
import type { DynamicRedaction, LaunchIO } from "./backend.ts";
import { SandboxError } from "./errors.ts";
import type { Prepared } from "./prepare.ts";

/** `--redact`: undefined lets the machine decide. */
export type RequestedRedaction = "dynamic" | "static" | undefined;

export async function chooseRedaction(
  prepared: Prepared,
  wanted: { readonly redact: RequestedRedaction; readonly strict: boolean },
  backend: { dynamicRedaction(): Promise<DynamicRedaction> },
  io: LaunchIO,
): Promise<Prepared> {
  const staticFor = (reason: string): Prepared => ({
    ...prepared,
    plan: { ...prepared.plan, redactionReason: reason },
  });
  if (wanted.redact === "static") return staticFor("--redact static");
  const dynamic = await backend.dynamicRedaction();
  if (dynamic.kind === "never" && wanted.redact === undefined) return staticFor(dynamic.why);
  if (dynamic.kind === "available") {
    const { dynamicPlan } = await import("./fuse/plan.ts");
    const why = wanted.redact === "dynamic" ? "--redact dynamic" : "default: this machine supports FUSE";
    io.debug(`redaction: dynamic (${why})`);
    return {
      ...prepared,
      plan: dynamicPlan(prepared.plan, prepared.request.profile.redaction, why),
    };
  }
  const missing = dynamic.reason;
  if (wanted.strict) {
    throw new SandboxError(
      "setup",
      `dynamic redaction is not available: ${missing}; --strict refuses to fall back to static`,
      "drop --strict to run with static redaction (files created after launch are seen as they are), or pass --redact static",
    );
  }
  io.warn(
    `dynamic redaction unavailable (${missing}): using static redaction; files created after launch are not redacted`,
  );
  return staticFor(`fallback: ${missing}`);
}
