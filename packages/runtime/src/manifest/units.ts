/** Sizes and CPU amounts as people write them in a manifest (durations: `parseDuration` of @pergola/schema/time). */

const SIZE_UNITS: Record<string, number> = {
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
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
