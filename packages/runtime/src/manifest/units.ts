/** Sizes, CPU amounts and durations as people write them in a manifest. */

const SIZE_UNITS: Record<string, number> = {
  "": 1,
  k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** A Kubernetes-style quantity of bytes (`500Mi`, `1Gi`, `10G`, `1.5Gi`), in bytes; undefined if it is not one or not positive. */
export function parseSize(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/.exec(text.trim());
  if (!match) return undefined;
  const bytes = Math.round(Number(match[1]) * SIZE_UNITS[match[2] ?? ""]!);
  return bytes > 0 ? bytes : undefined;
}

/** CPU as Kubernetes writes it: cores (`1`, `0.5`) or millicores (`500m`). */
export function isCpuAmount(text: string): boolean {
  const match = /^(\d+(?:\.\d+)?)(m?)$/.exec(text.trim());
  return match !== null && Number(match[1]) > 0;
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A duration such as `10s`, `500ms`, `1m30s`, `1.5s`, in milliseconds; undefined if it is not one. */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (!/^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/.test(trimmed)) return undefined;
  let ms = 0;
  for (const [, amount, unit] of trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) {
    ms += Number(amount) * DURATION_UNITS[unit!]!;
  }
  return Math.round(ms);
}
