// TypeScript-private members that scripts/bundle.mjs has esbuild shorten
// (104 bytes gzipped of dist/wasmgrad.js, against the 40,000-byte budget). esbuild renames a property
// everywhere it appears by that name, so a name belongs here only if it is
// declared `private` in src/ and no other API uses it: users cannot reach these
// members, and the declarations in dist/types show them as `private x;`.
// test/mangled-names.test.ts checks, for each name, that it is declared private
// and read only through `this`, and that the bundle has it shortened.
export const MANGLED = [
  "hasNextDoubleNormal", "hasNextFloatNormal", "nextDoubleNormal", "nextFloatNormal", "nextNormalDouble", "nextDouble53",
  "fillUniform01", "savedVersions", "seedU64", "stateTensors", "corrections", "decoupled", "generation", "rebind", "unlist", "twist",
];
