// Command-line flags generated from the hyperparameter declarations (src/hparams/schema.ts): each
// field becomes --kebab-name with its description and allowed values in --help, and its string
// value is converted by the field's type before validation.
import type { Command } from "commander";
import { z } from "zod";
import { allowedText, type GroupName, GROUPS, kebab, modelNames, type Overrides } from "../node.js";

interface FieldInfo {
  group: GroupName;
  field: string;
  flag: string;
  type: string;
}

function fieldsOf(groups: readonly GroupName[]): FieldInfo[] {
  const out: FieldInfo[] = [];
  for (const group of groups) {
    const json = z.toJSONSchema(GROUPS[group]) as { properties: Record<string, { type?: string; anyOf?: { type?: string }[] }> };
    for (const [field, prop] of Object.entries(json.properties)) {
      const type = prop.type ?? prop.anyOf?.map((a) => a.type).find((t) => t !== "null") ?? "string";
      out.push({ group, field, flag: kebab(field), type: prop.anyOf ? `${type}|null` : type });
    }
  }
  return out;
}

/** Adds one flag per hyperparameter of `groups` (minus `skip`) to `cmd`. */
/** Fields set by other flags, not by a flag of their own (network: --model-file). */
const NOT_FLAGS = ["network"];

export function addHparamOptions(cmd: Command, groups: readonly GroupName[], skip: readonly string[] = []): void {
  for (const f of fieldsOf(groups)) {
    if (skip.includes(f.field) || NOT_FLAGS.includes(f.field)) continue;
    // The model list comes from the registry (the schema cannot import it: the models import the schema's types).
    const description =
      f.group === "model" && f.field === "model"
        ? `network: ${modelNames().join(", ")} (the model registry), or a JSON network with --model-file`
        : ((GROUPS[f.group].shape as Record<string, z.ZodType>)[f.field]!.description ?? "");
    const allowed = allowedText(f.group, f.field);
    const placeholder = f.type === "boolean" ? "[bool]" : f.type === "array" ? "<list>" : f.type.startsWith("string") ? "<name>" : "<n>";
    cmd.option(`--${f.flag} ${placeholder}`, `${description} (${allowed}; default: the model's)`);
  }
}

function convert(f: FieldInfo, raw: unknown): unknown {
  if (f.type === "boolean") {
    if (raw === true || raw === "true" || raw === "1" || raw === "yes") return true;
    if (raw === "false" || raw === "0" || raw === "no") return false;
    return raw;
  }
  const text = String(raw).trim();
  if (f.type.endsWith("|null") && (text === "none" || text === "null" || text === "")) return null;
  if (f.type === "array")
    return text === ""
      ? []
      : text
          .split(",")
          .map((s) => s.trim())
          .map((s) => (/^-?\d+(\.\d+)?(e-?\d+)?$/i.test(s) ? Number(s) : s));
  if (f.type.startsWith("number") || f.type.startsWith("integer")) {
    const n = Number(text);
    return text === "" || Number.isNaN(n) ? text : n;
  }
  return text;
}

/** The hyperparameter overrides given on the command line, grouped. */
export function collectOverrides(opts: Record<string, unknown>, groups: readonly GroupName[]): Overrides {
  const out: Overrides = {};
  for (const f of fieldsOf(groups)) {
    if (NOT_FLAGS.includes(f.field)) continue;
    const key = f.flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    if (opts[key] === undefined) continue;
    (out[f.group] ??= {})[f.field] = convert(f, opts[key]);
  }
  return out;
}
