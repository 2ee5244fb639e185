import { OUTPOST_LINK_STATUSES } from "@pergola/schema";
import { graphqlEnum } from "../common/graphql-enum.js";

export const OutpostLinkStatus = graphqlEnum(OUTPOST_LINK_STATUSES, {
  name: "OutpostLinkStatus",
  description:
    "PENDING: the agent never connected (or never acknowledged the Stage); CONNECTING: its socket is open, not yet in sync; ONLINE: connected and heartbeating; OFFLINE: socket closed or heartbeats missed; ERROR: the agent reported it cannot apply.",
  valuesConfig: {
    PENDING: { description: "The agent never connected (or never acknowledged the Stage)." },
    CONNECTING: { description: "Its socket is open; not yet in sync." },
    ONLINE: { description: "Connected and heartbeating." },
    OFFLINE: { description: "Its socket closed, or heartbeats were missed." },
    ERROR: { description: "The agent reported it cannot apply something (see `errors`)." },
  },
});
export type OutpostLinkStatus = keyof typeof OutpostLinkStatus;
