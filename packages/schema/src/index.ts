export { ErrorCode, errorCodes, isErrorCode } from "./errors.js";
