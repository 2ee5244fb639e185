export { getIngress, type LinkIngress } from "./ingress.js";
export {
  type LinkRefusal,
  type LinkTarget,
  writeLinkPage,
  writeLinkRefusal,
  writeLinkRequestRefusal,
  writeLinkUnreachable,
  writeLinkUpgradeRequestRefusal,
  writeLinkUpgradeRefusal,
} from "./link-pages.js";
export { type LinkPathRefusal, MAX_LINK_TARGET_LENGTH, normalizeLinkTarget } from "./link-path.js";
export {
  isLinkRequestRefusal,
  type LinkRequest,
  type LinkRequestRefusal,
  type LinkRequestSource,
  LINKS_DOMAIN_PATTERN,
  parseLinkRequest,
} from "./link-request.js";
