/**
 * Function lengths in lib/ and cli/ against the kit's limits: a function on the run path (cli/,
 * lib/experiment/, lib/unlearn/loops/) at most 60 lines, any other in lib/ at most 100. A function's length
 * is its lines from the first of its signature to its closing brace; a nested function counts on its own and
 * inside the function around it.
 *
 *   node_modules/.bin/deno run -A scripts/function_lengths.ts          the functions over their limits
 *   node_modules/.bin/deno run -A scripts/function_lengths.ts --all    every function, longest first
 *
 * The source is parsed by Deno's own TypeScript parser, which Deno opens to scripts only as the lint-plugin
 * API (`Deno.lint.runPlugin`) and only under `deno test`; run directly, the script runs itself under `deno test`.
 * tests/scripts/function_lengths_test.ts holds the limits against an allowlist that may only shrink.
 */

export interface FunctionLength {
  /** Path from the repository root, e.g. "lib/experiment/run.ts". */
  file: string;
  /** The names around the function, outermost first: "runExperiment", "TaskEnsembles.forRun", "scrub.run". */
  name: string;
  /** First line (1-based) and number of lines. */
  line: number;
  lines: number;
}

/** The run path: what every run reads. */
export const RUN_PATH = ["cli/", "lib/experiment/", "lib/unlearn/loops/"];

/** The most lines a function in `file` may have, or null where no limit applies (outside lib/ and cli/). */
export function limitOf(file: string): number | null {
  if (RUN_PATH.some((dir) => file.startsWith(dir))) return 60;
  if (file.startsWith("lib/")) return 100;
  return null;
}

/** Every .ts file under lib/ and cli/, relative to `root`, sorted. */
export function sourceFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of Deno.readDirSync(`${root}/${dir}`)) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory) walk(path);
      else if (entry.isFile && path.endsWith(".ts")) out.push(path);
    }
  };
  for (const dir of ["lib", "cli"]) walk(dir);
  return out.sort();
}

// The parser's nodes, as far as this file reads them.
interface Node {
  type: string;
  range: [number, number];
  parent?: Node;
  id?: Node | null;
  key?: Node;
  name?: string;
  value?: unknown;
}

/** The name a node gives to what it holds (a declared function, a variable, a property, a class member). */
function ownName(node: Node): string | null {
  switch (node.type) {
    case "FunctionDeclaration":
    case "ClassDeclaration":
    case "VariableDeclarator":
      return node.id?.type === "Identifier" ? node.id.name! : null;
    case "Property":
    case "MethodDefinition":
    case "PropertyDefinition":
      if (node.key?.type === "Identifier") return node.key.name!;
      if (node.key?.type === "PrivateIdentifier") return `#${node.key.name}`;
      return node.key?.type === "Literal" ? String(node.key.value) : null;
    default:
      return null;
  }
}

function qualifiedName(fn: Node): string {
  const names: string[] = [];
  for (let n: Node | undefined = fn; n; n = n.parent) {
    const name = ownName(n);
    if (name) names.unshift(name);
  }
  // A function nothing names (a callback) is named by the names around it.
  if (!ownName(fn) && !(fn.parent && ownName(fn.parent))) names.push("(anonymous)");
  return names.join(".");
}

/** The lengths of every function in one file's source. */
export function measure(file: string, source: string): FunctionLength[] {
  const lineOf = (offset: number) => source.slice(0, offset).split("\n").length;
  const found: FunctionLength[] = [];
  const visit = (fn: Node) => {
    // A method's function starts at its parameters; its signature starts at the key.
    const whole = fn.parent && (fn.parent.type === "MethodDefinition" || fn.parent.type === "Property") && fn.parent.value === fn
      ? fn.parent
      : fn;
    const line = lineOf(whole.range[0]);
    found.push({ file, name: qualifiedName(fn), line, lines: lineOf(fn.range[1] - 1) - line + 1 });
  };
  const plugin: Deno.lint.Plugin = {
    name: "function-lengths",
    rules: {
      measure: {
        create: () => ({
          FunctionDeclaration: (node) => visit(node as unknown as Node),
          FunctionExpression: (node) => visit(node as unknown as Node),
          ArrowFunctionExpression: (node) => visit(node as unknown as Node),
        }),
      },
    },
  };
  Deno.lint.runPlugin(plugin, file, source);
  // Two functions of one name in one file (overloads aside, rare: callbacks) are told apart by their order.
  const seen = new Map<string, number>();
  for (const f of found.sort((a, b) => a.line - b.line)) {
    const n = (seen.get(f.name) ?? 0) + 1;
    seen.set(f.name, n);
    if (n > 1) f.name = `${f.name}#${n}`;
  }
  return found;
}

/** Every function in lib/ and cli/ under `root`. */
export function functionLengths(root: string): FunctionLength[] {
  return sourceFiles(root).flatMap((file) => measure(file, Deno.readTextFileSync(`${root}/${file}`)));
}

/** The functions longer than their file's limit, longest first. */
export function overLimits(all: FunctionLength[]): (FunctionLength & { limit: number })[] {
  return all
    .map((f) => ({ ...f, limit: limitOf(f.file) ?? Infinity }))
    .filter((f) => f.lines > f.limit)
    .sort((a, b) => b.lines - a.lines);
}

export function formatLengths(rows: (FunctionLength & { limit?: number })[]): string {
  return rows.map((f) => `${String(f.lines).padStart(4)}  ${f.file}:${f.line}  ${f.name}${f.limit ? `  (limit ${f.limit})` : ""}`).join(
    "\n",
  );
}

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
/** Set when the script runs itself under `deno test`: its arguments and the file the listing goes to. */
const HANDOVER = "FUNCTION_LENGTHS_HANDOVER";

if (import.meta.main) {
  // Deno.lint.runPlugin exists only under `deno test`: hand over to it; the listing comes back in a file.
  const listing = await Deno.makeTempFile({ prefix: "function_lengths_" });
  try {
    const { code } = await new Deno.Command(Deno.execPath(), {
      args: ["test", "-A", "--quiet", "--no-check", new URL(import.meta.url).pathname],
      env: { [HANDOVER]: JSON.stringify({ args: Deno.args, listing }) },
      stdout: "null",
      stderr: "inherit",
    }).output();
    if (code !== 0) Deno.exit(code);
    console.log(Deno.readTextFileSync(listing));
  } finally {
    Deno.removeSync(listing);
  }
} else if (Deno.env.get(HANDOVER) !== undefined) {
  Deno.test("function lengths (listing)", () => {
    const { args, listing }: { args: string[]; listing: string } = JSON.parse(Deno.env.get(HANDOVER)!);
    const all = functionLengths(ROOT);
    const over = overLimits(all);
    const shown = args.includes("--all") ? [...all].sort((a, b) => b.lines - a.lines) : over;
    const counts = `${all.length} functions in lib/ and cli/; ${over.length} over their limits ` +
      `(run path ${RUN_PATH.join(", ")}: 60 lines; elsewhere in lib/: 100)`;
    Deno.writeTextFileSync(listing, `${formatLengths(shown)}\n${counts}`);
  });
}
