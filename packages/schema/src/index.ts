export { ErrorCode, errorCodes, isErrorCode } from "./errors.js";
export { listDocuments, typed, type TypedDocument } from "./documents/typed.js";
export * from "./documents/dashboard.js";
export { deriveSlug, SLUG_MAX, slugProblem, suggestFreeSlug } from "./slug.js";
export * from "./vocabulary.js";
