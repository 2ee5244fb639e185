"use client";
/**
 * "+ NEW STAGE": Name, Type, the Stage ID derived as you type (editable), and for an Outpost
 * Stage its URI, validated by the API before CREATE is enabled. A taken ID shows on the field as
 * the user types (the Project's Stages read again once typing pauses, the free ID suggested by
 * the API's own rule); the API stays the judge: its CONFLICT on CREATE, with its `suggestion`,
 * shows the same way.
 */
import { useRouter } from "next/navigation";
import { useEffect, useId, useState } from "react";
import { useClient, useMutation } from "urql";
import {
  DashboardCreateStageDocument,
  DashboardProjectStagesDocument,
  DashboardValidateOutpostUriDocument,
  type OutpostValidationResult,
  type StageType,
} from "@/lib/documents";
import { Badge } from "./badges";
import { Dialog } from "./dialog";
import { errorMessage } from "./errors";
import { formatLabel } from "@/lib/labels";
import { deriveSlug, slugProblem, suggestFreeSlug } from "@/lib/slug";

/** How long typing must pause before the Project's Stage IDs are read again. */
const CHECK_DELAY_MS = 250;

export function NewStageDialog({ project, open, onClose }: { project: string; open: boolean; onClose: () => void }) {
  return (
    <Dialog title="New Stage" open={open} onClose={onClose}>
      <NewStageForm project={project} onClose={onClose} />
    </Dialog>
  );
}

