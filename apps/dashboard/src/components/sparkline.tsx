/** A Stage's last hour in a few pixels: an SVG line of its CPU, a point a minute. */
export function Sparkline({ points, label, testId }: { points: { at: string; value: number }[]; label: string; testId?: string }) {
  const width = 96;
  const height = 22;
  if (points.length === 0) return <span className="muted small">—</span>;
  const times = points.map((p) => Date.parse(p.at));
  const hourAgo = Date.now() - 3_600_000;
  const t0 = Math.min(hourAgo, ...times);
  const t1 = Math.max(Date.now(), ...times);
  const top = Math.max(...points.map((p) => p.value), 1e-6);
  const xy = points.map((p, i) => {
    const x = ((times[i]! - t0) / (t1 - t0)) * (width - 2) + 1;
    const y = height - 1 - (p.value / top) * (height - 2);
    return `${x.toFixed(1)},${y.toFixed(1)}`;
  });
  return (
    <svg
      className="sparkline"
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label={label}
      data-testid={testId}
    >
      <title>{label}</title>
      <polyline points={xy.join(" ")} fill="none" stroke="var(--accent-2)" strokeWidth="1.5" />
    </svg>
  );
}
