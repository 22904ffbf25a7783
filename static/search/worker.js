// qiao search worker: runs the WebAssembly searcher and feeds it index bytes through
// synchronous HTTP Range requests, which browsers allow inside a worker. The searcher
// keeps what it fetched, so later queries download little.
"use strict";

let exports = null;
let files = [];
// A server that ignores Range sends whole files: keep them so they are fetched once.
const wholeFiles = new Map();
const stats = { requests: 0, bytes: 0 };
let ready = null;
// Why the index cannot be searched: "unavailable" when the server failed to send a file,
// "damaged" when what it sent does not fit the manifest or the searcher failed on it.
let problem = null;
// A searcher that trapped (a Rust panic aborts) is in no state to run again.
let broken = null;

function readFile(index, start, length) {
  const file = files[index];
  if (!file) return null;
  const cached = wholeFiles.get(index);
  if (cached) return cached.subarray(start, start + length);
  const xhr = new XMLHttpRequest();
  xhr.open("GET", file.url, false);
  xhr.responseType = "arraybuffer";
  xhr.setRequestHeader("Range", "bytes=" + start + "-" + (start + length - 1));
  xhr.send();
  stats.requests += 1;
  if (xhr.status === 206) {
    const bytes = new Uint8Array(xhr.response);
    stats.bytes += bytes.length;
    if (bytes.length === length) return bytes;
    problem = problem || "damaged";
    return null;
  }
  if (xhr.status === 200) {
    const whole = new Uint8Array(xhr.response);
    stats.bytes += whole.length;
    if (whole.length !== file.len) {
      problem = problem || "damaged";
      return null;
    }
    wholeFiles.set(index, whole);
    return whole.subarray(start, start + length);
  }
  // 416: the file is shorter than the manifest says.
  problem = problem || (xhr.status === 416 ? "damaged" : "unavailable");
  return null;
}

function qiao_fetch(index, start, length, dst) {
  try {
    const bytes = readFile(index, start >>> 0, length >>> 0);
    if (!bytes) return -1;
    // Read the memory buffer now: it is replaced whenever the module's memory grows.
    new Uint8Array(exports.memory.buffer, dst >>> 0, bytes.length).set(bytes);
    return 0;
  } catch (e) {
    return -2;
  }
}

function withString(text, fn) {
  return withBytes(new TextEncoder().encode(text), fn);
}

function withBytes(bytes, fn) {
  const ptr = exports.qiao_alloc(bytes.length);
  new Uint8Array(exports.memory.buffer, ptr, bytes.length).set(bytes);
  try {
    return fn(ptr, bytes.length);
  } finally {
    exports.qiao_free(ptr, bytes.length);
  }
}

function readResult(ptr) {
  const view = new DataView(exports.memory.buffer);
  const length = view.getUint32(ptr, true);
  const text = new TextDecoder().decode(new Uint8Array(exports.memory.buffer, ptr + 4, length));
  return JSON.parse(text);
}

async function init(manifestUrl) {
  const base = new URL(manifestUrl, self.location.href);
  const res = await fetch(base, { cache: "no-cache" });
  if (!res.ok) throw new Error("search manifest: HTTP " + res.status);
  let manifest;
  try {
    manifest = await res.json();
  } catch (e) {
    problem = "damaged";
    throw new Error("search manifest: " + e.message);
  }
  files = manifest.files.map((f) => ({ url: new URL(f.url, base).href, len: f.len }));
  // The module and the hot cache (the index blocks every search reads) at once: both
  // have fingerprinted names, so a returning reader's cache answers for both. Both come
  // in the .lzma format.
  const [wasm, packedHot] = await Promise.all([
    fetch(new URL(manifest.wasm, base)),
    wholeFile(manifest.hot, base),
  ]);
  if (!wasm.ok) throw new Error("search module: HTTP " + wasm.status);
  let module;
  let hot = packedHot;
  try {
    module = unlzma(new Uint8Array(await wasm.arrayBuffer()));
    if (hot.length) hot = unlzma(hot);
  } catch (e) {
    problem = "damaged";
    throw e;
  }
  const imports = { env: { qiao_fetch } };
  const { instance } = await WebAssembly.instantiate(module, imports);
  exports = instance.exports;
  const lines = manifest.files.map((f) => f.name + "\t" + f.len + "\n").join("");
  const opened = withBytes(hot, (h, hn) => withString(lines, (p, n) => exports.qiao_open(p, n, h, hn)));
  if (opened !== 0) {
    throw new Error(readResult(exports.qiao_result()).error || "the index could not be opened");
  }
}

