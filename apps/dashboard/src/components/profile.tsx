"use client";
/**
 * Profile: who you are, and your personal access keys. A new key's token is in the create
 * answer only, so it is shown once, in the dialog, with a copy button; the API keeps only its
 * hash. At most two keys may be enabled: a third is the API's CONFLICT, shown in the form.
 */
import { useState } from "react";
import { useMutation, useQuery } from "urql";
import {
  DashboardCreateAccessKeyDocument,
  DashboardDeleteAccessKeyDocument,
  DashboardDisableAccessKeyDocument,
  DashboardEnableAccessKeyDocument,
  DashboardProfileDocument,
  type AccessKeyRow,
} from "@/lib/documents";
import { Badge } from "./badges";
import { ConfirmDialog } from "./confirm-dialog";
import { CopyField } from "./copy-field";
import { Dialog } from "./dialog";
import { ErrorNote, RowError } from "./errors";
import { ago, utc } from "@/lib/format";
import { useNow } from "@/lib/hooks";

export function Profile({ currentKeyId }: { currentKeyId?: string }) {
  const [{ data, error, fetching }, refetch] = useQuery({ query: DashboardProfileDocument, requestPolicy: "network-only" });
  const [creating, setCreating] = useState(false);
  const reload = () => refetch({ requestPolicy: "network-only" });
  const me = data?.me;
  const keys = data?.accessKeys ?? [];
  return (
    <section aria-labelledby="profile-title">
      <div className="page-head">
        <h1 id="profile-title">Profile</h1>
      </div>
      <ErrorNote error={error} />
      {!data && fetching ? <p className="muted">Loading…</p> : null}
      {me ? (
        <div className="panel">
          <dl className="facts" aria-label="You">
            <dt>Name</dt>
            <dd data-testid="profile-name">{me.name}</dd>
            <dt>Email</dt>
            <dd data-testid="profile-email">{me.email}</dd>
            <dt>Role</dt>
            <dd>
              {me.isAdmin ? <Badge value="ADMIN" testId="profile-role" /> : <Badge value="MEMBER" testId="profile-role" />}{" "}
              <span className="muted small">
                {me.isAdmin ? "manages users, Outposts and every Project" : "works in the Projects they are a member of"}
              </span>
            </dd>
            <dt>Member since</dt>
            <dd title={utc(me.createdAt)}>{utc(me.createdAt).slice(0, 10)}</dd>
          </dl>
          {me.readOnly ? (
            <p className="hint top-gap">This browser is signed in with a read-only key: it cannot change anything, keys included.</p>
          ) : null}
        </div>
      ) : null}
      {data ? (
        <>
          <div className="section-head">
            <div>
              <h2 id="keys-title">Access keys</h2>
              <p className="hint">
                For the CLI and scripts (<span className="mono">pergola login --access-key KEY</span>); at most 2 enabled at a time.
              </p>
            </div>
            <button type="button" className="btn btn-primary" onClick={() => setCreating(true)}>
              + CREATE ACCESS KEY
            </button>
          </div>
          {keys.length === 0 ? (
            <div className="empty">
              <h2>No access keys</h2>
              <p className="muted">Create one for the CLI, a script or a wall display (read-only).</p>
            </div>
          ) : (
            <div className="table-wrap">
              <table className="table" aria-labelledby="keys-title">
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Access</th>
                    <th scope="col">Status</th>
                    <th scope="col">Created</th>
                    <th scope="col">Last used</th>
                    <th scope="col">
                      <span className="sr-only">Actions</span>
                    </th>
                  </tr>
                </thead>
                {keys.map((key) => (
                  <KeyRow key={key.id} accessKey={key} current={key.id === currentKeyId} onChanged={reload} />
                ))}
              </table>
            </div>
          )}
        </>
      ) : null}
      <Dialog
        title="New access key"
        open={creating}
        onClose={() => {
          setCreating(false);
          reload();
        }}
      >
        <NewKey
          onCreated={reload}
          onDone={() => {
            setCreating(false);
            reload();
          }}
        />
      </Dialog>
    </section>
  );
}

