import { DateTime } from "../common/scalars.js";
import { Field, ObjectType } from "type-graphql";

@ObjectType({ description: "Opens one WebSocket, once, within 30 s." })
export class SocketTicket {
  @Field(() => String, { description: "Send as `{ ticket }` in the WebSocket's connection_init payload; secret, single use." })
  ticket: string;

  @Field(() => DateTime, { description: "When it stops working unused: 30 s after it was made." })
  expiresAt: Date;
}
