// How a FUSE request fails: a Failure carries the errno the server answers the kernel with.
import { errnoValue } from "../../platform/libc.ts";

export class Failure extends Error {
  constructor(readonly errno: number) {
    super(`errno ${errno}`);
  }
}

/** Ends the request being handled with the errno named `code` (ENOENT, EPERM, …). */
export const fail = (code: string): never => {
  throw new Failure(errnoValue(code));
};
