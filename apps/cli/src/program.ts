/** The `pergola` command tree: `pergola <verb> <noun> [args] [options]`. */
import { Command } from "commander";
import { addGlobalOptions, examples } from "./command.js";
import { registerAccessKeys } from "./commands/access-keys.js";
import { registerBuilds } from "./commands/builds.js";
import { registerCompletion } from "./commands/completion.js";
import { registerComponents } from "./commands/components.js";
import { registerConfigs } from "./commands/configs.js";
import { registerMcp } from "./commands/mcp.js";
import { registerMembers } from "./commands/members.js";
import { registerOutposts } from "./commands/outposts.js";
import { registerProjects } from "./commands/projects.js";
import { registerReleases } from "./commands/releases.js";
import { registerSession } from "./commands/session.js";
import { registerStages } from "./commands/stages.js";
import { registerUsers } from "./commands/users.js";
import { registerWatching } from "./commands/watching.js";
import { registerTop } from "./commands/top.js";
import { registerWebhooks } from "./commands/webhooks.js";
import { registerBackups } from "./commands/backups.js";
import { registerPolicies } from "./commands/policies.js";
import { EXIT_CODE_HELP } from "./exit-codes.js";
import { registerVerbs } from "./groups.js";
import { CLI_VERSION } from "./version.js";

export function createProgram(): Command {
  const program = new Command("pergola")
    .description(
      "The command-line client of Pergola: Projects, Stages, Builds, Releases, Configurations, Components, Outposts, members, users, access keys and webhooks",
    )
    .version(CLI_VERSION, "-v, --version")
    .exitOverride()
    .showHelpAfterError("(add --help for usage)")
    .configureHelp({ sortSubcommands: false });
  addGlobalOptions(program);
  examples(program, [
    "pergola login --endpoint http://127.0.0.1:4000 --email silas@example.com",
    "pergola login --endpoint http://127.0.0.1:4000 --access-key 0b6f…:…",
    "pergola create project my-new-project",
    "pergola create stage my-new-stage --type dev -p my-new-project",
    "pergola list stage -p my-new-project",
    "pergola push build -p my-new-project --dir examples/hello --branch master",
    "pergola push release -p my-new-project -s my-new-stage -b master_b1 --wait",
  ]);
  program.addHelpText(
    "afterAll",
    `\nConfig: $XDG_CONFIG_HOME/pergola/config.json (default ~/.config/pergola/config.json), written by pergola login.\nEnvironment: PERGOLA_ENDPOINT, PERGOLA_ACCESS_KEY override it; --endpoint and --access-key override both.\nPERGOLA_PASSWORD: the password for pergola login --email, for scripts.\n\n${EXIT_CODE_HELP}\n`,
  );
  registerSession(program);
  const verbs = registerVerbs(program);
  registerProjects(verbs);
  registerStages(verbs);
  registerBuilds(verbs);
  registerReleases(verbs);
  registerConfigs(verbs);
  registerComponents(verbs);
  registerOutposts(verbs);
  registerAccessKeys(verbs);
  registerMembers(verbs);
  registerUsers(verbs);
  registerWebhooks(verbs);
  registerBackups(verbs);
  registerPolicies(verbs);
  registerWatching(program, verbs);
  registerTop(program);
  registerMcp(program);
  registerCompletion(program);
  return program;
}