// The hot cache, fetched whole: an ordinary GET, which the browser's cache keeps.
async function wholeFile(entry, base) {
  if (!entry) return new Uint8Array(0);
  const res = await fetch(new URL(entry.url, base));
  if (!res.ok) throw new Error(entry.url + ": HTTP " + res.status);
  const bytes = new Uint8Array(await res.arrayBuffer());
  stats.requests += 1;
  stats.bytes += bytes.length;
  if (bytes.length !== entry.len) {
    problem = "damaged";
    throw new Error(entry.url + ": " + bytes.length + " bytes, the manifest says " + entry.len);
  }
  return bytes;
}

function failure(e, id) {
  if (e instanceof WebAssembly.RuntimeError) broken = e;
  // Once the module loaded, an error it reports comes from the index files it read.
  const kind = problem || (exports ? "damaged" : "unavailable");
  return { type: "error", id, kind, message: String((e && e.message) || e) };
}

self.onmessage = async (event) => {
  const message = event.data;
  if (message.type === "init") {
    ready = init(message.manifest);
    try {
      await ready;
      self.postMessage({ type: "ready", stats });
    } catch (e) {
      self.postMessage(failure(e));
    }
    return;
  }
  if (message.type === "search") {
    try {
      await ready;
      if (broken) throw broken;
      const started = performance.now();
      const response = withString(JSON.stringify(message.request), (p, n) => readResult(exports.qiao_search(p, n)));
      const ms = performance.now() - started;
      if (response.error) throw new Error(response.error);
      self.postMessage({ type: "result", id: message.id, response, ms, stats });
    } catch (e) {
      self.postMessage(failure(e, message.id));
    }
  }
};

// The searcher and the hot cache come LZMA-compressed (the `.lzma` format of xz and the
// LZMA SDK; qiao's src/lzma.rs): a quarter smaller than the gzip a static host would send,
// and the searcher is the largest part of a first search. Browsers decompress only gzip
// and deflate themselves, so this decoder (after the SDK's LzmaSpec.cpp) unpacks them.
// Throws on data that is not a whole LZMA stream; what it unpacks is checked after (the
// module by compiling it, the hot cache by its checksum).
function unlzma(input) {
  if (input.length < 13) throw new Error("LZMA: not an LZMA file");
  let props = input[0];
  if (props >= 9 * 5 * 5) throw new Error("LZMA: bad LZMA properties");
  const lc = props % 9;
  props = (props / 9) | 0;
  const lp = props % 5;
  const pb = (props / 5) | 0;
  // The size, little-endian u64: qiao writes it (src/lzma.rs), so the output is
  // allocated once; all ones would mean "unknown".
  let size = 0;
  for (let i = 12; i >= 5; i--) size = size * 256 + input[i];
  if (size > input.length * 1000 || size >= 2 ** 53) throw new Error("LZMA: bad size");
  const out = new Uint8Array(size);
  let pos = 0;

  // The range decoder's state, in an object: V8 keeps its fields unboxed.
  const rc = new RangeDecoder(input, 13);
  const probs = (n) => new Uint16Array(n).fill(1024);
  // A length coder: choice bits, then 8 low, 8 middle or 256 high lengths.
  const lengths = () => ({ choice: probs(2), low: probs(16 << 3), mid: probs(16 << 3), high: probs(256) });
  const length = (l, posState) => {
    if (rc.bit(l.choice, 0) === 0) return rc.tree(l.low, posState << 3, 3);
    if (rc.bit(l.choice, 1) === 0) return 8 + rc.tree(l.mid, posState << 3, 3);
    return 16 + rc.tree(l.high, 0, 8);
  };

  const literals = probs(0x300 << (lc + lp));
  const isMatch = probs(12 << 4);
  const isRep = probs(12);
  const isRepG0 = probs(12);
  const isRepG1 = probs(12);
  const isRepG2 = probs(12);
  const isRep0Long = probs(12 << 4);
  const slots = probs(4 << 6);
  const special = probs(115);
  const align = probs(16);
  const matchLengths = lengths();
  const repLengths = lengths();
  const pbMask = (1 << pb) - 1;
  const lpMask = (1 << lp) - 1;
  let state = 0;
  let rep0 = 0;
  let rep1 = 0;
  let rep2 = 0;
  let rep3 = 0;

  const put = (b) => {
    out[pos++] = b;
  };

  while (pos < size) {
    const posState = pos & pbMask;
    if (rc.bit(isMatch, (state << 4) + posState) === 0) {
      const prev = pos > 0 ? out[pos - 1] : 0;
      const base = 0x300 * (((pos & lpMask) << lc) + (prev >> (8 - lc)));
      put(state >= 7 ? rc.matchedLiteral(literals, base, out[pos - rep0 - 1]) : rc.tree(literals, base, 8));
      state = state < 4 ? 0 : state < 10 ? state - 3 : state - 6;
      continue;
    }
    let len;
    if (rc.bit(isRep, state) === 1) {
      if (pos === 0) throw new Error("LZMA: bad LZMA data");
      if (rc.bit(isRepG0, state) === 0) {
        if (rc.bit(isRep0Long, (state << 4) + posState) === 0) {
          state = state < 7 ? 9 : 11;
          put(out[pos - rep0 - 1]);
          continue;
        }
      } else {
        let distance;
        if (rc.bit(isRepG1, state) === 0) {
          distance = rep1;
        } else {
          if (rc.bit(isRepG2, state) === 0) {
            distance = rep2;
          } else {
            distance = rep3;
            rep3 = rep2;
          }
          rep2 = rep1;
        }
        rep1 = rep0;
        rep0 = distance;
      }
      len = length(repLengths, posState);
      state = state < 7 ? 8 : 11;
    } else {
      rep3 = rep2;
      rep2 = rep1;
      rep1 = rep0;
      len = length(matchLengths, posState);
      state = state < 7 ? 7 : 10;
      const slot = rc.tree(slots, Math.min(len, 3) << 6, 6);
      if (slot < 4) {
        rep0 = slot;
      } else {
        const bits = (slot >> 1) - 1;
        rep0 = ((2 | (slot & 1)) << bits) >>> 0;
        if (slot < 14) {
          rep0 += rc.reverse(special, rep0 - slot, bits);
        } else {
          rep0 = (rep0 + rc.direct(bits - 4) * 16 + rc.reverse(align, 0, 4)) >>> 0;
        }
      }
      if (rep0 === 0xffffffff) break; // the end marker
      if (rep0 >= pos) throw new Error("LZMA: bad LZMA data");
    }
    len += 2;
    if (len > size - pos) throw new Error("LZMA: bad LZMA data");
    for (; len > 0; len--) put(out[pos - rep0 - 1]);
  }
  if (pos !== size) throw new Error("LZMA: data cut short");
  return out;
}

