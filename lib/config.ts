/**
 * Typed, validated options. A schema lists each option with its type, default, bounds, meaning and the
 * source of its default; the same schema validates code, CLI flags (`--set ugradsl.smoothRate=-0.5`) and
 * JSON, and prints --help. A search space is a distribution over some of a schema's options.
 * Errors are `KitError`s naming the option (and where it came from) and the valid values.
 */
import { KitError } from "./errors.ts";
import { Rng } from "./rng.ts";

interface FieldBase {
  doc: string;
  /** Where the default comes from (a paper, a public code file, or the kit's own measurement). */
  source?: string;
}
export interface NumberField extends FieldBase {
  type: "number";
  default: number;
  min?: number;
  max?: number;
  integer?: boolean;
}
export interface BooleanField extends FieldBase {
  type: "boolean";
  default: boolean;
}
export interface EnumField<E extends string = string> extends FieldBase {
  type: "enum";
  values: readonly E[];
  default: E;
}
export type Field = NumberField | BooleanField | EnumField;
export type Schema = Record<string, Field>;

type ValueOf<F> = F extends NumberField ? number : F extends BooleanField ? boolean : F extends EnumField<infer E> ? E : never;
export type OptionsOf<S extends Schema> = { [K in keyof S]: ValueOf<S[K]> };

/** A number option. */
export function num(value: number, doc: string, bounds: { min?: number; max?: number; source?: string } = {}): NumberField {
  return { type: "number", default: value, doc, ...bounds };
}

/** An integer option. */
export function int(value: number, doc: string, bounds: { min?: number; max?: number; source?: string } = {}): NumberField {
  return { type: "number", default: value, doc, integer: true, ...bounds };
}

export function bool(value: boolean, doc: string, source?: string): BooleanField {
  return { type: "boolean", default: value, doc, ...(source ? { source } : {}) };
}

export function oneOf<E extends string>(values: readonly E[], value: E, doc: string, source?: string): EnumField<E> {
  return { type: "enum", values, default: value, doc, ...(source ? { source } : {}) };
}

/** A copy of `field` with another default and its source. */
export function withDefault<F extends Field>(field: F, value: F["default"], source?: string): F {
  return { ...field, default: value, ...(source ? { source } : {}) };
}

export function defaultsOf<S extends Schema>(schema: S): OptionsOf<S> {
  return Object.fromEntries(Object.entries(schema).map(([k, f]) => [k, f.default])) as OptionsOf<S>;
}

/** Parses a CLI string for one field. */
export function parseValue(field: Field, raw: string, where: string): number | boolean | string {
  if (field.type === "number") {
    const trimmed = raw.trim();
    // Decimal notation only: "0x10" or "1e9" for an integer option are refused, not reinterpreted.
    if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(trimmed)) throw new KitError(`"${raw}" is not a number`, where);
    return Number(trimmed);
  }
  if (field.type === "boolean") {
    if (["true", "1", "yes", "on"].includes(raw)) return true;
    if (["false", "0", "no", "off"].includes(raw)) return false;
    throw new KitError(`"${raw}" is not a boolean (true or false)`, where);
  }
  return raw;
}

export function checkValue(field: Field, v: unknown, where: string): void {
  if (field.type === "number") {
    if (typeof v !== "number" || !Number.isFinite(v)) throw new KitError(`${JSON.stringify(v)} is not a finite number`, where);
    if (field.integer && !Number.isInteger(v)) throw new KitError(`${v} is not an integer`, where);
    if (field.min !== undefined && v < field.min) throw new KitError(`${v} is below the minimum ${field.min}`, where);
    if (field.max !== undefined && v > field.max) throw new KitError(`${v} is above the maximum ${field.max}`, where);
  } else if (field.type === "boolean") {
    if (typeof v !== "boolean") throw new KitError(`${JSON.stringify(v)} is not true or false`, where);
  } else if (typeof v !== "string" || !field.values.includes(v)) {
    throw new KitError(`${JSON.stringify(v)} is not one of ${field.values.join(", ")}`, where);
  }
}

