import { Field, ID, ObjectType } from "type-graphql";
import { DateTime } from "../common/scalars.js";
import { Node } from "../node/node.type.js";
import { Connection } from "../graphql/connection.type.js";

@ObjectType({ implements: Node, description: "Holds Stages." })
export class Project {
  @Field(() => ID, { description: "Its unique ID." })
  id: string;

  @Field(() => String, { description: "Unique; addresses the Project everywhere." })
  slug: string;

  @Field(() => String, { description: "Its display name." })
  name: string;

  @Field(() => DateTime, { description: "When it was created." })
  createdAt: Date;

  @Field(() => DateTime, { description: "When its name or slug last changed; neither can change yet, so its creation time." })
  updatedAt: Date;

  @Field(() => DateTime, {
    nullable: true,
    description: "When it was deleted (archived); null while in use. restoreProject brings it back.",
  })
  archivedAt: Date | null;

  seq: bigint;
}

@ObjectType("ProjectConnection", { description: "A page of the Projects the caller may see (admins: all), oldest first (as `projects`)." })
export class ProjectConnection extends Connection(Project, "Project", "Projects") {}
