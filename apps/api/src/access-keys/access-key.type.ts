import { Field, ID, InputType, ObjectType } from "type-graphql";
import { DateTime } from "../common/scalars.js";
import { Node } from "../node/node.type.js";

@ObjectType({ implements: Node, description: "A personal access key. Its secret is shown once, when it is created." })
export class AccessKey {
  @Field(() => ID, { description: "The part before the colon of `<id>:<secret>`." })
  id: string;

  @Field(() => String, { description: "What it is for, as its owner named it." })
  name: string;

  @Field(() => Boolean, { description: "Queries and subscriptions only: every mutation answers FORBIDDEN." })
  readOnly: boolean;

  @Field(() => Boolean, { description: "A disabled key answers 401 until enabled again." })
  enabled: boolean;

  @Field(() => DateTime, { description: "When it was created." })
  createdAt: Date;

  @Field(() => DateTime, { nullable: true, description: "When it last authenticated a request, to the minute; null if never." })
  lastUsedAt: Date | null;

  userId: string;
}

@ObjectType({ description: "A new access key. `token` (`<id>:<secret>`) is shown only this once." })
export class AccessKeyCredentials {
  @Field(() => String, { description: "`<id>:<secret>`, to send as `Authorization: Bearer <token>`; shown only here." })
  token: string;

  @Field(() => AccessKey, { description: "The new key." })
  accessKey: AccessKey;
}

@InputType({ description: "A new access key of the caller's." })
export class CreateAccessKeyInput {
  @Field(() => String, { description: "What it is for, e.g. CI or wall display." })
  name: string;

  @Field(() => Boolean, { defaultValue: false, description: "For monitoring tools and wall displays." })
  readOnly: boolean;
}
