// How a stage of a request says no: the error the client gets and what the audit record calls it.
import { RPC_ERROR, type RpcErrorCode } from "../../protocol/errors.ts";
import type { ErrorData } from "../../protocol/messages.ts";

export interface Refusal {
  readonly refused: true;
  readonly code: RpcErrorCode;
  readonly message: string;
  readonly data: ErrorData;
  /** The record's outcome: the policy said no, the daemon could not serve it now, or something broke. */
  readonly outcome: "denied" | "refused" | "error";
}

export function isRefusal<T>(value: T | Refusal): value is Refusal {
  return typeof value === "object" && value !== null && "refused" in value && value.refused === true;
}

/** A rule said no (the request's place, its jail, the module's guard). */
export function denied(rule: string, message: string, layer: string | undefined = "request"): Refusal {
  return {
    refused: true,
    code: RPC_ERROR.invalidRequest,
    message,
    data: { ...(layer === undefined ? {} : { layer }), rule, kind: "denied" },
    outcome: "denied",
  };
}

/** A policy layer's own refusal (admission, pre-exec hooks), as it came. */
export function policyRefusal(r: { code: RpcErrorCode; message: string; data: ErrorData }): Refusal {
  return { refused: true, code: r.code, message: r.message, data: r.data, outcome: "denied" };
}

/** The daemon cannot serve the request now (shutting down, busy, the agent gone). */
export function unavailable(message: string, kind: "unavailable" | "busy" = "unavailable"): Refusal {
  return { refused: true, code: RPC_ERROR.internal, message, data: { kind }, outcome: "refused" };
}

/** Something broke while serving it. */
export function broken(message: string): Refusal {
  return { refused: true, code: RPC_ERROR.internal, message, data: { kind: "error" }, outcome: "error" };
}
