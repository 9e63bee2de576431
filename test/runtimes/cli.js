// Node and Deno: runs the smoke program on the main entry and prints its
// results as one line of JSON.
//   node test/runtimes/cli.js
//   deno run test/runtimes/cli.js
import { smoke } from "./smoke.js";

console.log(JSON.stringify(smoke()));
