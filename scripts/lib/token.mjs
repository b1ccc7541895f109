import { randomBytes } from "node:crypto";

/** A 32-character URL-safe random token (192 bits). */
export function newOwnerToken() {
  return randomBytes(24).toString("base64url");
}
