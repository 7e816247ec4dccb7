/** Entry point of `deno task search`: see lib/search/cli.ts and `deno task search --help`. */
import { searchMain } from "./lib/search/cli.ts";

Deno.exit(await searchMain(Deno.args));