class RangeDecoder {
  constructor(input, at) {
    this.input = input;
    this.at = at;
    this.range = 0xffffffff;
    this.code = 0;
    if (this.next() !== 0) throw new Error("LZMA: bad LZMA data");
    for (let i = 0; i < 4; i++) this.code = ((this.code << 8) | this.next()) >>> 0;
  }

  next() {
    if (this.at >= this.input.length) throw new Error("LZMA: data cut short");
    return this.input[this.at++];
  }

  bit(probs, i) {
    const p = probs[i];
    const bound = (this.range >>> 11) * p;
    let b;
    if (this.code < bound) {
      this.range = bound;
      probs[i] = p + ((2048 - p) >> 5);
      b = 0;
    } else {
      this.range -= bound;
      this.code -= bound;
      probs[i] = p - (p >> 5);
      b = 1;
    }
    if (this.range < 0x1000000) {
      this.range = (this.range * 256) >>> 0;
      this.code = ((this.code << 8) | this.next()) >>> 0;
    }
    return b;
  }

  // A bit tree: `bits` bits, most significant first.
  tree(probs, base, bits) {
    let m = 1;
    for (let i = 0; i < bits; i++) m = (m << 1) | this.bit(probs, base + m);
    return m - (1 << bits);
  }

  // A bit tree read least significant bit first.
  reverse(probs, base, bits) {
    let m = 1;
    let symbol = 0;
    for (let i = 0; i < bits; i++) {
      const b = this.bit(probs, base + m);
      m = (m << 1) | b;
      symbol |= b << i;
    }
    return symbol;
  }

  // A literal after a match, coded against the byte at the match distance.
  matchedLiteral(probs, base, matchByte) {
    let symbol = 1;
    do {
      const matchBit = (matchByte >> 7) & 1;
      matchByte <<= 1;
      const b = this.bit(probs, base + ((1 + matchBit) << 8) + symbol);
      symbol = (symbol << 1) | b;
      if (matchBit !== b) break;
    } while (symbol < 0x100);
    while (symbol < 0x100) symbol = (symbol << 1) | this.bit(probs, base + symbol);
    return symbol - 0x100;
  }

  direct(n) {
    let result = 0;
    for (; n > 0; n--) {
      this.range >>>= 1;
      let b = 0;
      if (this.code >= this.range) {
        this.code -= this.range;
        b = 1;
      }
      result = ((result << 1) | b) >>> 0;
      if (this.range < 0x1000000) {
        this.range = (this.range * 256) >>> 0;
        this.code = ((this.code << 8) | this.next()) >>> 0;
      }
    }
    return result;
  }
}
