import { Field, ID, InputType, ObjectType } from "type-graphql";
import { DateTime } from "../common/scalars.js";

@ObjectType({ description: "A personal access key. Its secret is shown once, when it is created." })
export class AccessKey {
  @Field(() => ID, { description: "The part before the colon of `<id>:<secret>`." })
  id: string;

  @Field(() => String)
  name: string;

  @Field(() => Boolean, { description: "Queries and subscriptions only: every mutation answers FORBIDDEN." })
  readOnly: boolean;

  @Field(() => Boolean, { description: "A disabled key answers 401 until enabled again." })
  enabled: boolean;

  @Field(() => DateTime)
  createdAt: Date;

  @Field(() => DateTime, { nullable: true, description: "To the minute." })
  lastUsedAt: Date | null;

  userId: string;
}

@ObjectType({ description: "A new access key. `token` (`<id>:<secret>`) is shown only this once." })
export class AccessKeyCredentials {
  @Field(() => String)
  token: string;

  @Field(() => AccessKey)
  accessKey: AccessKey;
}

@InputType()
export class CreateAccessKeyInput {
  @Field(() => String)
  name: string;

  @Field(() => Boolean, { defaultValue: false, description: "For monitoring tools and wall displays." })
  readOnly: boolean;
}
