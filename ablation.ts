/** Entry point of `deno task ablation`: see lib/ablations/cli.ts and `deno task ablation --help`. */
import { ablationMain } from "./lib/ablations/cli.ts";

Deno.exit(await ablationMain(Deno.args));
