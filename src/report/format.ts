// Text formatting shared by the tables, captions and figure labels, so a Pm or an accuracy reads
// the same everywhere in a report. Every formatter returns "–" for a missing or non-finite value
// instead of "NaN", because a run that never evaluated is a gap, not a number.

export const MISSING = "–";

const HTML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Escapes text for use both as element content and inside a quoted attribute. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

/** Fraction of weights remaining as a percentage with one decimal: 0.5129 → "51.3%". */
export function formatPm(pm: number): string {
  return Number.isFinite(pm) ? `${(pm * 100).toFixed(1)}%` : MISSING;
}

/** Accuracy (a fraction) as a percentage with two decimals: 0.98765 → "98.77%". */
export function formatAccuracy(accuracy: number): string {
  return Number.isFinite(accuracy) ? `${(accuracy * 100).toFixed(2)}%` : MISSING;
}

/** Integer with thousands separators, locale-independent so reports do not vary by machine. */
export function formatCount(value: number): string {
  if (!Number.isFinite(value)) return MISSING;
  return Math.round(value)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** Seconds as the report prints them: "12.3 s", or "123 s" from 100 on. */
export function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return MISSING;
  return seconds >= 100 ? `${seconds.toFixed(0)} s` : `${seconds.toFixed(1)} s`;
}

/** A magnitude for captions: three significant digits, whatever the scale of the weights. */
export function formatMagnitude(value: number): string {
  return Number.isFinite(value) ? value.toPrecision(3) : MISSING;
}
