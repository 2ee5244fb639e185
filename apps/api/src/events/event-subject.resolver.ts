/** `ProjectEvent.subject`, read from the event's stored payload when a client selects it. */
import { FieldResolver, Resolver, Root } from "type-graphql";
import { subjectOf } from "./event-subject.js";
import { EventSubject } from "./event-subject.type.js";
import { ProjectEvent } from "./event.type.js";

@Resolver(() => ProjectEvent)
export class EventSubjectResolver {
  @FieldResolver(() => EventSubject, {
    nullable: true,
    description:
      "What the event is about, as it was at this event: a StageSnapshot for STAGE_* events, a ReleaseSnapshot for RELEASE_*, a ComponentSnapshot for COMPONENT_CHANGED, an OutpostLinkSnapshot for OUTPOST_LINK_CHANGED, a ConfigurationSnapshot for CONFIGURATION_CHANGED, a BackupSnapshot for BACKUP_*; null for PROJECT_CREATED and BUILD_CREATED.",
  })
  subject(@Root() event: ProjectEvent): EventSubject | null {
    return subjectOf(event.kind, event.payload);
  }
}
