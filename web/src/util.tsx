import { useCallback, useEffect, useRef, useState } from 'react';
import uPlot from 'uplot';
import { get } from './api';

export function useLoad<T>(path: string): {
  data: T | undefined;
  error: string | undefined;
  reload: () => void;
} {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<string>();
  const [n, setN] = useState(0);
  useEffect(() => {
    let live = true;
    get<T>(path)
      .then((d) => live && (setData(d), setError(undefined)))
      .catch((e: Error) => live && setError(e.message));
    return () => {
      live = false;
    };
  }, [path, n]);
  const reload = useCallback(() => setN((x) => x + 1), []);
  return { data, error, reload };
}

export const fmtTime = (ms: number | string): string =>
  new Date(ms).toISOString().replace('T', ' ').slice(0, 19);

export function bytes(n: number): string {
  const u = ['B', 'kB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1000 && i < u.length - 1) {
    n /= 1000;
    i++;
  }
  return `${n.toFixed(i ? 1 : 0)} ${u[i]}`;
}

/** A time-series chart; `label` names it for assistive technology. */
export function Chart(props: {
  label: string;
  x: number[];
  series: Array<{ name: string; values: number[]; color: string }>;
  yFormat?: (v: number) => string;
}) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!ref.current) return;
    const plot = new uPlot(
      {
        width: 520,
        height: 200,
        series: [{}, ...props.series.map((s) => ({ label: s.name, stroke: s.color, width: 2 }))],
        axes: [
          {},
          {
            size: 70,
            ...(props.yFormat ? { values: (_u: uPlot, vals: number[]) => vals.map(props.yFormat!) } : {}),
          },
        ],
      },
      [props.x, ...props.series.map((s) => s.values)],
      ref.current,
    );
    return () => plot.destroy();
  }, [props.x, props.series, props.yFormat]);
  return <figure role="img" aria-label={props.label} ref={ref} style={{ margin: 0 }} />;
}

export function ErrorLine({ error }: { error?: string }) {
  return error ? (
    <p role="alert" className="error">
      {error}
    </p>
  ) : null;
}
