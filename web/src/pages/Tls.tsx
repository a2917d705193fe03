import { useState } from 'react';
import { api, ApiError, type Problem } from '../api';
import { useLoad, ErrorLine } from '../util';

interface PolicyInfo {
  fields: { default?: string; policies: Record<string, Record<string, number | string | null>> };
  editable: string[];
  versions: Array<{ version: number; appliedAt: string; source: string }>;
}
interface Score {
  policy: string;
  score: number | null;
  condition: string;
  verdict: string;
  certificate: {
    score: number | null;
    dimensions: Array<{ dimension: string; raw: unknown; score: number | null; weight: number }>;
  };
  address: {
    score: number | null;
    dimensions: Array<{ dimension: string; raw: unknown; score: number | null; weight: number }>;
  };
  reputation: {
    score: number | null;
    dimensions: Array<{ dimension: string; raw: unknown; score: number | null; weight: number }>;
  };
}

export function Tls({ admin }: { admin: boolean }) {
  const { data, error, reload } = useLoad<PolicyInfo>('/api/tls/policy');
  const [edits, setEdits] = useState<Record<string, string>>({});
  const [problems, setProblems] = useState<Problem[]>([]);
  const [msg, setMsg] = useState<string>();
  const [hs, setHs] = useState({
    src: '192.168.1.20',
    dst: '93.184.216.34',
    sni: 'example.com',
    version: 'TLS 1.2',
  });
  const [score, setScore] = useState<Score>();
  const typed = () =>
    Object.fromEntries(
      Object.entries(edits).map(([k, v]) => [
        k,
        k.endsWith('.op') || Number.isNaN(Number(v)) || v.trim() === '' ? v : Number(v),
      ]),
    );
  const run = async (kind: 'validate' | 'save' | 'whatif') => {
    try {
      if (kind === 'validate') {
        const r = await api<{ ok: boolean; problems: Problem[] }>('POST', '/api/tls/policy/validate', {
          edits: typed(),
        });
        setProblems(r.problems);
        setMsg(r.ok ? 'The edited policy is valid.' : `${r.problems.length} problems`);
      } else if (kind === 'save') {
        const r = await api<{ version: number }>('PUT', '/api/tls/policy', { edits: typed() });
        setProblems([]);
        setEdits({});
        setMsg(`Saved as policy version ${r.version}.`);
        reload();
      } else {
        setScore(await api<Score>('POST', '/api/tls/whatif', { edits: typed(), handshake: hs }));
        setProblems([]);
        setMsg(undefined);
      }
    } catch (e) {
      const a = e as ApiError;
      setProblems(a.problems.map((p) => ({ ...p, path: p.path.replace(/^body\.edits\./, '') })));
      setMsg(a.message);
    }
  };
  if (!data) return <ErrorLine error={error} />;
  return (
    <div>
      {Object.entries(data.fields.policies).map(([name, fields]) => (
        <section className="panel" key={name} aria-labelledby={`pol-${name}`}>
          <h3 id={`pol-${name}`}>
            Policy {name}
            {data.fields.default === name ? ' (default)' : ''}
          </h3>
          {data.editable.map((f) => {
            const path = `policies.${name}.${f}`;
            const mine = problems.filter(
              (p) =>
                p.path === path ||
                p.path.startsWith(`${path}.`) ||
                (f.startsWith('weights') && p.path === `policies.${name}.weights`),
            );
            const id = `f-${name}-${f.replace('.', '-')}`;
            return (
              <div className="field" key={f}>
                <label htmlFor={id}>{f}</label>
                <input
                  id={id}
                  value={edits[path] ?? String(fields[f] ?? '')}
                  disabled={!admin}
                  aria-invalid={mine.length > 0}
                  aria-describedby={mine.length ? `${id}-err` : undefined}
                  onChange={(e) => setEdits({ ...edits, [path]: e.target.value })}
                />
                {mine.length > 0 && (
                  <span className="error" id={`${id}-err`}>
                    {mine.map((p) => p.message).join('; ')}
                  </span>
                )}
              </div>
            );
          })}
        </section>
      ))}
      {problems
        .filter((p) => !p.path.startsWith('policies.'))
        .map((p) => (
          <p className="error" key={p.path + p.message}>
            {p.path}: {p.message}
          </p>
        ))}
      <button type="button" onClick={() => void run('validate')}>
        Validate
      </button>
      <button type="button" disabled={!admin} onClick={() => void run('save')}>
        Save as new version
      </button>
      {msg && <p role="status">{msg}</p>}
      <section className="panel" aria-labelledby="whatif">
        <h3 id="whatif">What-if: score a handshake under the edited policy</h3>
        {(['src', 'dst', 'sni', 'version'] as const).map((k) => (
          <div className="field" key={k}>
            <label htmlFor={`hs-${k}`}>Handshake {k}</label>
            <input id={`hs-${k}`} value={hs[k]} onChange={(e) => setHs({ ...hs, [k]: e.target.value })} />
          </div>
        ))}
        <button type="button" onClick={() => void run('whatif')}>
          Score
        </button>
        {score && (
          <div data-testid="whatif-result">
            <p>
              Policy {score.policy}: F = {score.score ?? 'n/a'}, needs {score.condition} →{' '}
              <strong>{score.verdict}</strong>
            </p>
            <ul>
              {(['certificate', 'address', 'reputation'] as const).map((g) => (
                <li key={g}>
                  {g}: {score[g].score ?? 'n/a'} —{' '}
                  {score[g].dimensions
                    .map(
                      (d) =>
                        `${d.dimension} ${d.raw === null ? '—' : String(d.raw)} (${d.score ?? 'n/a'}×${d.weight})`,
                    )
                    .join(', ')}
                </li>
              ))}
            </ul>
          </div>
        )}
      </section>
      <section className="panel">
        <h3>Stored versions</h3>
        <ul>
          {data.versions.map((v) => (
            <li key={v.version}>
              v{v.version} {v.appliedAt} ({v.source})
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}
