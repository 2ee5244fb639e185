"use client";
/**
 * CONFIG MANAGEMENT: the Stage's Configurations. Changes are staged here ('+ NEW ENTRY' as
 * name/value or an uploaded file, secret or not; removals) and written by 'SAVE' with the
 * version shown as `expectedVersion`, so a concurrent change is a CONFLICT instead of a silent
 * overwrite. Secrets are write-only: the API returns them as null and they show as dots.
 */
import type { ConfigDataKind } from "@pergola/schema";
import { useState } from "react";
import { useMutation } from "urql";
import { DashboardAddConfigDataDocument, DashboardRemoveConfigDataDocument, type ConfigurationView, type StageRow } from "@/lib/documents";
import { ErrorNote } from "./errors";

type Pending = { kind: ConfigDataKind; name: string; value: string; secret: boolean };

export function ConfigManagement({ project, stage }: { project: string; stage: StageRow & { configs?: ConfigurationView[] } }) {
  const configs = stage.configs ?? [];
  const [selected, setSelected] = useState(configs[0]?.name ?? "default");
  const [newName, setNewName] = useState("");
  const [creating, setCreating] = useState(configs.length === 0);
  const name = creating ? newName.trim() || "default" : selected;
  const config = configs.find((c) => c.name === name);
  return (
    <div className="stack">
      <div className="row">
        <label className="field grow">
          <span>Configuration</span>
          <select
            value={creating ? "__new" : selected}
            onChange={(e) => {
              if (e.target.value === "__new") setCreating(true);
              else {
                setCreating(false);
                setSelected(e.target.value);
              }
            }}
          >
            {configs.map((c) => (
              <option key={c.name} value={c.name}>
                {c.name} (v{c.version})
              </option>
            ))}
            <option value="__new">New Configuration…</option>
          </select>
        </label>
        {creating ? (
          <label className="field grow">
            <span>New Configuration name</span>
            <input className="mono" value={newName} placeholder="default" onChange={(e) => setNewName(e.target.value)} />
          </label>
        ) : null}
      </div>
      <ConfigEditor key={`${name}@${config?.version ?? 0}`} project={project} stage={stage.slug} name={name} config={config} />
    </div>
  );
}

function ConfigEditor({
  project,
  stage,
  name,
  config,
}: {
  project: string;
  stage: string;
  name: string;
  config: ConfigurationView | undefined;
}) {
  const [pending, setPending] = useState<Pending[]>([]);
  const [removed, setRemoved] = useState<string[]>([]);
  const [adding, setAdding] = useState(false);
  const [saved, setSaved] = useState<string | null>(null);
  const [add, doAdd] = useMutation(DashboardAddConfigDataDocument);
  const [remove, doRemove] = useMutation(DashboardRemoveConfigDataDocument);
  const version = config?.version ?? 0;
  const dirty = pending.length > 0 || removed.length > 0;

  async function save() {
    let expected = version;
    if (pending.length) {
      const r = await doAdd({
        project,
        stage,
        config: name,
        expectedVersion: expected,
        env: pending.filter((p) => p.kind === "ENV").map((p) => ({ name: p.name, value: p.value, secret: p.secret })),
        files: pending.filter((p) => p.kind === "FILE").map((p) => ({ name: p.name, content: p.value, secret: p.secret })),
      });
      if (!r.data) return;
      expected = r.data.addConfigData.version;
    }
    if (removed.length) {
      const r = await doRemove({ project, stage, config: name, names: removed, expectedVersion: expected });
      if (!r.data) return;
      expected = r.data.removeConfigData.version;
    }
    setSaved(`Saved as version ${expected}. It takes effect with the next Release.`);
  }

  return (
    <div className="stack">
      <p className="muted small">
        {config
          ? `Version ${config.version}, updated ${new Date(config.updatedAt).toLocaleString()}`
          : "Not created yet: SAVE creates version 1."}
      </p>
      <div className="table-wrap">
        <table className="table" aria-label={`Entries of ${name}`}>
          <thead>
            <tr>
              <th scope="col">Kind</th>
              <th scope="col">Name</th>
              <th scope="col">Value</th>
              <th scope="col">
                <span className="sr-only">Remove</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {(config?.data ?? [])
              .filter((d) => !removed.includes(d.name))
              .map((d) => (
                <tr key={`${d.kind}:${d.name}`}>
                  <td data-label="Kind" className="small muted">
                    {d.kind}
                  </td>
                  <td data-label="Name" className="mono">
                    {d.name}
                  </td>
                  <td data-label="Value" className="mono">
                    {d.secret ? (
                      <span className="secret" role="img" aria-label="secret, hidden">
                        ••••••••
                      </span>
                    ) : (
                      truncate(d.value ?? "")
                    )}
                  </td>
                  <td data-label="Remove">
                    <button
                      type="button"
                      className="btn btn-ghost btn-small"
                      aria-label={`Remove ${d.name}`}
                      onClick={() => setRemoved((r) => [...r, d.name])}
                    >
                      Remove
                    </button>
                  </td>
                </tr>
              ))}
            {pending.map((p, i) => (
              <tr key={`new:${p.kind}:${p.name}`}>
                <td data-label="Kind" className="small muted">
                  {p.kind} · new
                </td>
                <td data-label="Name" className="mono">
                  {p.name}
                </td>
                <td data-label="Value" className="mono">
                  {p.secret ? (
                    <span className="secret" role="img" aria-label="secret, hidden">
                      ••••••••
                    </span>
                  ) : (
                    truncate(p.value)
                  )}
                </td>
                <td data-label="Remove">
                  <button
                    type="button"
                    className="btn btn-ghost btn-small"
                    aria-label={`Discard ${p.name}`}
                    onClick={() => setPending((all) => all.filter((_, j) => j !== i))}
                  >
                    Discard
                  </button>
                </td>
              </tr>
            ))}
            {!config?.data.length && !pending.length ? (
              <tr>
                <td colSpan={4} className="muted">
                  No entries.
                </td>
              </tr>
            ) : null}
          </tbody>
        </table>
      </div>
      {adding ? (
        <NewEntry
          onAdd={(p) => {
            setPending((all) => [...all.filter((x) => !(x.kind === p.kind && x.name === p.name)), p]);
            setAdding(false);
            setSaved(null);
          }}
          onCancel={() => setAdding(false)}
        />
      ) : (
        <div>
          <button type="button" className="btn" onClick={() => setAdding(true)}>
            + NEW ENTRY
          </button>
        </div>
      )}
      <ErrorNote error={add.error ?? remove.error} />
      {saved ? (
        <p role="status" className="hint">
          {saved}
        </p>
      ) : null}
      <div className="actions">
        <button type="button" className="btn btn-primary" disabled={!dirty || add.fetching || remove.fetching} onClick={save}>
          SAVE
        </button>
      </div>
    </div>
  );
}