function KeyRow({ accessKey: key, current, onChanged }: { accessKey: AccessKeyRow; current: boolean; onChanged: () => void }) {
  const now = useNow(10_000);
  const [disable, doDisable] = useMutation(DashboardDisableAccessKeyDocument);
  const [enable, doEnable] = useMutation(DashboardEnableAccessKeyDocument);
  const [del, doDelete] = useMutation(DashboardDeleteAccessKeyDocument);
  const [confirming, setConfirming] = useState(false);
  const busy = disable.fetching || enable.fetching || del.fetching;
  return (
    <tbody data-testid={`key-row-${key.name}`}>
      <tr className={(disable.error ?? enable.error ?? del.error) ? "has-error" : undefined}>
        <td data-label="Name">
          <strong>{key.name}</strong>
          {current ? (
            <span className="chip you" title="This browser is signed in with this key">
              this browser
            </span>
          ) : null}
          <div className="mono small muted">{key.id.slice(0, 8)}…</div>
        </td>
        <td data-label="Access">
          {key.readOnly ? <Badge value="READ_ONLY" label="READ-ONLY" /> : <Badge value="READ_WRITE" label="READ-WRITE" />}
        </td>
        <td data-label="Status">
          <Badge value={key.enabled ? "ENABLED" : "DISABLED"} testId="key-status" />
        </td>
        <td data-label="Created" className="nowrap" title={utc(key.createdAt)}>
          {ago(key.createdAt, now)}
        </td>
        <td data-label="Last used" className="nowrap" title={utc(key.lastUsedAt)}>
          {ago(key.lastUsedAt, now)}
        </td>
        <td data-label="Actions">
          <div className="row">
            {key.enabled ? (
              <button
                type="button"
                className="btn btn-small"
                aria-label={`Disable ${key.name}`}
                disabled={busy}
                onClick={async () => {
                  if ((await doDisable({ id: key.id })).data) onChanged();
                }}
              >
                DISABLE
              </button>
            ) : (
              <button
                type="button"
                className="btn btn-small"
                aria-label={`Enable ${key.name}`}
                disabled={busy}
                onClick={async () => {
                  if ((await doEnable({ id: key.id })).data) onChanged();
                }}
              >
                ENABLE
              </button>
            )}
            <button
              type="button"
              className="btn btn-small btn-danger"
              aria-label={`Delete ${key.name}`}
              disabled={busy}
              onClick={() => setConfirming(true)}
            >
              DELETE
            </button>
          </div>
          <ConfirmDialog
            title="Delete access key"
            action="DELETE"
            open={confirming}
            busy={del.fetching}
            onClose={() => setConfirming(false)}
            onConfirm={async () => {
              const result = await doDelete({ id: key.id });
              setConfirming(false);
              if (result.data?.deleteAccessKey) onChanged();
            }}
          >
            <p>
              Delete <strong>{key.name}</strong> for good? Whatever uses it gets 401 from its next request.
            </p>
            {current ? <p className="error">This browser is signed in with this key: you will be signed out.</p> : null}
          </ConfirmDialog>
        </td>
      </tr>
      <RowError error={disable.error ?? enable.error ?? del.error} colSpan={6} />
    </tbody>
  );
}

function NewKey({ onCreated, onDone }: { onCreated: () => void; onDone: () => void }) {
  const [name, setName] = useState("");
  const [readOnly, setReadOnly] = useState(false);
  const [created, setCreated] = useState<{ token: string; name: string; readOnly: boolean } | null>(null);
  const [{ fetching, error }, create] = useMutation(DashboardCreateAccessKeyDocument);
  if (created) {
    return (
      <div className="stack" data-testid="new-key">
        <p>
          Access key <strong>{created.name}</strong> {created.readOnly ? "(read-only) " : ""}is ready.
        </p>
        <p className="secret-once" role="note">
          Shown once: copy it now. Pergola keeps only its hash and cannot show it again.
        </p>
        <CopyField label="Access key" value={created.token} />
        <div className="actions">
          <button type="button" className="btn btn-primary" onClick={onDone}>
            DONE
          </button>
        </div>
      </div>
    );
  }
  return (
    <form
      className="stack"
      onSubmit={async (event) => {
        event.preventDefault();
        const result = await create({ name: name.trim(), readOnly });
        if (!result.data) return;
        setCreated({ token: result.data.createAccessKey.token, name: result.data.createAccessKey.accessKey.name, readOnly });
        onCreated();
      }}
    >
      <label className="field">
        <span>Name</span>
        <input value={name} onChange={(e) => setName(e.target.value)} placeholder="laptop CLI" required autoFocus />
      </label>
      <label className="check">
        <input type="checkbox" checked={readOnly} onChange={(e) => setReadOnly(e.target.checked)} />
        <span>READ-ONLY</span>
      </label>
      <p className="hint">A read-only key may query and follow everything you can see, and change nothing.</p>
      <ErrorNote error={error} />
      <div className="actions">
        <button type="submit" className="btn btn-primary" disabled={!name.trim() || fetching}>
          CREATE
        </button>
      </div>
    </form>
  );
}
