import type { CombinedError } from "urql";

/** The first GraphQL error's message, or the network failure's. */
export function errorMessage(error: CombinedError | undefined | null): string | undefined {
  if (!error) return undefined;
  return error.graphQLErrors[0]?.message ?? (error.networkError ? "The API cannot be reached." : error.message);
}

export function ErrorNote({ error }: { error: CombinedError | undefined | null }) {
  const message = errorMessage(error);
  return message ? (
    <p role="alert" className="error">
      {message}
    </p>
  ) : null;
}

/** A table row's error, on a full-width row under it (the row and this one share a <tbody>). */
export function RowError({ error, colSpan }: { error: CombinedError | undefined | null; colSpan: number }) {
  const message = errorMessage(error);
  return message ? (
    <tr className="row-error">
      <td colSpan={colSpan}>
        <p role="alert" className="error">
          {message}
        </p>
      </td>
    </tr>
  ) : null;
}