function NewEntry({ onAdd, onCancel }: { onAdd: (p: Pending) => void; onCancel: () => void }) {
  const [kind, setKind] = useState<ConfigDataKind>("ENV");
  const [name, setName] = useState("");
  const [value, setValue] = useState("");
  const [secret, setSecret] = useState(false);
  const nameOk = kind === "ENV" ? /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) : name.trim() !== "" && !name.split("/").includes("..");
  return (
    <fieldset className="card stack">
      <legend className="strong">New entry</legend>
      <div className="row">
        <label className="field">
          <span>Kind</span>
          <select value={kind} onChange={(e) => setKind(e.target.value as ConfigDataKind)}>
            <option value="ENV">Variable</option>
            <option value="FILE">File</option>
          </select>
        </label>
        <label className="field grow">
          <span>{kind === "ENV" ? "Name" : "File path"}</span>
          <input
            className="mono"
            value={name}
            onChange={(e) => setName(e.target.value)}
            placeholder={kind === "ENV" ? "GREETING" : "config/app.json"}
            aria-invalid={name && !nameOk ? true : undefined}
          />
        </label>
      </div>
      {kind === "ENV" ? (
        <label className="field">
          <span>Value</span>
          <input
            className="mono"
            type={secret ? "password" : "text"}
            value={value}
            onChange={(e) => setValue(e.target.value)}
            autoComplete="off"
          />
        </label>
      ) : (
        <label className="field">
          <span>Value</span>
          <textarea value={value} onChange={(e) => setValue(e.target.value)} />
        </label>
      )}
      <label className="field">
        <span>Or upload a file</span>
        <input
          type="file"
          onChange={async (e) => {
            const file = e.target.files?.[0];
            if (!file) return;
            setValue(await file.text());
            if (!name) setName(kind === "FILE" ? file.name : file.name.replace(/[^A-Za-z0-9_]/g, "_").toUpperCase());
          }}
        />
      </label>
      <label className="check">
        <input type="checkbox" checked={secret} onChange={(e) => setSecret(e.target.checked)} />
        <span>Secret (write-only: never shown again)</span>
      </label>
      <div className="actions">
        <button type="button" className="btn btn-ghost" onClick={onCancel}>
          Cancel
        </button>
        <button type="button" className="btn" disabled={!nameOk} onClick={() => onAdd({ kind, name: name.trim(), value, secret })}>
          ADD ENTRY
        </button>
      </div>
    </fieldset>
  );
}

function truncate(value: string): string {
  return value.length > 60 ? `${value.slice(0, 60)}…` : value;
}
