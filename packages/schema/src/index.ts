export { ErrorCode, errorCodes, isErrorCode } from "./errors.js";
export { getSource, type TypedDocument } from "./documents/typed.js";
export { deriveSlug, SLUG_MAX, slugProblem, suggestFreeSlug } from "./slug.js";
export { USAGE } from "./usage.js";
export * from "./vocabulary.js";
