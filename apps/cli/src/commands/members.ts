/** `add member`, `list member`, `update member`, `remove member`: who may work in a Project, and as what. */
import { isOneOf, MEMBER_ROLES, type MemberRole } from "@pergola/schema";
import type { Command } from "commander";
import { CliAddMemberDocument, CliListMembersDocument, CliRemoveMemberDocument, CliUpdateMemberDocument } from "../documents.js";
import { leaf, projectOption } from "../command.js";
import { badInput, CliError } from "../errors.js";
import { ExitCode } from "../exit-codes.js";
import type { Verbs } from "../groups.js";
import { ago, lower, print, renderTable } from "../output.js";

/** `owner` / `member` (any case) → the API's enum. */
export function parseRole(value: string): MemberRole {
  const role = value.toUpperCase();
  if (isOneOf(MEMBER_ROLES, role)) return role;
  throw badInput(`--role ${value}: choose owner or member`);
}

const ROLE_HELP = "owner (manages the members, may delete the Project) or member";

export function registerMembers(verbs: Verbs): void {
  leaf(
    verbs.add,
    "member <email>",
    "Add a user to a Project (owners and admins); the user must exist (admins create users)",
    ["pergola add member silas@example.com -p my-new-project", "pergola add member ana@example.com -p my-new-project --role owner"],
    (cmd: Command) => projectOption(cmd.alias("members")).option("--role <role>", `${ROLE_HELP}; default member`, "member"),
    async (ctx, email) => {
      const { addMember } = await ctx.client.request(CliAddMemberDocument, {
        project: ctx.opts.project,
        email: email!,
        role: parseRole(ctx.opts.role),
      });
      print(ctx.format, addMember, () => `${addMember.user.email} added to ${ctx.opts.project} as ${lower(addMember.role)}`);
    },
  );

  leaf(
    verbs.list,
    "member",
    "List a Project's members and their roles",
    ["pergola list member -p my-new-project", "pergola list members -p my-new-project -o json"],
    (cmd: Command) => projectOption(cmd.alias("members")),
    async (ctx) => {
      const { project } = await ctx.client.request(CliListMembersDocument, { project: ctx.opts.project });
      if (!project) throw new CliError(`not found: Project "${ctx.opts.project}"`, ExitCode.NOT_FOUND);
      print(ctx.format, project.members, () =>
        renderTable(
          ["email", "name", "role", "added"],
          project.members.map((m) => [m.user.email, m.user.name, lower(m.role), ago(m.addedAt)]),
          `members (${project.slug})`,
        ),
      );
    },
  );

  leaf(
    verbs.update,
    "member <email>",
    "Change a member's role (owners and admins); the last owner stays an owner (exit 6)",
    ["pergola update member silas@example.com -p my-new-project --role owner"],
    (cmd: Command) => projectOption(cmd.alias("members")).requiredOption("--role <role>", ROLE_HELP),
    async (ctx, email) => {
      const { updateMember } = await ctx.client.request(CliUpdateMemberDocument, {
        project: ctx.opts.project,
        email: email!,
        role: parseRole(ctx.opts.role),
      });
      print(ctx.format, updateMember, () => `${updateMember.user.email} is now ${lower(updateMember.role)} of ${ctx.opts.project}`);
    },
  );

  leaf(
    verbs.remove,
    "member <email>",
    "Remove a member from a Project (owners and admins; members may remove themselves); the last owner cannot leave (exit 6)",
    ["pergola remove member silas@example.com -p my-new-project"],
    (cmd: Command) => projectOption(cmd.alias("members")),
    async (ctx, email) => {
      const { removeMember } = await ctx.client.request(CliRemoveMemberDocument, { project: ctx.opts.project, email: email! });
      print(ctx.format, { removed: removeMember, email, project: ctx.opts.project }, () => `${email} removed from ${ctx.opts.project}`);
    },
  );
}
