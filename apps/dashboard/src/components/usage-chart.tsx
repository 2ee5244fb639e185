"use client";
/**
 * A time series chart with uPlot: one line per Component, the Stage's deploy markers as
 * vertical lines. The chart is made once and given new data as it comes (live samples).
 */
import { useEffect, useRef } from "react";
import uPlot from "uplot";

export interface ChartSeries {
  name: string;
  /** [unix seconds, value], in time order. */
  points: [number, number][];
}

const COLORS = ["#a78bfa", "#38bdf8", "#22c55e", "#f59e0b", "#ef4444", "#f472b6", "#2dd4bf"];

/** The series on one shared time axis (uPlot's columnar data); a Component without a sample at a time gets null. */
export function alignSeries(series: ChartSeries[]): uPlot.AlignedData {
  const times = [...new Set(series.flatMap((s) => s.points.map(([t]) => t)))].sort((a, b) => a - b);
  const index = new Map(times.map((t, i) => [t, i]));
  const columns = series.map((s) => {
    const column: (number | null)[] = new Array(times.length).fill(null);
    for (const [t, v] of s.points) column[index.get(t)!] = v;
    return column;
  });
  return [times, ...columns] as uPlot.AlignedData;
}

export function UsageChart({
  title,
  series,
  markers,
  format,
  testId,
  window,
}: {
  title: string;
  /** The time shown, [from, to] in unix seconds: the window, whatever the samples cover. */
  window: [number, number];
  series: ChartSeries[];
  /** Unix seconds. */
  markers: { at: number; label: string; failed: boolean }[];
  format: (value: number) => string;
  testId: string;
}) {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot | null>(null);
  const marks = useRef(markers);
  marks.current = markers;
  const shown = useRef(window);
  shown.current = window;
  const names = series.map((s) => s.name).join("\u0000");

  // Made again only when the Components change; otherwise fed new data.
  // biome-ignore lint/correctness/useExhaustiveDependencies: `names` stands for the series' names; the data goes in by setData below.
  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const options: uPlot.Options = {
      width: Math.max(200, element.clientWidth),
      height: 160,
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true, range: () => shown.current } },
      axes: [
        { stroke: "#8c8c9a", grid: { stroke: "#26262f" }, ticks: { stroke: "#26262f" } },
        {
          stroke: "#8c8c9a",
          grid: { stroke: "#26262f" },
          ticks: { stroke: "#26262f" },
          values: (_u, values) => values.map(format),
          size: 70,
        },
      ],
      series: [
        {},
        ...series.map((s, i) => ({
          label: s.name,
          stroke: COLORS[i % COLORS.length],
          width: 1.5,
          value: (_u: uPlot, v: number | null) => (v == null ? "—" : format(v)),
        })),
      ],
      hooks: {
        draw: [
          (u) => {
            const { ctx } = u;
            ctx.save();
            for (const mark of marks.current) {
              const x = u.valToPos(mark.at, "x", true);
              if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
              ctx.strokeStyle = mark.failed ? "#ef4444" : "#a78bfa";
              ctx.setLineDash([4, 3]);
              ctx.beginPath();
              ctx.moveTo(x, u.bbox.top);
              ctx.lineTo(x, u.bbox.top + u.bbox.height);
              ctx.stroke();
              ctx.fillStyle = ctx.strokeStyle;
              ctx.fillText(mark.label, x + 3, u.bbox.top + 10);
            }
            ctx.restore();
          },
        ],
      },
    };
    const plot = new uPlot(options, alignSeries(series), element);
    chart.current = plot;
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(200, element.clientWidth), height: 160 }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.destroy();
      chart.current = null;
    };
  }, [names]);

  useEffect(() => {
    chart.current?.setData(alignSeries(series));
  }, [series]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: new markers are read from the ref when the chart draws.
  useEffect(() => {
    chart.current?.redraw();
  }, [markers]);

  return (
    <figure className="chart" data-testid={testId}>
      <figcaption className="small muted">{title}</figcaption>
      <div ref={box} />
    </figure>
  );
}
