import { useState } from 'react';
import { ApiError, GENERATE_TIMEOUT_MS, getText } from '../lib/api';
import { generateUrl } from '../lib/generate';

type Kind = 'agreements' | 'file' | 'records';

interface Generator {
  kind: Kind;
  title: string;
  what: string;
  path: string;
  takesMonths: boolean;
}

const GENERATORS: Generator[] = [
  {
    kind: 'agreements',
    title: 'Agreements',
    what: 'the next agreements, published to Kafka (the ingester learns each subscriber and plan)',
    path: '/api/agreements/generate',
    takesMonths: false,
  },
  {
    kind: 'file',
    title: 'Data-record file',
    what: 'the next data-record file in the incoming folder (the importer reads it into Kafka, the ingester sums it)',
    path: '/api/incoming-data-records/generate',
    takesMonths: true,
  },
  {
    kind: 'records',
    title: 'Direct data records',
    what: 'data records written straight into Cassandra (the REST/GraphQL read side; not seen by the ingester)',
    path: '/api/data-records/generate',
    takesMonths: true,
  },
];

type Answer =
  | { kind: Kind; url: string; ok: true; status: number; text: string }
  | { kind: Kind; url: string; ok: false; status: number | null; code: string; message: string; requestId?: string };

export function GeneratePage() {
  const [busy, setBusy] = useState<Kind | null>(null);
  const [answer, setAnswer] = useState<Answer | null>(null);

  const run = async (g: Generator, count: string, months: string | null) => {
    const url = generateUrl(g.path, count, months);
    setBusy(g.kind);
    setAnswer(null);
    try {
      const a = await getText(url, { timeoutMs: GENERATE_TIMEOUT_MS });
      setAnswer({ kind: g.kind, url, ok: true, status: a.status, text: a.body });
    } catch (err) {
      if (err instanceof ApiError) setAnswer({ kind: g.kind, url, ok: false, status: err.status, code: err.code, message: err.message, ...(err.requestId ? { requestId: err.requestId } : {}) });
      else setAnswer({ kind: g.kind, url, ok: false, status: null, code: 'error', message: err instanceof Error ? err.message : String(err) });
    } finally {
      setBusy(null);
    }
  };

  return (
    <section>
      <div className="toolbar">
        <h1>Generate</h1>
        <span className="muted">the README&apos;s walkthrough from the browser: empty fields use the server&apos;s defaults</span>
      </div>
      <div className="generators">
        {GENERATORS.map((g) => (
          <GeneratorCard key={g.kind} generator={g} busy={busy} onRun={(count, months) => void run(g, count, months)} />
        ))}
      </div>
      {busy && <p className="muted">generating… (gives up after {GENERATE_TIMEOUT_MS / 1000} s)</p>}
      {answer?.ok === true && (
        <div className="answer">
          <div className="muted">
            GET {answer.url} → {answer.status}
          </div>
          <pre data-testid="generate-answer">{answer.text}</pre>
        </div>
      )}
      {answer?.ok === false && (
        <div className="error" role="alert" data-testid="generate-error" data-status={answer.status ?? ''} data-code={answer.code}>
          <div>
            GET {answer.url} → <strong>{answer.status ?? 'no answer'}</strong> <code>{answer.code}</code>
          </div>
          <div>{answer.message}</div>
          {answer.requestId && <div className="muted">request id {answer.requestId}</div>}
        </div>
      )}
    </section>
  );
}

function GeneratorCard({ generator: g, busy, onRun }: { generator: Generator; busy: Kind | null; onRun: (count: string, months: string | null) => void }) {
  // Empty: the server's defaults (GENERATOR_BATCH_SIZE, GENERATOR_MONTHS), as the README's curl calls.
  const [count, setCount] = useState('');
  const [months, setMonths] = useState('');
  return (
    <form
      className="card"
      // The server validates count and months and answers a 400 with its reason, which is shown.
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        onRun(count, g.takesMonths ? months : null);
      }}
    >
      <h2>{g.title}</h2>
      <p className="muted">{g.what}</p>
      <label>
        count <input type="number" min={1} placeholder="default" value={count} onChange={(e) => setCount(e.target.value)} data-testid={`generate-${g.kind}-count`} />
      </label>
      {g.takesMonths && (
        <label>
          months <input type="number" min={1} placeholder="default" value={months} onChange={(e) => setMonths(e.target.value)} data-testid={`generate-${g.kind}-months`} />
        </label>
      )}
      <button type="submit" disabled={busy !== null} data-testid={`generate-${g.kind}`}>
        {busy === g.kind ? 'generating…' : `Generate ${g.title.toLowerCase()}`}
      </button>
      <code className="muted">{g.path}</code>
    </form>
  );
}
