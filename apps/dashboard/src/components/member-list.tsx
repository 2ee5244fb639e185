"use client";
/**
 * A Project's members. Owners (and admins) add a member by email with a role, change roles and
 * remove members; everyone else sees the list. The API stays the judge: an unknown email, a
 * member added twice or the last owner leaving come back as errors, shown where they happened.
 */
import Link from "next/link";
import { useState } from "react";
import { useMutation, useQuery } from "urql";
import {
  DashboardAddMemberDocument,
  DashboardProjectMembersDocument,
  DashboardRemoveMemberDocument,
  DashboardUpdateMemberDocument,
  type MemberRole,
  type MemberRow,
} from "@/lib/documents";
import { Badge } from "./badges";
import { ConfirmDialog } from "./confirm-dialog";
import { ErrorNote, RowError } from "./errors";
import { ago, utc } from "@/lib/format";
import { useNow } from "@/lib/hooks";

export function MemberList({ project }: { project: string }) {
  const [{ data, error, fetching }, refetch] = useQuery({
    query: DashboardProjectMembersDocument,
    variables: { project },
    requestPolicy: "network-only",
  });
  const reload = () => refetch({ requestPolicy: "network-only" });
  if (data && !data.project)
    return (
      <p role="alert" className="error">
        No Project “{project}”, or you are not one of its members.
      </p>
    );
  const members = data?.project?.members ?? [];
  const mine = members.find((m) => m.user.id === data?.me.id);
  const canManage = Boolean(data?.me.isAdmin || mine?.role === "OWNER");
  const name = data?.project?.name ?? project;
  return (
    <section aria-labelledby="members-title">
      <nav aria-label="Breadcrumb" className="crumbs">
        <Link href="/">Projects</Link> / <Link href={`/projects/${project}`}>{name}</Link> / <span>Members</span>
      </nav>
      <div className="page-head">
        <h1 id="members-title">
          {name} <span className="muted">· Members</span>
        </h1>
      </div>
      <ErrorNote error={error} />
      {!data && fetching ? <p className="muted">Loading…</p> : null}
      {data?.project && canManage ? <AddMember project={project} onAdded={reload} /> : null}
      {data?.project && !canManage ? (
        <p className="hint" data-testid="members-read-only">
          Only the Project’s owners (and admins) can add, change or remove members.
        </p>
      ) : null}
      {members.length ? (
        <div className="table-wrap top-gap">
          <table className="table" aria-label="Members">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Email</th>
                <th scope="col">Role</th>
                <th scope="col">Added</th>
                {canManage ? (
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                ) : null}
              </tr>
            </thead>
            {members.map((m) => (
              <MemberRowView
                key={m.user.id}
                project={project}
                member={m}
                you={m.user.id === data?.me.id}
                canManage={canManage}
                onChanged={reload}
              />
            ))}
          </table>
        </div>
      ) : null}
    </section>
  );
}

function AddMember({ project, onAdded }: { project: string; onAdded: () => void }) {
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<MemberRole>("MEMBER");
  const [{ fetching, error }, add] = useMutation(DashboardAddMemberDocument);
  return (
    <form
      className="panel"
      aria-label="Add a member"
      onSubmit={async (event) => {
        event.preventDefault();
        const result = await add({ project, email: email.trim(), role });
        if (!result.data) return;
        setEmail("");
        setRole("MEMBER");
        onAdded();
      }}
    >
      <div className="inline-form">
        <label className="field grow">
          <span>Email</span>
          <input type="email" value={email} onChange={(e) => setEmail(e.target.value)} placeholder="name@example.com" required />
        </label>
        <label className="field">
          <span>Role</span>
          <select value={role} onChange={(e) => setRole(e.target.value as MemberRole)}>
            <option value="MEMBER">MEMBER</option>
            <option value="OWNER">OWNER</option>
          </select>
        </label>
        <button type="submit" className="btn btn-primary" disabled={!email.trim() || fetching}>
          + ADD MEMBER
        </button>
      </div>
      <p className="hint top-gap">
        The user must exist: admins create users on the Users page. OWNER: manages the members and may delete the Project.
      </p>
      {error ? (
        <div className="top-gap">
          <ErrorNote error={error} />
        </div>
      ) : null}
    </form>
  );
}

function MemberRowView({
  project,
  member,
  you,
  canManage,
  onChanged,
}: {
  project: string;
  member: MemberRow;
  you: boolean;
  canManage: boolean;
  onChanged: () => void;
}) {
  const now = useNow(10_000);
  const [update, doUpdate] = useMutation(DashboardUpdateMemberDocument);
  const [remove, doRemove] = useMutation(DashboardRemoveMemberDocument);
  const [confirming, setConfirming] = useState(false);
  const email = member.user.email;
  return (
    <tbody data-testid={`member-row-${email}`}>
      <tr className={(update.error ?? remove.error) ? "has-error" : undefined}>
        <td data-label="Name">
          <strong>{member.user.name}</strong>
          {you ? <span className="chip you">you</span> : null}
        </td>
        <td data-label="Email" className="mono">
          {email}
        </td>
        <td data-label="Role">
          {canManage ? (
            <select
              aria-label={`Role of ${email}`}
              value={member.role}
              disabled={update.fetching}
              onChange={async (e) => {
                if ((await doUpdate({ project, email, role: e.target.value as MemberRole })).data) onChanged();
              }}
            >
              <option value="MEMBER">MEMBER</option>
              <option value="OWNER">OWNER</option>
            </select>
          ) : (
            <Badge value={member.role} testId="member-role" />
          )}
        </td>
        <td data-label="Added" className="nowrap" title={utc(member.addedAt)}>
          {ago(member.addedAt, now)}
        </td>
        {canManage ? (
          <td data-label="Actions">
            <button
              type="button"
              className="btn btn-small btn-danger"
              aria-label={`Remove ${email}`}
              disabled={remove.fetching}
              onClick={() => setConfirming(true)}
            >
              REMOVE
            </button>
            <ConfirmDialog
              title="Remove member"
              action="REMOVE"
              open={confirming}
              busy={remove.fetching}
              onClose={() => setConfirming(false)}
              onConfirm={async () => {
                const result = await doRemove({ project, email });
                setConfirming(false);
                if (result.data?.removeMember) onChanged();
              }}
            >
              <p>
                Remove <strong>{member.user.name}</strong> ({email}) from the Project?{" "}
                {you ? "You will no longer see it." : "They will no longer see it."}
              </p>
            </ConfirmDialog>
          </td>
        ) : null}
      </tr>
      <RowError error={update.error ?? remove.error} colSpan={canManage ? 5 : 4} />
    </tbody>
  );
}
