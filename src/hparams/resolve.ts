// Turns defaults + a model's paper settings + user overrides into validated Hparams, lists the
// values that differ from the model's defaults, and hashes them into a stable experiment name.
import { z } from "zod";
import { hash32 } from "../util/rng.js";
import { scaleSchedule } from "./scale-schedule.js";
import { BASE_DEFAULTS, GROUPS, type GroupName, Hparams, type ModelDefaults } from "./schema.js";

/** User-given values per group, as "field" → value; unvalidated until {@link resolveHparams} checks them. */
export type Overrides = { [G in GroupName]?: Record<string, unknown> };

/** A camelCase field name as its command-line flag spells it: `evalEvery` → `eval-every`. */
export function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** The allowed values of a field, in words, from its schema ("(0, 10]", "one of adam, sgd"). */
export function allowedText(group: GroupName, field: string): string {
  const json = z.toJSONSchema(GROUPS[group]) as { properties: Record<string, JsonField> };
  return describeJson(json.properties[field]);
}

interface JsonField {
  type?: string;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  items?: JsonField;
  anyOf?: JsonField[];
  pattern?: string;
  description?: string;
}

function describeJson(f: JsonField | undefined): string {
  if (!f) return "";
  if (f.anyOf) return f.anyOf.map(describeJson).filter(Boolean).join(" or ");
  if (f.enum) return `one of ${f.enum.join(", ")}`;
  if (f.type === "null") return "none";
  if (f.type === "array") return `a comma-separated list${f.items ? ` of ${describeJson(f.items)}` : ""}`;
  if (f.type === "boolean") return "true or false";
  if (f.type === "number" || f.type === "integer") {
    const lo = f.exclusiveMinimum !== undefined ? `(${f.exclusiveMinimum}` : f.minimum !== undefined && f.minimum > -1e15 ? `[${f.minimum}` : "(-∞";
    const hi = f.exclusiveMaximum !== undefined ? `${f.exclusiveMaximum})` : f.maximum !== undefined && f.maximum < 1e15 ? `${f.maximum}]` : "∞)";
    return `${f.type === "integer" ? "an integer" : "a number"} in ${lo}, ${hi}`;
  }
  if (f.pattern) return `matching ${f.pattern}`;
  return f.type ?? "";
}

/** What the defaults take from the dataset a model trains on (src/data describeDataset gives it). */
export interface DatasetDefaults {
  name: string;
  valSize: number;
  normalize: boolean;
}

/**
 * The full defaults of a model: the base defaults, its paper settings, and its own name and
 * dataset. On another dataset (`data`), the validation size and normalization are that dataset's,
 * but the default dataset stays the model's own, so an experiment on another dataset has the
 * dataset's name among its non-default settings (and so in its name), and the paper's experiments
 * keep their names.
 */
export function defaultsFor(entry: { name: string; dataset?: string; defaults: ModelDefaults }, data?: DatasetDefaults): Hparams {
  const model = entry.defaults;
  const other = data !== undefined && data.name !== entry.dataset;
  return {
    dataset: {
      ...BASE_DEFAULTS.dataset,
      ...model.dataset,
      ...(other ? { valSize: data.valSize, normalize: data.normalize } : {}),
      ...(entry.dataset !== undefined ? { dataset: entry.dataset } : {}),
    },
    model: { ...BASE_DEFAULTS.model, ...model.model, model: entry.name },
    training: { ...BASE_DEFAULTS.training, ...model.training },
    pruning: { ...BASE_DEFAULTS.pruning, ...model.pruning },
  };
}

/**
 * Merges overrides into defaults and validates; an invalid value names its flag and allowed range.
 * An --iterations other than the model's scales the model's warmup and milestones that were not
 * given along with it ({@link scaleSchedule}).
 */
export function resolveHparams(defaults: Hparams, overrides: Overrides): Hparams {
  // The scaled fields only (it holds a key only for what it scaled), over the user's flags.
  const { factor: _, ...scaled } = scaleSchedule(defaults.training, overrides.training) ?? { factor: 1 };
  const merged = {
    dataset: { ...defaults.dataset, ...overrides.dataset },
    model: { ...defaults.model, ...overrides.model },
    training: { ...defaults.training, ...overrides.training, ...scaled },
    pruning: { ...defaults.pruning, ...overrides.pruning },
  };
  const parsed = Hparams.safeParse(merged);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const [group, field] = issue.path as [GroupName, string];
      const value = (merged as Record<string, Record<string, unknown>>)[group]?.[field];
      const allowed = field ? allowedText(group, field) : "";
      return `invalid --${kebab(String(field ?? group))} ${JSON.stringify(value)}: must be ${allowed || issue.message} (${issue.message})`;
    });
    throw new HparamError(lines.join("\n"));
  }
  return parsed.data;
}

/** A hyperparameter was unknown or out of range; the message lists every problem, one per line. */
export class HparamError extends Error {
  override name = "HparamError";
}

/** The values that differ from `defaults`, as "group.field" → value. */
export function nonDefaults(h: Hparams, defaults: Hparams): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const group of Object.keys(GROUPS) as GroupName[]) {
    const a = h[group] as Record<string, unknown>,
      b = defaults[group] as Record<string, unknown>;
    for (const key of Object.keys(a).sort()) if (JSON.stringify(a[key]) !== JSON.stringify(b[key])) out[`${group}.${key}`] = a[key];
  }
  return out;
}

/** A short stable hash of the non-default values (sorted keys), for directory names. */
export function hparamHash(h: Hparams, defaults: Hparams, ignore: readonly string[] = []): string {
  const diff = nonDefaults(h, defaults);
  for (const key of ignore) delete diff[key];
  const text = JSON.stringify(
    Object.keys(diff)
      .sort()
      .map((k) => [k, diff[k]]),
  );
  // Two independent 32-bit hashes (portable to browsers, unlike node:crypto).
  return hash32(text, 1).toString(16).padStart(8, "0") + hash32(text, 2).toString(16).padStart(8, "0");
}
