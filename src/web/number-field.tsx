/**
 * A number input whose typing survives re-renders: the page re-renders every second (the clock)
 * and on every live event, and a controlled input would be put back to its committed value in
 * between two keystrokes. What is typed stays a draft until the input's change (Enter or leaving
 * it); a value the check refuses goes back to the committed one.
 */
import { useState } from 'preact/hooks';

export interface NumberFieldProps {
  /** The label's text, before the input. */
  label: string;
  name: string;
  /** The committed value. */
  value: number;
  min: number;
  max: number;
  /** Whether a typed value may be committed. */
  accept(value: number): boolean;
  onCommit(value: number): void;
}

export function NumberField({ label, name, value, min, max, accept, onCommit }: NumberFieldProps) {
  const [draft, setDraft] = useState<string | null>(null);
  return (
    <label>
      {label}{' '}
      <input
        type="number"
        name={name}
        min={min}
        max={max}
        value={draft ?? String(value)}
        onInput={(e) => setDraft(e.currentTarget.value)}
        onChange={(e) => {
          const typed = Number(e.currentTarget.value);
          setDraft(null);
          if (e.currentTarget.value.trim() !== '' && accept(typed)) onCommit(typed);
        }}
      />
    </label>
  );
}