/** Defaults overlaid with `given`, every value checked; unknown keys are refused. */
export function resolveOptions<S extends Schema>(schema: S, given: Record<string, unknown>, where: string): OptionsOf<S> {
  for (const key of Object.keys(given)) {
    if (!(key in schema)) {
      throw new KitError(`unknown option "${key}": valid options are ${Object.keys(schema).join(", ")}`, where);
    }
  }
  const out: Record<string, unknown> = { ...defaultsOf(schema), ...given };
  checkOptions(schema, out, where);
  return out;
}

/** Checks every option of `schema` in `values`, which narrows `values` to the options' types. */
export function checkOptions<S extends Schema>(schema: S, values: Record<string, unknown>, where: string): asserts values is OptionsOf<S> {
  for (const [key, field] of Object.entries(schema)) checkValue(field, values[key], `${where}.${key}`);
}

/** One line per option, for --help. */
export function describeSchema(schema: Schema, indent = "  "): string {
  return Object.entries(schema).map(([k, f]) => {
    const range = f.type === "enum"
      ? ` (${f.values.join("|")})`
      : f.type === "number" && (f.min !== undefined || f.max !== undefined)
      ? ` [${f.min ?? "-∞"}, ${f.max ?? "∞"}]`
      : "";
    return `${indent}${k} = ${JSON.stringify(f.default)}${range}  ${f.doc}${f.source ? ` (default: ${f.source})` : ""}`;
  }).join("\n");
}

// ---------------------------------------------------------------------------------------------
// Search spaces: what a hyperparameter search varies, per option.

/**
 * How far a range may be widened when a selection lands on its edge (lib/search/rules.ts): within these, and
 * within the option's own bounds. Absent: the option's bounds alone.
 */
export interface RangeLimit {
  min: number;
  max: number;
}

export type Dist =
  | { kind: "log"; min: number; max: number; limit?: RangeLimit }
  | { kind: "uniform"; min: number; max: number; limit?: RangeLimit }
  | { kind: "int"; min: number; max: number; limit?: RangeLimit }
  | { kind: "choice"; values: readonly (number | string | boolean)[] };

export type SearchSpace = Record<string, Dist>;
/** A range (log, uniform or integer): what a widening changes. */
export type RangeDist = Extract<Dist, { min: number }>;

/** Log-uniform in [min, max]. */
export const logUniform = (min: number, max: number, limit?: RangeLimit): RangeDist => ({
  kind: "log",
  min,
  max,
  ...(limit ? { limit } : {}),
});
export const uniform = (min: number, max: number, limit?: RangeLimit): RangeDist => ({
  kind: "uniform",
  min,
  max,
  ...(limit ? { limit } : {}),
});
/** Integers in [min, max]. */
export const intRange = (min: number, max: number, limit?: RangeLimit): RangeDist => ({
  kind: "int",
  min,
  max,
  ...(limit ? { limit } : {}),
});
export const choice = (...values: (number | string | boolean)[]): Dist => ({ kind: "choice", values });

/** One draw; numbers rounded to 3 significant digits so points print and compare cleanly. */
export function drawFrom(d: Dist, rng: Rng): number | string | boolean {
  switch (d.kind) {
    case "log":
      return Number(Math.exp(Math.log(d.min) + rng.next() * (Math.log(d.max) - Math.log(d.min))).toPrecision(3));
    case "uniform":
      return Number((d.min + rng.next() * (d.max - d.min)).toPrecision(3));
    case "int":
      return d.min + rng.int(d.max - d.min + 1);
    case "choice":
      return d.values[rng.int(d.values.length)];
  }
}

/** Checks a space against a schema: every key is an option and every range lies within its bounds. */
export function checkSpace(schema: Schema, space: SearchSpace, where: string): void {
  for (const [key, dist] of Object.entries(space)) {
    const field = schema[key];
    if (!field) throw new KitError(`"${key}" is not one of its options (${Object.keys(schema).join(", ")})`, where);
    if (dist.kind === "choice") {
      for (const v of dist.values) checkValue(field, v, `${where}.${key}`);
    } else {
      checkValue(field, dist.min, `${where}.${key} (range start)`);
      checkValue(field, dist.max, `${where}.${key} (range end)`);
      if (dist.limit && !(dist.limit.min <= dist.min && dist.max <= dist.limit.max)) {
        throw new KitError(
          `the range [${dist.min}, ${dist.max}] is not within its limit [${dist.limit.min}, ${dist.limit.max}]`,
          `${where}.${key}`,
        );
      }
    }
  }
}
