/** The verbs: `pergola <verb> <noun>`. Each verb is a group whose nouns are the leaves. */
import type { Command } from "commander";
import { examples } from "./command.js";

export interface Verbs {
  create: Command;
  list: Command;
  get: Command;
  update: Command;
  delete: Command;
  restore: Command;
  purge: Command;
  suspend: Command;
  resume: Command;
  restart: Command;
  stop: Command;
  start: Command;
  run: Command;
  validate: Command;
  push: Command;
  promote: Command;
  rollback: Command;
  add: Command;
  remove: Command;
  logs: Command;
  rotate: Command;
  watch: Command;
  disable: Command;
  enable: Command;
}

const VERBS: [keyof Verbs, string, string][] = [
  [
    "create",
    "Create a project, stage, outpost, access key, user, webhook or backup",
    "pergola create stage my-new-stage --type dev -p my-new-project",
  ],
  [
    "list",
    "List projects, stages, builds, releases, configs, config-data, components, outposts, access keys, members, users, webhooks, backups or stage policies",
    "pergola list stage -p my-new-project",
  ],
  ["get", "Show one outpost in detail", "pergola get outpost factory-berlin"],
  [
    "update",
    "Change a stage, a member's role, a webhook or a stage policy",
    "pergola update stage my-new-stage -p my-new-project --type qa",
  ],
  [
    "delete",
    "Delete (archive) a project or a stage; delete an outpost, an access key or a webhook",
    "pergola delete stage my-new-stage -p my-new-project",
  ],
  [
    "restore",
    "Restore an archived (deleted) project or stage, as it was, or a backup into its suspended stage",
    "pergola restore stage my-new-stage -p my-new-project",
  ],
  ["purge", "Remove an archived stage for good", "pergola purge stage my-new-stage -p my-new-project"],
  ["suspend", "Suspend a stage", "pergola suspend stage my-new-stage -p my-new-project"],
  ["resume", "Resume a stage", "pergola resume stage my-new-stage -p my-new-project"],
  ["restart", "Restart a component (a service): a new process", "pergola restart component web -p my-new-project -s my-new-stage"],
  [
    "stop",
    "Stop a component (a service); it stays stopped until started or a new release",
    "pergola stop component web -p my-new-project -s my-new-stage",
  ],
  ["start", "Start a stopped component", "pergola start component web -p my-new-project -s my-new-stage"],
  ["run", "Run a job or a cron job now", "pergola run job migrate -p my-new-project -s my-new-stage"],
  ["validate", "Validate a manifest or an outpost URI", "pergola validate manifest examples/hello/pergola.yaml"],
  ["push", "Push a build or a release", "pergola push build -p my-new-project --dir examples/hello"],
  ["promote", "Promote the release of one stage to another", "pergola promote release -p my-new-project --from dev --to qa"],
  ["rollback", "Redeploy a stage's previous build", "pergola rollback stage -p my-new-project -s my-new-stage"],
  ["add", "Add config-data or a member", "pergola add config-data -p my-new-project -s my-new-stage --env GREETING=hello"],
  ["remove", "Remove config-data or a member", "pergola remove config-data -p my-new-project -s my-new-stage --env GREETING"],
  ["logs", "Show a component's output", "pergola logs component web -p my-new-project -s my-new-stage --follow"],
  ["rotate", "Rotate an outpost's agent token", "pergola rotate outpost-token factory-berlin"],
  ["watch", "Watch stages and the fleet's health live", "pergola watch health"],
  ["disable", "Disable an access key or a user (their credentials stop at once)", "pergola disable access-key 0b6f2c1e-…"],
  ["enable", "Enable an access key or a user again", "pergola enable user silas@example.com"],
];

export function registerVerbs(program: Command): Verbs {
  const verbs = {} as Verbs;
  for (const [name, description, example] of VERBS) {
    verbs[name] = examples(program.command(name).description(description), [example]);
  }
  return verbs;
}