function NewStageForm({ project, onClose }: { project: string; onClose: () => void }) {
  const router = useRouter();
  const client = useClient();
  const ids = { slug: useId(), slugHelp: useId(), uri: useId(), uriHelp: useId() };
  const [name, setName] = useState("");
  const [type, setType] = useState<StageType>("DEV");
  const [slug, setSlug] = useState("");
  const [slugEdited, setSlugEdited] = useState(false);
  const [slugError, setSlugError] = useState<{ message: string; suggestion?: string } | null>(null);
  const [taken, setTaken] = useState<{ slug: string; suggestion: string } | null>(null);
  const [isOutpost, setIsOutpost] = useState(false);
  const [uri, setUri] = useState("");
  const [validation, setValidation] = useState<{ uri: string; result: OutpostValidationResult } | null>(null);
  const [validating, setValidating] = useState(false);
  const [formError, setFormError] = useState<string | null>(null);
  const [{ fetching }, createStage] = useMutation(DashboardCreateStageDocument);

  const effectiveSlug = slugEdited ? slug : deriveSlug(name);
  const localSlugProblem = name.trim() ? slugProblem(effectiveSlug) : undefined;
  const outpostValid = !isOutpost || (validation !== null && validation.uri === uri.trim() && validation.result.valid);
  const takenNow = taken?.slug === effectiveSlug ? taken : null;
  const idError =
    slugError ??
    (takenNow
      ? {
          message: `Stage ID "${takenNow.slug}" is taken in this Project; "${takenNow.suggestion}" is free.`,
          suggestion: takenNow.suggestion,
        }
      : null);
  const canCreate = name.trim() !== "" && !localSlugProblem && !idError && outpostValid && !fetching;

  useEffect(() => {
    if (!effectiveSlug || slugProblem(effectiveSlug)) return undefined;
    let current = true;
    const timer = setTimeout(async () => {
      const result = await client.query(DashboardProjectStagesDocument, { project }, { requestPolicy: "network-only" }).toPromise();
      if (!current || !result.data?.project) return;
      const slugs = new Set(result.data.project.stages.map((s) => s.slug));
      setTaken(slugs.has(effectiveSlug) ? { slug: effectiveSlug, suggestion: suggestFreeSlug(effectiveSlug, slugs) } : null);
    }, CHECK_DELAY_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [client, project, effectiveSlug]);

  function takeSuggestion(suggestion: string) {
    setSlug(suggestion);
    setSlugEdited(true);
    setSlugError(null);
  }

  async function validate() {
    setValidating(true);
    const result = await client
      .query(DashboardValidateOutpostUriDocument, { uri: uri.trim() }, { requestPolicy: "network-only" })
      .toPromise();
    setValidating(false);
    if (result.data) setValidation({ uri: uri.trim(), result: result.data.validateOutpostUri });
    else setFormError(errorMessage(result.error) ?? "Validation failed.");
  }

  return (
    <form
      className="stack"
      noValidate
      onSubmit={async (event) => {
        event.preventDefault();
        if (!canCreate) return;
        setFormError(null);
        const result = await createStage({
          project,
          name: name.trim(),
          type,
          slug: effectiveSlug,
          outpostUri: isOutpost ? uri.trim() : null,
        });
        if (result.data) {
          onClose();
          router.push(`/projects/${project}/stages/${result.data.createStage.slug}`);
          return;
        }
        const err = result.error?.graphQLErrors[0];
        const ext = (err?.extensions ?? {}) as { code?: string; field?: string; suggestion?: string };
        if (err && (ext.field === "slug" || (ext.code === "CONFLICT" && ext.suggestion))) {
          setSlugError({ message: err.message, suggestion: ext.suggestion });
        } else setFormError(errorMessage(result.error) ?? "The Stage was not created.");
      }}
    >
      <label className="field">
        <span>Name</span>
        <input
          value={name}
          autoFocus
          required
          onChange={(e) => {
            setName(e.target.value);
            setSlugError(null);
          }}
        />
      </label>
      <label className="field">
        <span>Type</span>
        <select value={type} onChange={(e) => setType(e.target.value as StageType)}>
          <option value="DEV">DEV</option>
          <option value="QA">QA</option>
          <option value="PROD">PROD</option>
        </select>
      </label>
      <div className="field">
        <label htmlFor={ids.slug}>Stage ID</label>
        <input
          id={ids.slug}
          className="mono"
          value={effectiveSlug}
          aria-invalid={idError || localSlugProblem ? true : undefined}
          aria-describedby={ids.slugHelp}
          onChange={(e) => {
            setSlug(e.target.value);
            setSlugEdited(true);
            setSlugError(null);
          }}
        />
        <p
          id={ids.slugHelp}
          className={idError || localSlugProblem ? "field-error" : "hint"}
          data-testid="stage-id-message"
          aria-live="polite"
        >
          {idError
            ? idError.message
            : localSlugProblem
              ? `Stage ID ${localSlugProblem}`
              : "Derived from the name; a DNS label, fixed for life."}
          {idError?.suggestion ? (
            <>
              {" "}
              <button type="button" className="link-button" onClick={() => takeSuggestion(idError.suggestion!)}>
                Use {idError.suggestion}
              </button>
            </>
          ) : null}
        </p>
      </div>
      <label className="check">
        <input type="checkbox" checked={isOutpost} onChange={(e) => setIsOutpost(e.target.checked)} />
        <span>THIS STAGE IS AN OUTPOST</span>
      </label>
      {isOutpost ? (
        <div className="field">
          <label htmlFor={ids.uri}>Outpost URI</label>
          <div className="row">
            <input
              id={ids.uri}
              className="mono grow"
              placeholder="outpost://factory-berlin"
              value={uri}
              aria-describedby={ids.uriHelp}
              onChange={(e) => setUri(e.target.value)}
            />
            <button type="button" className="btn" disabled={!uri.trim() || validating} onClick={validate}>
              {validating ? "Validating…" : "VALIDATE"}
            </button>
          </div>
          <div id={ids.uriHelp} aria-live="polite">
            {validation && validation.uri === uri.trim() ? (
              <OutpostValidationView result={validation.result} />
            ) : (
              <p className="hint">Validate the URI to create the Stage on it.</p>
            )}
          </div>
        </div>
      ) : null}
      {formError ? (
        <p role="alert" className="error">
          {formError}
        </p>
      ) : null}
      <div className="actions">
        <button type="button" className="btn btn-ghost" onClick={onClose}>
          Cancel
        </button>
        <button type="submit" className="btn btn-primary" disabled={!canCreate}>
          CREATE
        </button>
      </div>
    </form>
  );
}

function OutpostValidationView({ result }: { result: OutpostValidationResult }) {
  const o = result.outpost;
  return (
    <div className={result.valid ? "validation ok" : "validation bad"} data-testid="outpost-validation">
      <p className="strong">{result.valid ? "✓ Valid Outpost" : "✗ Not a usable Outpost"}</p>
      {o ? (
        <dl className="facts">
          <dt>Outpost</dt>
          <dd>{o.name}</dd>
          <dt>Description</dt>
          <dd>{o.description ?? "—"}</dd>
          <dt>Region</dt>
          <dd>{o.region ?? "—"}</dd>
          <dt>Labels</dt>
          <dd>
            {o.labelEntries?.length
              ? o.labelEntries.map((l) => (
                  <span key={l.key} className="chip">
                    {formatLabel(l)}
                  </span>
                ))
              : "—"}
          </dd>
          <dt>Agent version</dt>
          <dd>{o.agentVersion ?? "—"}</dd>
          <dt>Status</dt>
          <dd>
            <Badge value={o.status} />
          </dd>
        </dl>
      ) : null}
      {result.problems.length ? (
        <ul className="problems">
          {result.problems.map((p) => (
            <li key={p.code} className={p.warning ? "warn" : "bad"}>
              <span className="mono">{p.code}</span> {p.message}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
