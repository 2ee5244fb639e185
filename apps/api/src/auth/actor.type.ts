import { DateTime } from "../common/scalars.js";
import { Field, ObjectType } from "type-graphql";

@ObjectType({ description: "Opens one WebSocket, once, within 30 s." })
export class SocketTicket {
  @Field(() => String)
  ticket: string;

  @Field(() => DateTime)
  expiresAt: Date;
}
