import { AUDIT_ACTIONS } from "@pergola/schema";
import { enumObject } from "../common/enum-object.js";

/** What the audit log records (@pergola/schema's AUDIT_ACTIONS); the GraphQL enum `AuditAction` registers it. */
export const AuditAction = enumObject(AUDIT_ACTIONS);
export type AuditAction = keyof typeof AuditAction;
