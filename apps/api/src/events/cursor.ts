/** Cursors are the decimal `seq` of an event in its Project's log. Opaque to clients. */
import { badInput } from "../errors.js";

export function formatCursor(seq: bigint): string {
  return seq.toString();
}

export function parseCursor(value: string | null | undefined, field = "after"): bigint | null {
  if (value == null) return null;
  if (!/^\d{1,19}$/.test(value)) throw badInput(field, `"${value}" is not a cursor`);
  return BigInt(value);
}
