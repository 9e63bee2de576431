import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Generator, defaultGenerator } from '../src/random/generator';
import { golden as readGolden } from './helpers/golden';

const golden = readGolden('rng.json');
// Extra vectors from PyTorch 1.13 (the script that made them is inside the file).
const extra = JSON.parse(readFileSync(new URL('./fixtures/rng-extra.json', import.meta.url), 'utf8'));

const hexF32 = (a: Float32Array): string[] =>
  Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length), (w) => '0x' + w.toString(16).padStart(8, '0'));
const sha256 = (a: ArrayBufferView): string =>
  createHash('sha256').update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)).digest('hex');

type Result = { kind: 'f32'; data: Float32Array } | { kind: 'int'; data: Int32Array };

function runGoldenCall(g: Generator, call: string, numel: number): Result {
  if (call.startsWith('torch.rand(')) {
    const out = new Float32Array(numel);
    g.fillUniform(out);
    return { kind: 'f32', data: out };
  }
  if (call.startsWith('torch.randn(')) {
    const out = new Float32Array(numel);
    g.fillNormal(out);
    return { kind: 'f32', data: out };
  }
  const randint = /^torch\.randint\((-?\d+),\s*(-?\d+),/.exec(call);
  if (randint) {
    const out = new Int32Array(numel);
    g.fillRandint(out, Number(randint[1]), Number(randint[2]));
    return { kind: 'int', data: out };
  }
  if (call.startsWith('torch.randperm(')) {
    const out = new Int32Array(numel);
    g.fillRandperm(out);
    return { kind: 'int', data: out };
  }
  throw new Error(`unknown golden call ${call}`);
}

function checkGolden(res: Result, entry: any): void {
  if (res.kind === 'f32') expect(hexF32(res.data)).toEqual(entry.hex_f32);
  else expect(Array.from(res.data)).toEqual(entry.values);
}

describe('golden rng.json (PyTorch 1.13 CPU), bit for bit', () => {
  for (const [seed, modes] of Object.entries<any>(golden.seeds)) {
    it(`seed ${seed}: sequence (one manual_seed, all calls in order)`, () => {
      const g = new Generator().manualSeed(Number(seed));
      for (const entry of modes.sequence) {
        const numel = entry.shape.reduce((a: number, b: number) => a * b, 1);
        checkGolden(runGoldenCall(g, entry.call, numel), entry);
      }
    });
    it(`seed ${seed}: fresh (manual_seed before each call)`, () => {
      const g = new Generator();
      for (const entry of modes.fresh) {
        g.manualSeed(Number(seed));
        const numel = entry.shape.reduce((a: number, b: number) => a * b, 1);
        checkGolden(runGoldenCall(g, entry.call, numel), entry);
      }
    });
  }
});

function runExtraOp(g: Generator, op: any): Result | null {
  switch (op.op) {
    case 'seed':
      g.manualSeed(op.seed);
      return null;
    case 'rand': {
      const out = new Float32Array(op.n);
      g.fillUniform(out);
      return { kind: 'f32', data: out };
    }
    case 'uniform': {
      const out = new Float32Array(op.n);
      g.fillUniform(out, op.from, op.to);
      return { kind: 'f32', data: out };
    }
    case 'randn': {
      const out = new Float32Array(op.n);
      g.fillNormal(out);
      return { kind: 'f32', data: out };
    }
    case 'normal': {
      const out = new Float32Array(op.n);
      g.fillNormal(out, op.mean, op.std);
      return { kind: 'f32', data: out };
    }
    case 'randint': {
      const out = new Int32Array(op.n);
      g.fillRandint(out, op.low, op.high);
      return { kind: 'int', data: out };
    }
    case 'randperm': {
      const out = new Int32Array(op.n);
      g.fillRandperm(out);
      return { kind: 'int', data: out };
    }
    default:
      throw new Error(`unknown op ${op.op}`);
  }
}

describe('extra PyTorch 1.13 vectors (test/fixtures/rng-extra.json)', () => {
  for (const c of extra.cases) {
    it(c.name, () => {
      const g = new Generator(typeof c.seed === 'string' ? BigInt(c.seed) : c.seed);
      c.ops.forEach((op: any, k: number) => {
        const res = runExtraOp(g, op);
        if (!res) return;
        const want = op.expect;
        const where = `${c.name}, op #${k} ${JSON.stringify({ ...op, expect: undefined })}`;
        expect(res.data.length, where).toBe(want.n);
        if (res.kind === 'f32') {
          const d = res.data;
          if (want.hex_f32) expect(hexF32(d), where).toEqual(want.hex_f32);
          if (want.head_hex_f32) expect(hexF32(d.subarray(0, 4)), where).toEqual(want.head_hex_f32);
          if (want.tail_hex_f32) expect(hexF32(d.subarray(d.length - 4)), where).toEqual(want.tail_hex_f32);
          for (const [i, h] of Object.entries<string>(want.picks ?? {})) {
            expect(hexF32(d.subarray(Number(i), Number(i) + 1))[0], where).toBe(h);
          }
          expect(sha256(res.data), where).toBe(want.sha256);
        } else {
          const vals = Array.from(res.data);
          if (want.values) expect(vals, where).toEqual(want.values);
          if (want.head) expect(vals.slice(0, 4), where).toEqual(want.head);
          if (want.tail) expect(vals.slice(-4), where).toEqual(want.tail);
          expect(sha256(res.data), where).toBe(want.sha256_i32);
        }
      });
    });
  }

  it('a new Generator() is seeded like torch.Generator() (default_rng_seed_val)', () => {
    const g = new Generator();
    expect(g.initialSeed()).toBe(extra.default_generator.initial_seed);
    const out = new Float32Array(5);
    g.fillUniform(out);
    expect(hexF32(out)).toEqual(extra.default_generator.rand5_hex_f32);
    expect(defaultGenerator).toBeInstanceOf(Generator);
  });

  it('getState() is byte-identical to torch.get_rng_state(); setState() restores it', () => {
    const s = extra.state;
    const g = new Generator(5);
    g.fillNormal(new Float32Array(3)); // leaves a cached normal sample
    const bytes = g.getState();
    expect(bytes.length).toBe(s.bytes);
    const dv = new DataView(bytes.buffer);
    expect(dv.getInt32(8, true)).toBe(s.left);
    expect(Number(dv.getBigUint64(16, true))).toBe(s.next);
    expect(dv.getFloat64(5024, true)).toBe(s.normal_y);
    expect(sha256(bytes)).toBe(s.sha256);

    const a = new Float32Array(2);
    g.fillNormal(a);
    expect(hexF32(a)).toEqual(s.randn2_hex_f32);
    const b = new Float32Array(2);
    new Generator(0).setState(bytes).fillNormal(b);
    expect(hexF32(b)).toEqual(s.randn2_hex_f32);
    // The 5048-byte legacy layout rebuilds the cache from normal_rho/normal_x (both 0 here).
    const c = new Float32Array(2);
    new Generator(0).setState(bytes.slice(0, 5048)).fillNormal(c);
    expect(hexF32(c)).toEqual(s.legacy_then_randn2_hex_f32);
  });
});

describe('engine and API behaviour', () => {
  it('is the reference MT19937 (seed 5489: 3499211612, 581869302, ...; 10000th = 4123659995)', () => {
    const g = new Generator(5489);
    expect([g.nextUint32(), g.nextUint32(), g.nextUint32()]).toEqual([3499211612, 581869302, 3890346734]);
    for (let i = 3; i < 9999; i++) g.nextUint32();
    expect(g.nextUint32()).toBe(4123659995);
  });

  it('uses the low 32 bits of the seed; negative seeds wrap as int64 -> uint64', () => {
    const draw = (seed: number | bigint) => {
      const g = new Generator(seed);
      return [g.nextUint32(), g.nextUint32()];
    };
    expect(draw(2 ** 32 + 7)).toEqual(draw(7));
    expect(draw(-1)).toEqual(draw(2 ** 32 - 1));
    expect(draw(-1)).toEqual(draw(2n ** 64n - 1n));
    expect(new Generator(-1).initialSeedBigInt()).toBe(2n ** 64n - 1n);
    expect(new Generator(42n).initialSeed()).toBe(42);
  });

  it('manualSeed rejects non-integers, naming the value', () => {
    const g = new Generator();
    expect(() => g.manualSeed(NaN)).toThrow(/NaN/);
    expect(() => g.manualSeed(1.5)).toThrow(/1\.5/);
    expect(() => g.manualSeed(Infinity)).toThrow(/Infinity/);
    expect(() => g.manualSeed('3' as unknown as number)).toThrow(/3/);
    expect(() => g.manualSeed(2n ** 64n)).toThrow(/18446744073709551616n/);
    expect(() => g.manualSeed(-(2n ** 63n) - 1n)).toThrow(/-9223372036854775809n/);
    // a failed manualSeed leaves the generator usable
    expect(g.manualSeed(0).nextUint32()).toBe(new Generator(0).nextUint32());
  });

  it('manualSeed clears the cached normal sample', () => {
    const g = new Generator(3);
    const first = new Float32Array(1);
    g.fillNormal(first); // caches r*sin(theta)
    g.manualSeed(3);
    const again = new Float32Array(1);
    g.fillNormal(again);
    expect(hexF32(again)).toEqual(hexF32(first));
  });

  it('validates distribution arguments like torch', () => {
    const g = new Generator(0);
    expect(() => g.fillNormal(new Float32Array(4), 0, -1)).toThrow(/std >= 0\.0.*-1/);
    expect(() => g.fillUniform(new Float32Array(4), 2, 1)).toThrow(/from=2 > to=1/);
    expect(() => g.fillRandint(new Int32Array(4), 5, 5)).toThrow(/from=5 >= to=5/);
    expect(() => g.fillRandint(new Int32Array(4), 0, 2 ** 31 + 1)).toThrow(RangeError);
    expect(() => g.setState(new Uint8Array(100))).toThrow(/5056/);
  });
});
