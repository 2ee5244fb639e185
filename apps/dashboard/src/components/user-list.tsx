"use client";
/**
 * Users (admins): the list, creating a user (email, name, a password of at least 12 characters
 * or none for SSO only, admin or not) and disabling or enabling one. Disabling stops every key
 * and session of the user at once; enabling brings their keys back, not their sessions.
 */
import { useId, useState } from "react";
import { useMutation, useQuery } from "urql";
import {
  DashboardCreateUserDocument,
  DashboardDisableUserDocument,
  DashboardEnableUserDocument,
  DashboardUsersDocument,
  type UserRow,
} from "@/lib/documents";
import { Badge } from "./badges";
import { ConfirmDialog } from "./confirm-dialog";
import { Dialog } from "./dialog";
import { ErrorNote, RowError } from "./errors";
import { ago, utc } from "@/lib/format";
import { useNow } from "@/lib/hooks";

export function UserList() {
  const [{ data, error, fetching }, refetch] = useQuery({ query: DashboardUsersDocument, requestPolicy: "network-only" });
  const [open, setOpen] = useState(false);
  const reload = () => refetch({ requestPolicy: "network-only" });
  const users = data?.users ?? [];
  return (
    <section aria-labelledby="users-title">
      <div className="page-head">
        <h1 id="users-title">Users</h1>
        <button type="button" className="btn btn-primary" onClick={() => setOpen(true)}>
          + NEW USER
        </button>
      </div>
      <ErrorNote error={error} />
      {!data && fetching ? <p className="muted">Loading…</p> : null}
      {users.length ? (
        <div className="table-wrap">
          <table className="table" aria-label="Users">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Email</th>
                <th scope="col">Role</th>
                <th scope="col">Status</th>
                <th scope="col">Created</th>
                <th scope="col">Last seen</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            {users.map((u) => (
              <UserRowView key={u.id} user={u} you={u.id === data?.me.id} onChanged={reload} />
            ))}
          </table>
        </div>
      ) : null}
      <Dialog title="New user" open={open} onClose={() => setOpen(false)}>
        <NewUser
          onCreated={() => {
            setOpen(false);
            reload();
          }}
        />
      </Dialog>
    </section>
  );
}

function UserRowView({ user, you, onChanged }: { user: UserRow; you: boolean; onChanged: () => void }) {
  const now = useNow(10_000);
  const [disable, doDisable] = useMutation(DashboardDisableUserDocument);
  const [enable, doEnable] = useMutation(DashboardEnableUserDocument);
  const [confirming, setConfirming] = useState(false);
  return (
    <tbody data-testid={`user-row-${user.email}`}>
      <tr className={(disable.error ?? enable.error) ? "has-error" : undefined}>
        <td data-label="Name">
          <strong>{user.name}</strong>
          {you ? <span className="chip you">you</span> : null}
        </td>
        <td data-label="Email" className="mono">
          {user.email}
        </td>
        <td data-label="Role">
          <Badge value={user.isAdmin ? "ADMIN" : "MEMBER"} testId="user-role" />
        </td>
        <td data-label="Status">
          <Badge value={user.disabled ? "DISABLED" : "ACTIVE"} testId="user-status" />
        </td>
        <td data-label="Created" className="nowrap" title={utc(user.createdAt)}>
          {ago(user.createdAt, now)}
        </td>
        <td data-label="Last seen" className="nowrap" title={utc(user.lastSeenAt)}>
          {ago(user.lastSeenAt, now)}
        </td>
        <td data-label="Actions">
          {user.disabled ? (
            <button
              type="button"
              className="btn btn-small"
              aria-label={`Enable ${user.email}`}
              disabled={enable.fetching}
              onClick={async () => {
                if ((await doEnable({ id: user.id })).data) onChanged();
              }}
            >
              ENABLE
            </button>
          ) : (
            <button
              type="button"
              className="btn btn-small btn-danger"
              aria-label={`Disable ${user.email}`}
              disabled={you || disable.fetching}
              title={you ? "You cannot disable yourself" : undefined}
              onClick={() => setConfirming(true)}
            >
              DISABLE
            </button>
          )}
          <ConfirmDialog
            title="Disable user"
            action="DISABLE"
            open={confirming}
            busy={disable.fetching}
            onClose={() => setConfirming(false)}
            onConfirm={async () => {
              const result = await doDisable({ id: user.id });
              setConfirming(false);
              if (result.data) onChanged();
            }}
          >
            <p>
              Disable <strong>{user.name}</strong> ({user.email})? Every key and session of theirs stops working at once; enabling them
              again brings their keys back, not their sessions.
            </p>
          </ConfirmDialog>
        </td>
      </tr>
      <RowError error={disable.error ?? enable.error} colSpan={7} />
    </tbody>
  );
}

function NewUser({ onCreated }: { onCreated: () => void }) {
  const [email, setEmail] = useState("");
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const [isAdmin, setIsAdmin] = useState(false);
  const ids = { password: useId(), help: useId() };
  const [{ fetching, error }, create] = useMutation(DashboardCreateUserDocument);
  const shortPassword = password !== "" && password.length < 12;
  return (
    <form
      className="stack"
      onSubmit={async (event) => {
        event.preventDefault();
        const result = await create({ email: email.trim(), name: name.trim(), password: password || null, isAdmin });
        if (result.data) onCreated();
      }}
    >
      <label className="field">
        <span>Email</span>
        <input type="email" value={email} onChange={(e) => setEmail(e.target.value)} required autoFocus />
      </label>
      <label className="field">
        <span>Name</span>
        <input value={name} onChange={(e) => setName(e.target.value)} required />
      </label>
      <div className="field">
        <label htmlFor={ids.password}>Password</label>
        <input
          id={ids.password}
          type="password"
          value={password}
          autoComplete="new-password"
          aria-invalid={shortPassword || undefined}
          aria-describedby={ids.help}
          onChange={(e) => setPassword(e.target.value)}
        />
        <p id={ids.help} className={shortPassword ? "field-error" : "hint"}>
          {shortPassword
            ? `At least 12 characters (${password.length} so far).`
            : "At least 12 characters; leave empty for SSO sign-in only."}
        </p>
      </div>
      <label className="check">
        <input type="checkbox" checked={isAdmin} onChange={(e) => setIsAdmin(e.target.checked)} />
        <span>ADMINISTRATOR</span>
      </label>
      <ErrorNote error={error} />
      <div className="actions">
        <button type="submit" className="btn btn-primary" disabled={!email.trim() || !name.trim() || shortPassword || fetching}>
          CREATE
        </button>
      </div>
    </form>
  );
}
