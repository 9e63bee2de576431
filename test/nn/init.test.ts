// nn's default initialization and nn.init against torch 1.13 under the same
// manualSeed (test/fixtures/nn_init.json from gen_nn.py): exact bits, except
// truncNormal_ and orthogonal_ (erfinv and the QR in double: within tolerance).
import { describe, expect, it } from "vitest";
import { nn, manualSeed, empty, Generator } from "../../src/index";
import { fixture, MODELS, expectEncoded, u32, floats } from "./helpers";

const data = fixture("nn_init.json");

describe("default initialization", () => {
  for (const m of data.models) {
    it(`${m.name} under manualSeed(${m.seed}) holds torch's state dict bit for bit`, () => {
      manualSeed(m.seed);
      const model = MODELS[m.name]();
      const sd = model.stateDict();
      expect(Object.keys(sd)).toEqual(m.state.map((e: [string]) => e[0]));
      for (const [k, e] of m.state) expectEncoded(sd[k], e, `${m.name} ${k}`, expect);
      model.dispose();
    });
  }

  it("resetParameters draws again from the generator", () => {
    manualSeed(0);
    const a = new nn.Linear(3, 5);
    const first = u32(a.weight);
    manualSeed(0);
    a.resetParameters();
    expect(u32(a.weight)).toEqual(first);
  });
});

const camel = (s: string) => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()).replace(/_$/, "_");

describe("nn.init", () => {
  for (const c of data.init) {
    const fn = camel(c.fn);
    it(`${fn} ${JSON.stringify(c.kwargs)} on [${c.shape}]`, () => {
      manualSeed(c.seed);
      const t = empty(c.shape);
      const k = c.kwargs;
      const I = nn.init;
      switch (c.fn) {
        case "uniform_": I.uniform_(t, k.a, k.b); break;
        case "normal_": I.normal_(t, k.mean, k.std); break;
        case "xavier_uniform_": I.xavierUniform_(t, k.gain); break;
        case "xavier_normal_": I.xavierNormal_(t, k.gain); break;
        case "kaiming_uniform_": I.kaimingUniform_(t, k.a, k.mode, k.nonlinearity); break;
        case "kaiming_normal_": I.kaimingNormal_(t, { a: k.a, mode: k.mode, nonlinearity: k.nonlinearity }); break;
        case "trunc_normal_": I.truncNormal_(t, k.mean, k.std, k.a, k.b); break;
        case "orthogonal_": I.orthogonal_(t, k.gain); break;
        case "eye_": I.eye_(t); break;
        default: throw new Error(c.fn);
      }
      if (c.fn === "trunc_normal_" || c.fn === "orthogonal_") {
        const want = floats(c.bits), got = Array.from(t.data());
        got.forEach((v, i) => expect(Math.abs(v - want[i])).toBeLessThanOrEqual(1e-5 + 1e-5 * Math.abs(want[i])));
      } else {
        expect(u32(t)).toEqual(c.bits);
      }
    });
  }

  it("orthogonal_ gives orthonormal rows or columns", () => {
    const t = nn.init.orthogonal_(empty(4, 6));
    const q = t.matmul(t.t()).data();
    for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) expect(q[i * 4 + j]).toBeCloseTo(i === j ? 1 : 0, 5);
  });

  it("calculateGain matches torch's", () => {
    for (const [key, v] of Object.entries(data.gain)) {
      const [nl, p] = key.split(":");
      expect(nn.init.calculateGain(nl, p === undefined ? undefined : Number(p))).toBe(v);
    }
    expect(nn.init.calculateGain("leakyRelu")).toBe(data.gain["leaky_relu"]);
    expect(() => nn.init.calculateGain("swish")).toThrow(/Unsupported nonlinearity swish/);
  });

  it("a generator option draws from that generator, not the default one", () => {
    manualSeed(5);
    const a = nn.init.normal_(empty(20));
    const b = nn.init.normal_(empty(20), 0, 1, { generator: new Generator(5) });
    expect(u32(b)).toEqual(u32(a));
  });

  it("refuses what torch refuses", () => {
    expect(() => nn.init.kaimingUniform_(empty(3))).toThrow(/fewer than 2 dimensions/);
    expect(() => nn.init.eye_(empty(2, 2, 2))).toThrow(/Only tensors with 2 dimensions/);
    expect(() => nn.init.kaimingNormal_(empty(2, 2), 0, "fan_avg" as "fan_in")).toThrow(/Mode fan_avg not supported/);
    expect(() => nn.init.uniform_(empty(2, 2, { dtype: "int32" }))).toThrow(/float32/);
  });
});
