/**
 * Problems and where they are. A path names a place in the manifest as its author wrote it:
 * keys as written (`config-ref`, not `configRef`), indexes in brackets —
 * `components[2].env[0].config-ref`. The empty path means the manifest as a whole.
 */

export interface Problem {
  path: string;
  message: string;
}

export type PathPart = string | number;

export function formatPath(parts: readonly PathPart[]): string {
  let path = "";
  for (const part of parts) {
    if (typeof part === "number") path += `[${part}]`;
    else path += path === "" ? part : `.${part}`;
  }
  return path;
}

/** `components[2].scheduled: not a cron expression`; a problem of the whole manifest is its message alone. */
export function formatProblem(problem: Problem): string {
  return problem.path === "" ? problem.message : `${problem.path}: ${problem.message}`;
}

/**
 * Collects the problems of one validation, each at a path. Validation never stops at the
 * first problem: every check reports into the same list, so the author fixes them all at once.
 */
export class Scope {
  constructor(
    private readonly problems: Problem[],
    readonly parts: readonly PathPart[] = [],
  ) {}

  at(...parts: PathPart[]): Scope {
    return new Scope(this.problems, [...this.parts, ...parts]);
  }

  get path(): string {
    return formatPath(this.parts);
  }

  report(message: string): void {
    this.problems.push({ path: this.path, message });
  }

  /** How many problems were reported so far, by any scope of this validation. */
  get count(): number {
    return this.problems.length;
  }
}

/** The known key a mistyped one most likely meant (`comand` → `command`, `configRef` → `config-ref`). */
export function suggestKey(key: string, known: readonly string[]): string | undefined {
  const squash = (text: string) => text.toLowerCase().replace(/[-_]/g, "");
  const exact = known.find((candidate) => squash(candidate) === squash(key));
  if (exact) return exact;
  // A typo rarely hits the first letter; requiring it keeps `gpu` from suggesting `cpu`.
  const limit = key.length <= 4 ? 1 : 2;
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of known) {
    if (candidate[0] !== key[0]?.toLowerCase()) continue;
    const distance = levenshtein(key.toLowerCase(), candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function levenshtein(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
    }
    previous = current;
  }
  return previous[b.length]!;
}
