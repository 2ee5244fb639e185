export { getIngress, type LinkIngress } from "./ingress.js";
export {
  type LinkRefusal,
  type LinkTarget,
  writeLinkPage,
  writeLinkRefusal,
  writeLinkUnreachable,
  writeLinkUpgradeRefusal,
} from "./link-pages.js";
export { type LinkRequest, type LinkRequestSource, parseLinkRequest } from "./link-request.js";
