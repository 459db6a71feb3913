/**
 * The Start tab (`#/start`): a form for `POST /run` (docs/serve.md). It offers what the server
 * allows (`GET /allowed_scripts`, `GET /allowed_output_dirs`), checks only what the server checks
 * the same way (loops, meta), and shows the server's own message by the field it names.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { getJson } from './api';
import { writePlace } from './hash';
import { type Draft, type FieldProblems, type StartAnswer, checkDraft, sendRun } from './start-request';

interface Offer {
  /** Shown relative to the scripts directory; sent as the server listed them. */
  base: string;
  scripts: string[];
  dirs: string[];
}

export interface StartProps {
  /** A run started: its id (the page then shows the Live tab). */
  onStarted(id: string): void;
  onError(error: unknown): void;
  /** `rex serve --fleet`: the station the run is started on (kept in the links). */
  station?: string | undefined;
}

const EMPTY: Draft = { script: '', dir: '', subdir: '', loops: '1', delay: '0', dryRun: false, meta: '', config: '', email: '' };

export function StartView({ onStarted, onError, station }: StartProps) {
  const [offer, setOffer] = useState<Offer | null>(null);
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [problems, setProblems] = useState<FieldProblems>({});
  const [answer, setAnswer] = useState<StartAnswer | null>(null);
  const [sending, setSending] = useState(false);

  useEffect(() => {
    Promise.all([getJson<{ base_dir?: unknown; files?: unknown }>('/allowed_scripts'), getJson<{ dirs?: unknown }>('/allowed_output_dirs')])
      .then(([scripts, dirs]) => {
        const strings = (list: unknown): string[] => (Array.isArray(list) ? list.filter((x): x is string => typeof x === 'string') : []);
        const base = typeof scripts.base_dir === 'string' ? scripts.base_dir.replace(/\/+$/, '') : '';
        const next = { base, scripts: strings(scripts.files), dirs: strings(dirs.dirs) };
        setOffer(next);
        setDraft((d) => ({ ...d, script: d.script || (next.scripts[0] ?? ''), dir: d.dir || (next.dirs[0] ?? '') }));
      })
      .catch((error: unknown) => {
        onError(error);
        setAnswer({ kind: 'failed', message: error instanceof Error ? error.message : String(error) });
      });
  }, [onError]);

  const submit = async (): Promise<void> => {
    const found = checkDraft(draft);
    setProblems(found);
    setAnswer(null);
    if (Object.keys(found).length > 0) return;
    setSending(true);
    try {
      const result = await sendRun(draft);
      if (result.kind === 'started') onStarted(result.id);
      else if (result.kind === 'refused') setProblems(result.problems);
      else setAnswer(result);
    } catch (error) {
      onError(error);
      setAnswer({ kind: 'failed', message: error instanceof Error ? error.message : String(error) });
    } finally {
      setSending(false);
    }
  };

  if (offer === null)
    return <main class="start">{answer?.kind === 'failed' ? <p class="error">{answer.message}</p> : <p class="muted">loading…</p>}</main>;
  // `rex run --web` lists no scripts and answers POST /run with 409; so does a serve with none to offer.
  if (offer.scripts.length === 0 || answer?.kind === 'one-run') {
    return (
      <main class="start">
        <p class="note" data-field="one-run">
          No script is offered here. Runs are started with rex serve, from the scripts in its <code>serve.scripts_dir</code>; a{' '}
          <code>rex run --web</code> page shows its one run only.
        </p>
      </main>
    );
  }

  const set = (patch: Partial<Draft>): void => setDraft((d) => ({ ...d, ...patch }));
  const text = (field: keyof Draft) => ({
    value: draft[field] as string,
    onInput: (e: { currentTarget: HTMLInputElement | HTMLTextAreaElement }) => set({ [field]: e.currentTarget.value }),
  });
  return (
    <main class="start">
      <form
        class="panel start-form"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          void submit();
        }}
      >
        <h2>Start a run</h2>
        <Field label="Script" name="path" problems={problems}>
          <select id="start-path" name="path" value={draft.script} onChange={(e) => set({ script: e.currentTarget.value })}>
            {offer.scripts.map((s) => (
              <option key={s} value={s}>
                {offer.base !== '' && s.startsWith(`${offer.base}/`) ? s.slice(offer.base.length + 1) : s}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Output directory" name="output" problems={problems}>
          <select id="start-output" name="output" value={draft.dir} onChange={(e) => set({ dir: e.currentTarget.value })}>
            {offer.dirs.map((d) => (
              <option key={d} value={d}>
                {d}
              </option>
            ))}
          </select>
          <input name="subdir" aria-label="Sub-directory" placeholder="sub-directory (optional)" {...text('subdir')} />
        </Field>
        <Field label="Loops" name="loops" problems={problems}>
          <input id="start-loops" name="loops" type="number" min="1" step="1" {...text('loops')} />
        </Field>
        <Field label="Delay (minutes)" name="delay" problems={problems}>
          <input id="start-delay" name="delay" type="number" min="0" step="any" {...text('delay')} />
        </Field>
        <Field label="Dry run" name="dry_run" problems={problems}>
          <input
            id="start-dry_run"
            name="dry_run"
            type="checkbox"
            checked={draft.dryRun}
            onChange={(e) => set({ dryRun: e.currentTarget.checked })}
          />
        </Field>
        <Field label="Meta (JSON object)" name="meta_json" problems={problems}>
          <textarea id="start-meta_json" name="meta_json" rows={3} placeholder='{"sample_id": "S1"}' {...text('meta')} />
        </Field>
        <Field label="Config (JSON)" name="config" problems={problems}>
          <textarea id="start-config" name="config" rows={3} placeholder='{"name": "Jane"}' {...text('config')} />
        </Field>
        <Field label="E-mail" name="email" problems={problems}>
          <input id="start-email" name="email" type="email" {...text('email')} />
        </Field>
        {problems.other && (
          <p class="error" role="alert" data-problem="other">
            {problems.other}
          </p>
        )}
        <button type="submit" disabled={sending}>
          {sending ? 'Starting…' : 'Start'}
        </button>
        {answer?.kind === 'busy' && (
          <p class="note" role="status" data-field="busy">
            A run is already going: {answer.message}. <a href={writePlace({ tab: 'live', charts: [], station })}>See it live</a>.
          </p>
        )}
        {answer?.kind === 'failed' && (
          <p class="error" role="alert">
            {answer.message}
          </p>
        )}
      </form>
    </main>
  );
}

function Field({ label, name, problems, children }: { label: string; name: string; problems: FieldProblems; children: ComponentChildren }) {
  const problem = problems[name];
  return (
    <div class={problem ? 'field invalid' : 'field'} data-form-field={name}>
      <label for={`start-${name}`}>{label}</label>
      <div class="controls">
        {children}
        {problem && (
          <p class="error" data-problem={name}>
            {problem}
          </p>
        )}
      </div>
    </div>
  );
}
