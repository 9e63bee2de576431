import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type DType,
  type FormatInfo,
  type PrintOptions,
  formatTensor,
  getPrintOptions,
  pyFormatExp,
  pyFormatFixed,
  setPrintOptions,
} from '../src/format';

// Expected strings were produced by PyTorch 1.13 (test/fixtures/gen_format_cases.py).
interface TensorCase {
  name: string;
  dtype: DType;
  shape: number[];
  bits?: number[];
  data?: number[];
  opts?: Partial<Omit<PrintOptions, 'threshold'>> & {
    threshold?: number | 'inf';
    profile?: 'default' | 'short' | 'full';
  };
  info?: FormatInfo;
  expected: string;
}
interface FloatFmtCase {
  value: string;
  p: number;
  f: string;
  e: string;
}
const fixture = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'format_cases.json'), 'utf8')) as {
  torch: string;
  cases: TensorCase[];
  floatfmt: FloatFmtCase[];
};

function caseData(c: TensorCase): ArrayLike<number> {
  if (c.bits) return new Float32Array(Uint32Array.from(c.bits).buffer);
  return c.data!;
}

function applyOpts(c: TensorCase): void {
  setPrintOptions({ profile: 'default' });
  if (c.opts) {
    const { threshold, ...rest } = c.opts;
    setPrintOptions({ ...rest, ...(threshold === undefined ? {} : { threshold: threshold === 'inf' ? Infinity : threshold }) });
  }
}

afterEach(() => setPrintOptions({ profile: 'default' }));

describe('formatTensor: the series cases', () => {
  it('tensor([1,2,3])*7', () => {
    expect(formatTensor(new Int32Array([7, 14, 21]), [3], 'int32')).toBe('tensor([ 7, 14, 21])');
  });
  it('tensor(32)', () => {
    expect(formatTensor([32], [], 'int32')).toBe('tensor(32)');
  });
  it('manual_seed(314); rand(2,3)', () => {
    const c = fixture.cases.find((x) => x.name === 'series: manual_seed(314) rand(2,3)')!;
    expect(formatTensor(caseData(c), [2, 3], 'float32')).toBe(
      'tensor([[0.7196, 0.6295, 0.6667],\n        [0.3385, 0.8522, 0.3126]])',
    );
  });
  it('tensor(3., requires_grad=True)', () => {
    expect(formatTensor(new Float32Array([3]), [], 'float32', { requiresGrad: true })).toBe(
      'tensor(3., requires_grad=True)',
    );
  });
});

describe('formatTensor: hand-written expectations', () => {
  it('bool', () => {
    expect(formatTensor([1, 0], [2], 'bool')).toBe('tensor([ True, False])');
  });
  it('empty tensors', () => {
    expect(formatTensor([], [0], 'float32')).toBe('tensor([])');
    expect(formatTensor([], [0, 3], 'float32')).toBe('tensor([], size=(0, 3))');
    expect(formatTensor([], [0], 'int32')).toBe('tensor([], dtype=torch.int64)');
  });
  it('grad_fn wins over requires_grad', () => {
    expect(formatTensor([2, 4], [2], 'float32', { requiresGrad: true, gradFn: 'MulBackward0' })).toBe(
      'tensor([2., 4.], grad_fn=<MulBackward0>)',
    );
  });
  it('rejects too-short data', () => {
    expect(() => formatTensor([1, 2], [3], 'float32')).toThrow();
  });
  it('float32 data given as float64 numbers is rounded to float32 first', () => {
    // 0.1 as float32 is 0.100000001490116..., as float64 0.1000000000000000055...
    expect(formatTensor([0.1], [], 'float32', {})).toBe('tensor(0.1000)');
    setPrintOptions({ precision: 10 });
    expect(formatTensor([0.1], [], 'float32')).toBe('tensor(0.1000000015)');
  });
});

describe('setPrintOptions / getPrintOptions', () => {
  it('defaults', () => {
    expect(getPrintOptions()).toEqual({ precision: 4, threshold: 1000, edgeitems: 3, linewidth: 80, sciMode: null });
  });
  it('profiles', () => {
    setPrintOptions({ profile: 'short' });
    expect(getPrintOptions()).toEqual({ precision: 2, threshold: 1000, edgeitems: 2, linewidth: 80, sciMode: null });
    setPrintOptions({ profile: 'full', precision: 6 });
    expect(getPrintOptions()).toEqual({ precision: 6, threshold: Infinity, edgeitems: 3, linewidth: 80, sciMode: null });
  });
  it('like torch, sciMode is reset to null by any call that does not pass it', () => {
    setPrintOptions({ sciMode: true });
    expect(getPrintOptions().sciMode).toBe(true);
    setPrintOptions({ precision: 3 });
    expect(getPrintOptions()).toMatchObject({ precision: 3, sciMode: null });
    setPrintOptions({ sciMode: false });
    expect(getPrintOptions()).toMatchObject({ precision: 3, sciMode: false });
  });
  it('edgeitems=0 on a summarized >=2-D tensor throws like torch', () => {
    setPrintOptions({ threshold: 5, edgeitems: 0 });
    expect(() => formatTensor(new Float32Array(16), [4, 4], 'float32')).toThrow(/non-empty TensorList/);
  });
});

describe(`formatTensor matches torch ${fixture.torch} repr()`, () => {
  it('has enough cases', () => {
    expect(fixture.cases.length).toBeGreaterThanOrEqual(100);
  });
  for (const c of fixture.cases) {
    it(c.name, () => {
      applyOpts(c);
      expect(formatTensor(caseData(c), c.shape, c.dtype, c.info)).toBe(c.expected);
    });
  }
});

describe("pyFormatFixed / pyFormatExp match Python's '{:.Nf}' / '{:.Ne}'", () => {
  it('matches every fixture value', () => {
    const bad: string[] = [];
    for (const c of fixture.floatfmt) {
      const v = Number(c.value); // Python repr round-trips exactly through JS number parsing
      const f = pyFormatFixed(v, c.p);
      const e = pyFormatExp(v, c.p);
      if (f !== c.f) bad.push(`{:.${c.p}f} of ${c.value}: got ${f}, want ${c.f}`);
      if (e !== c.e) bad.push(`{:.${c.p}e} of ${c.value}: got ${e}, want ${c.e}`);
    }
    expect(bad).toEqual([]);
  });
  it('ties go to even, unlike toFixed', () => {
    expect(pyFormatFixed(0.125, 2)).toBe('0.12');
    expect(pyFormatFixed(0.375, 2)).toBe('0.38');
    expect(pyFormatFixed(2.5, 0)).toBe('2');
    expect(pyFormatExp(1.03125, 4)).toBe('1.0312e+00');
    expect(pyFormatExp(1e-5, 4)).toBe('1.0000e-05');
    expect(pyFormatFixed(-0, 4)).toBe('-0.0000');
    expect(pyFormatExp(NaN, 4)).toBe('nan');
    expect(pyFormatFixed(-Infinity, 4)).toBe('-inf');
  });
});
