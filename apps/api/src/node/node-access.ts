/**
 * `node`/`nodes` answer with exactly what each type's own query would: anything in a Project
 * only to those who may read the Project (`project`, `stage`, `releases`…: everyone else gets
 * null, as for an id that does not exist); Outposts to admins (`outpost`); a user to itself and
 * admins (`me`, `users`); an access key to its owner and admins (`accessKeys`).
 */
import type { ProjectRow, StageRow } from "@pergola/db/schema";
import { can } from "../auth/policy.js";
import type { Context } from "../context.js";
import { getLink } from "../outposts/outpost-link.js";
import { toUser } from "../users/user.view.js";
import { recordedActor } from "../auth/recorded-actor.type.js";
import { asNode, type NodeTypeName } from "./node.type.js";
import type { NodeRecord } from "./node.service.js";

/** Whether the caller may read each Project: asked once per Project however many of its objects are asked for. */
export type ProjectGate = (projectId: string) => Promise<boolean>;

export function projectGate({ actor, services, loaders }: Context): ProjectGate {
  const answers = new Map<string, Promise<boolean>>();
  return (projectId) => {
    let answer = answers.get(projectId);
    if (!answer) {
      answer = loaders.projectById
        .load(projectId)
        .then((project: ProjectRow | null) => (project ? services.projects.maySee(actor, project) : false));
      answers.set(projectId, answer);
    }
    return answer;
  };
}

/** The object `record` names as its type's query shows it, or null when the caller may not see it. */
export async function visibleNode(context: Context, record: NodeRecord | null, mayRead: ProjectGate): Promise<object | null> {
  if (!record) return null;
  const { actor, services, loaders } = context;
  const node = (type: NodeTypeName, value: object | null) => (value ? asNode(type, value) : null);
  const inStage = async (stageId: string): Promise<StageRow | null> => {
    const stage = await loaders.stageById.load(stageId);
    return stage && (await mayRead(stage.projectId)) ? stage : null;
  };
  switch (record.type) {
    case "Project":
      return (await mayRead(record.row.id)) ? node("Project", record.row) : null;
    case "Stage":
    case "Release":
    case "Build":
      return (await mayRead(record.row.projectId)) ? node(record.type, record.row) : null;
    case "Configuration": {
      const { stageId, name } = record.row;
      if (!(await inStage(stageId))) return null;
      return node("Configuration", await services.configurations.findVersion(stageId, name, record.version));
    }
    case "Component":
      return (await inStage(record.row.stageId)) ? node("Component", record.row) : null;
    case "OutpostLink": {
      if (!(await mayRead(record.row.projectId)) || !record.row.outpostId) return null;
      const outpost = await loaders.outpostById.load(record.row.outpostId);
      return node("OutpostLink", outpost && getLink(record.row, outpost));
    }
    case "Outpost":
      return can(actor, "outpost.manage", undefined) ? node("Outpost", await loaders.outpostById.load(record.row.id)) : null;
    case "User":
      return actor.userId === record.row.id || can(actor, "user.manage", undefined) ? node("User", toUser(record.row)) : null;
    case "AccessKey": {
      const { row } = record;
      if (!can(actor, "accessKey.manage", { ownerId: row.userId, write: false, key: row.id })) return null;
      const key = {
        id: row.id,
        name: row.name,
        readOnly: row.readOnly,
        enabled: row.revokedAt === null,
        createdAt: row.createdAt,
        lastUsedAt: row.lastUsedAt,
        userId: row.userId,
      };
      return node("AccessKey", key);
    }
    case "Actor":
      // The id is the recorded name itself: it tells nothing its holder does not know. Users only.
      return actor.role === "ADMIN" || actor.role === "MEMBER" ? node("Actor", recordedActor(record.name)) : null;
  }
}
