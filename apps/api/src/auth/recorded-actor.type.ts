/**
 * `Actor`: who did something, as the record names them (`Release.author`, `Build.author`). The
 * records keep a name, not a user id: a user's name, or an agent token's (`agent of <outpost>`).
 */
import { Field, ID, ObjectType } from "type-graphql";
import { toGlobalId } from "../node/global-id.js";
import { Node } from "../node/node.type.js";

@ObjectType("Actor", {
  implements: Node,
  description:
    "Who did something, as it was recorded: a user's name, or an agent token's name. Records that name the same one are the same Actor.",
})
export class RecordedActor {
  @Field(() => ID, { description: "Globally unique: the same for every record of this name." })
  id: string;

  @Field(() => String, { description: "The name recorded: the user's name, or the token's." })
  name: string;
}

export function recordedActor(name: string): RecordedActor {
  return { id: toGlobalId("Actor", name), name };
}
