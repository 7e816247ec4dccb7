/**
 * Typed, validated options. A schema lists each option with its type, default, bounds and meaning; the
 * same schema validates code, CLI flags (`--set ugradsl.smoothRate=-0.5`) and JSON, and prints --help.
 * Errors name the option (and where it came from) and the valid values.
 */

export interface NumberField {
  type: "number";
  default: number;
  min?: number;
  max?: number;
  integer?: boolean;
  doc: string;
}
export interface BooleanField {
  type: "boolean";
  default: boolean;
  doc: string;
}
export interface EnumField<E extends string = string> {
  type: "enum";
  values: readonly E[];
  default: E;
  doc: string;
}
export type Field = NumberField | BooleanField | EnumField;
export type Schema = Record<string, Field>;

type ValueOf<F> = F extends NumberField ? number : F extends BooleanField ? boolean : F extends EnumField<infer E> ? E : never;
export type OptionsOf<S extends Schema> = { [K in keyof S]: ValueOf<S[K]> };

export function defaultsOf<S extends Schema>(schema: S): OptionsOf<S> {
  return Object.fromEntries(Object.entries(schema).map(([k, f]) => [k, f.default])) as OptionsOf<S>;
}

/** Parses a CLI string for one field. */
export function parseValue(field: Field, raw: string, where: string): number | boolean | string {
  if (field.type === "number") {
    const v = Number(raw);
    if (raw.trim() === "" || Number.isNaN(v)) throw new Error(`${where}: "${raw}" is not a number`);
    return v;
  }
  if (field.type === "boolean") {
    if (["true", "1", "yes", "on"].includes(raw)) return true;
    if (["false", "0", "no", "off"].includes(raw)) return false;
    throw new Error(`${where}: "${raw}" is not a boolean (true or false)`);
  }
  return raw;
}

function checkValue(field: Field, v: unknown, where: string): void {
  if (field.type === "number") {
    if (typeof v !== "number" || !Number.isFinite(v)) throw new Error(`${where}: ${JSON.stringify(v)} is not a finite number`);
    if (field.integer && !Number.isInteger(v)) throw new Error(`${where}: ${v} is not an integer`);
    if (field.min !== undefined && v < field.min) throw new Error(`${where}: ${v} is below the minimum ${field.min}`);
    if (field.max !== undefined && v > field.max) throw new Error(`${where}: ${v} is above the maximum ${field.max}`);
  } else if (field.type === "boolean") {
    if (typeof v !== "boolean") throw new Error(`${where}: ${JSON.stringify(v)} is not true or false`);
  } else if (typeof v !== "string" || !field.values.includes(v)) {
    throw new Error(`${where}: ${JSON.stringify(v)} is not one of ${field.values.join(", ")}`);
  }
}

/** Defaults overlaid with `given`, every value checked; unknown keys are refused. */
export function resolveOptions<S extends Schema>(schema: S, given: Record<string, unknown>, where: string): OptionsOf<S> {
  for (const key of Object.keys(given)) {
    if (!(key in schema)) {
      throw new Error(`${where}: unknown option "${key}": valid options are ${Object.keys(schema).join(", ")}`);
    }
  }
  const out = { ...defaultsOf(schema), ...given } as Record<string, unknown>;
  for (const [key, field] of Object.entries(schema)) checkValue(field, out[key], `${where}.${key}`);
  return out as OptionsOf<S>;
}

/** One line per option, for --help. */
export function describeSchema(schema: Schema, indent = "  "): string {
  return Object.entries(schema).map(([k, f]) => {
    const range = f.type === "enum"
      ? ` (${f.values.join("|")})`
      : f.type === "number" && (f.min !== undefined || f.max !== undefined)
      ? ` [${f.min ?? "-∞"}, ${f.max ?? "∞"}]`
      : "";
    return `${indent}${k} = ${JSON.stringify(f.default)}${range}  ${f.doc}`;
  }).join("\n");
}
