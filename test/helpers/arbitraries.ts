// fast-check generators shared by the property tests.
import fc from "fast-check";

/** A shape that broadcasts to `out`: some leading dims dropped, some dims set to 1. */
export function operandShape(out: number[]): fc.Arbitrary<number[]> {
  return fc
    .tuple(fc.integer({ min: 0, max: out.length }), fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }))
    .map(([drop, ones]) => out.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d)));
}

/** Two shapes that broadcast together (e.g. [3,1] and [4]), drawn around an output shape from `shapes`. */
export function broadcastPair(shapes: fc.Arbitrary<number[]>): fc.Arbitrary<[number[], number[]]> {
  return shapes.chain((out) => fc.tuple(operandShape(out), operandShape(out)));
}
