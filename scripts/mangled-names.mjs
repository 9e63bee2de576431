// TypeScript-private members that scripts/bundle.mjs has esbuild shorten
// (115 bytes gzipped of the 40,000-byte budget). esbuild renames a property
// everywhere it appears by that name, so a name belongs here only if it is
// declared `private` in src/ and no other API uses it: users cannot reach these
// members, and the declarations in dist/types show them as `private x;`.
// test/mangled-names.test.ts checks the first condition for each name.
export const MANGLED = [
  "hasNextDoubleNormal", "hasNextFloatNormal", "nextDoubleNormal", "nextFloatNormal", "nextNormalDouble", "nextDouble53",
  "fillUniform01", "savedVersions", "seedU64", "stateTensors", "corrections", "decoupled", "generation", "rebind", "unlist", "twist",
];
