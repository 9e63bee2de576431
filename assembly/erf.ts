// erf in float32, by the rational approximations of Sun's fdlibm (s_erff.c, as
// musl's erff has them), on four ranges of |x|. erf is odd: the ranges work on
// |x| and the sign is put back at the end. Within ~1 ulp over the whole line.

// (coefficients as float32 bit patterns, exactly as fdlibm gives them)
@inline function c(bits: u32): f32 { return reinterpret<f32>(bits); }

export function erff(x: f32): f32 {
  const a = Mathf.abs(x);
  if (!(a < Infinity)) return a == Infinity ? copysign<f32>(1, x) : x; // erf(±inf) = ±1, erf(NaN) = NaN
  let r: f32;
  if (a < 0.84375) {
    // erf(x) = x + x·P(x²)/Q(x²); below 2^-28, x·2/√π (scaled by 8 so that subnormals keep their bits)
    if (a < 3.7252903e-9) return 0.125 * (8 * x + c(0x3f8375d4) * x);
    const z = x * x;
    const p = c(0x3e0375d4) + z * (c(0xbea66beb) + z * (c(0xbce9528f) + z * (c(0xbbbd1489) + z * c(0xb7c756b1))));
    const q: f32 = 1 + z * (c(0x3ecbbbce) + z * (c(0x3d852a63) + z * (c(0x3ba68116) + z * (c(0x390aee49) + z * c(0xb684e21a)))));
    return x + x * (p / q);
  }
  if (a < 1.25) {
    // erf(1 + s) = erx + P(s)/Q(s), erx = 0.84506291151 rounded to float32
    const s = a - 1;
    const p = c(0xbb1acdc6) + s * (c(0x3ed46805) + s * (c(0xbebe9208) + s * (c(0x3ea2fe54) + s * (c(0xbde31cc2) + s * (c(0x3d1151b3) + s * c(0xbb0df9c0))))));
    const q: f32 = 1 + s * (c(0x3dd9f331) + s * (c(0x3f0a5785) + s * (c(0x3d931ae7) + s * (c(0x3e013307) + s * (c(0x3c5f6e13) + s * c(0x3c445aa3))))));
    r = c(0x3f58560b) + p / q;
  } else if (a >= 6) {
    r = 1; // 1 - 2^-120 rounds to 1
  } else {
    // erfc(a) = e^(-a² - 0.5625 + R(1/a²)/S(1/a²)) / a, with a² split so that e^(-z²) is exact enough
    const s: f32 = 1 / (a * a);
    let p: f32, q: f32;
    if (a < 2.857142857) {
      p = c(0xbc21a093) + s * (c(0xbf31a0b7) + s * (c(0xc128f022) + s * (c(0xc2798057) + s * (c(0xc322658c) + s * (c(0xc3389ae7) + s * (c(0xc2a2932b) + s * c(0xc11d077e)))))));
      q = 1 + s * (c(0x419d35ce) + s * (c(0x4309a863) + s * (c(0x43d9486f) + s * (c(0x442158c9) + s * (c(0x43d6810b) + s * (c(0x42d9451f) + s * (c(0x40d23f7c) + s * c(0xbd777f97))))))));
    } else {
      p = c(0xbc21a092) + s * (c(0xbf4c9dd4) + s * (c(0xc18e104b) + s * (c(0xc320a2ea) + s * (c(0xc41f6441) + s * (c(0xc480230b) + s * c(0xc3f1c275))))));
      q = 1 + s * (c(0x41f2b459) + s * (c(0x43a2e571) + s * (c(0x44c01759) + s * (c(0x4547fdbb) + s * (c(0x451f90ce) + s * (c(0x43ed43a7) + s * c(0xc1b38712)))))));
    }
    const z = reinterpret<f32>(reinterpret<u32>(a) & 0xfffff000);
    r = 1 - Mathf.exp(-z * z - 0.5625) * Mathf.exp((z - a) * (z + a) + p / q) / a;
  }
  return copysign<f32>(r, x);
}
